//! Ring setup options.

/// Ring setup options.
#[derive(Clone, Debug)]
pub struct RingConfig {
    /// Submission queue entries (rounded up to a power of two by the kernel).
    pub sq_entries: u32,
    /// Completion queue entries; at least `sq_entries`. A CQ larger than the
    /// SQ absorbs multishot bursts.
    pub cq_entries: u32,
    /// Cap on the kernel's io-wq workers for this ring, applied to both the
    /// bounded (file I/O) and unbounded (sockets, pipes) pools.
    pub iowq_max_workers: u32,
}

impl Default for RingConfig {
    /// SQ 256, CQ 1024 (4×), at most 4 io-wq workers of each kind.
    fn default() -> Self {
        Self {
            sq_entries: 256,
            cq_entries: 1024,
            iowq_max_workers: 4,
        }
    }
}
