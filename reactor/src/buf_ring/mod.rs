//! Provided-buffer rings (`IORING_REGISTER_PBUF_RING`): per-reactor pools
//! of equal buffers that the kernel picks from for multishot receives.
//!
//! # Protocol
//!
//! 1. A pool belongs to one reactor (its **home**) and is created there, on
//!    first use, one per [`BufRingConfig`]. Its ring of buffer descriptors
//!    is single-producer: only the home thread writes descriptors and
//!    advances the tail (a `Release` store the kernel's acquire load of the
//!    tail pairs with).
//! 2. A CQE that carries a buffer id hands that buffer out of the ring:
//!    it becomes a [`RingBuf`], which reads the bytes the kernel wrote
//!    (visible once the CQE is: the kernel posts it after writing). The
//!    kernel never writes a buffer that is out of the ring.
//! 3. Dropping a [`RingBuf`] gives its buffer back: on the home thread it
//!    is pushed onto the ring at once; on any other thread its id goes
//!    through the home reactor's mailbox (plus an unpark) and the home
//!    thread pushes it on its next turn.
//! 4. The buffers' memory belongs to the pool (reference counted by the
//!    home reactor, every op using the pool, and every `RingBuf`), so a
//!    `RingBuf` may outlive its reactor. The descriptor ring is unregistered
//!    when the reactor shuts down, after every op on it has completed.

mod pool;
mod ring_buf;
mod waiters;

pub(crate) use pool::{BufPool, PoolHome};
pub use ring_buf::RingBuf;

use std::io;

/// The shape of a provided-buffer pool: `buf_count` buffers of `buf_size`
/// bytes each. A reactor keeps one pool per distinct configuration, made
/// when a receive first asks for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BufRingConfig {
    /// How many buffers: a power of two from 1 to 32768.
    pub buf_count: u16,
    /// Bytes in each buffer (at least 1). One receive fills at most one
    /// buffer.
    pub buf_size: u32,
}

impl Default for BufRingConfig {
    /// 256 buffers of 4 KiB (1 MiB per reactor).
    fn default() -> Self {
        Self {
            buf_count: 256,
            buf_size: 4096,
        }
    }
}

impl BufRingConfig {
    /// Checks the shape.
    ///
    /// # Errors
    /// `InvalidInput` when `buf_count` is not a power of two (or over
    /// 32768), or `buf_size` is 0, or the pool would not fit in memory.
    pub fn validate(&self) -> io::Result<()> {
        let bad = |why: &str| {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("BufRingConfig: {why}"),
            ))
        };
        if !self.buf_count.is_power_of_two() || self.buf_count > 32768 {
            return bad("buf_count must be a power of two from 1 to 32768");
        }
        if self.buf_size == 0 {
            return bad("buf_size must be at least 1");
        }
        if (self.buf_size as usize)
            .checked_mul(self.buf_count as usize)
            .is_none()
        {
            return bad("buf_count * buf_size overflows");
        }
        Ok(())
    }
}
