//! Per-worker counters. Each is written by its own worker only (a relaxed
//! load and store, no read-modify-write) and read by anyone.

use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters of one worker.
#[derive(Debug, Default)]
pub(crate) struct WorkerMetrics {
    pub(crate) polls: AtomicU64,
    pub(crate) steals: AtomicU64,
    pub(crate) parks: AtomicU64,
    /// Bumped before every poll and every parker turn: a worker that is
    /// awake and whose beats stand still is inside one poll.
    pub(crate) beats: AtomicU64,
    /// Sleeping and watching (see [`crate::watch`]).
    pub(crate) watch: crate::watch::WatchFlags,
    /// Times this worker delivered another worker's completions while
    /// that worker was stuck in a long poll.
    pub(crate) helps: AtomicU64,
}

/// Bumps a counter that only the calling worker writes.
pub(crate) fn bump(counter: &AtomicU64) {
    counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
}

/// A copy of one worker's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerMetricsSnapshot {
    /// Task polls run by this worker.
    pub polls: u64,
    /// Successful steals (a batch taken from another worker's queue).
    pub steals: u64,
    /// Times this worker went to sleep with nothing to run.
    pub parks: u64,
    /// Times this worker found another worker stuck in one long poll and
    /// delivered its completions (and stole its queued tasks).
    pub helps: u64,
}

impl WorkerMetrics {
    pub(crate) fn snapshot(&self) -> WorkerMetricsSnapshot {
        WorkerMetricsSnapshot {
            polls: self.polls.load(Ordering::Relaxed),
            steals: self.steals.load(Ordering::Relaxed),
            parks: self.parks.load(Ordering::Relaxed),
            helps: self.helps.load(Ordering::Relaxed),
        }
    }
}
