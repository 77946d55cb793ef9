//! Reactor counters, readable from any thread.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Atomic counters of one reactor (all `Relaxed`: they order nothing).
#[derive(Debug, Default)]
pub struct ReactorMetrics {
    pub(crate) sqes_submitted: AtomicU64,
    pub(crate) cqes_reaped: AtomicU64,
    pub(crate) enters: AtomicU64,
    pub(crate) sq_full: AtomicU64,
    pub(crate) cq_overflow: AtomicU64,
    pub(crate) parks: AtomicU64,
    pub(crate) unparks_sent: AtomicU64,
    /// Ops submitted (written by the owner thread only).
    pub(crate) ops_submitted: AtomicU64,
    /// Ops whose final CQE was dispatched (written by the holder of the
    /// ring's completion lock only).
    pub(crate) ops_finished: AtomicU64,
    pub(crate) cqes_helped: AtomicU64,
    pub(crate) timers_pending: AtomicU64,
    pub(crate) provided_bufs_out: AtomicU64,
    pub(crate) provided_bufs_starved: AtomicU64,
}

/// A plain copy of [`ReactorMetrics`] at one moment.
///
/// On the readiness driver `enters` counts `epoll_wait` calls,
/// `cqes_reaped` readiness events, `cqes_helped` tasks woken by another
/// thread's look at this poller, and `ops_in_flight` ops waiting for
/// readiness or running on the blocking pool; the SQ and CQ counters and
/// the provided-buffer gauges stay at zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// SQEs handed to the kernel.
    pub sqes_submitted: u64,
    /// CQEs taken from the completion queue.
    pub cqes_reaped: u64,
    /// `io_uring_enter` calls.
    pub enters: u64,
    /// Times an SQE found the submission queue full and it was flushed first.
    pub sq_full: u64,
    /// Times the kernel reported a completion-queue overflow (held back by
    /// `IORING_FEAT_NODROP` and reaped later).
    pub cq_overflow: u64,
    /// Times the thread slept in `io_uring_enter`.
    pub parks: u64,
    /// Wake messages other threads actually sent (skipped when not parked).
    pub unparks_sent: u64,
    /// Ops whose final CQE has not been reaped (gauge).
    pub ops_in_flight: u64,
    /// CQEs that another thread reaped and dispatched for this ring while
    /// its owner was stuck in a long poll.
    pub cqes_helped: u64,
    /// Sleeps registered in the timer wheel (gauge).
    pub timers_pending: u64,
    /// Provided buffers of this reactor's pools held by `RingBuf`s, not yet
    /// pushed back onto their ring (gauge).
    pub provided_bufs_out: u64,
    /// Times a multishot receive ended with `ENOBUFS` (its pool ran dry)
    /// and was re-armed.
    pub provided_bufs_starved: u64,
}

impl ReactorMetrics {
    /// Reads every counter.
    pub fn snapshot(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            sqes_submitted: self.sqes_submitted.load(Relaxed),
            cqes_reaped: self.cqes_reaped.load(Relaxed),
            enters: self.enters.load(Relaxed),
            sq_full: self.sq_full.load(Relaxed),
            cq_overflow: self.cq_overflow.load(Relaxed),
            parks: self.parks.load(Relaxed),
            unparks_sent: self.unparks_sent.load(Relaxed),
            ops_in_flight: self.ops_in_flight(),
            cqes_helped: self.cqes_helped.load(Relaxed),
            timers_pending: self.timers_pending.load(Relaxed),
            provided_bufs_out: self.provided_bufs_out.load(Relaxed),
            provided_bufs_starved: self.provided_bufs_starved.load(Relaxed),
        }
    }

    /// Ops submitted and not yet finished.
    pub(crate) fn ops_in_flight(&self) -> u64 {
        // Finished first: an op is counted as submitted before it can
        // finish, so the difference read this way never underflows.
        let finished = self.ops_finished.load(Relaxed);
        self.ops_submitted.load(Relaxed).saturating_sub(finished)
    }

    /// For counters other threads also write.
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Relaxed);
    }

    /// For counters other threads also write.
    pub(crate) fn sub(counter: &AtomicU64, n: u64) {
        counter.fetch_sub(n, Relaxed);
    }

    /// For counters only one thread at a time writes (the owner's ring and
    /// wheel counters; the completion counters, written by the holder of the
    /// ring's completion lock, whose hand-over orders the writes): a plain
    /// load and store, no locked instruction on the per-op path. Other
    /// threads still read a value that was true at some moment.
    pub(crate) fn add_owned(counter: &AtomicU64, n: u64) {
        counter.store(counter.load(Relaxed).wrapping_add(n), Relaxed);
    }

    /// The owner-thread counterpart of [`sub`](Self::sub).
    pub(crate) fn sub_owned(counter: &AtomicU64, n: u64) {
        counter.store(counter.load(Relaxed).wrapping_sub(n), Relaxed);
    }
}
