//! Every live task of a runtime, so that shutdown can drop them all.
//!
//! A task that waits on something that never comes (a channel whose sender
//! is kept elsewhere, say) is referenced only by wakers held outside the
//! scheduler. To drop its future at shutdown, the registry keeps one waker
//! per live task. The waker is removed when the task's future is dropped
//! (completion, abort, or shutdown), so a finished task is not kept alive.
//!
//! At shutdown the registry is *closed* (no further insertions) and every
//! waker is woken: the task is scheduled, the scheduler sees the shutdown and
//! drops the runnable, which drops the future exactly once (async-task
//! guarantees a future is dropped once, by whoever holds its last handle).
//!
//! The registry is sharded by a per-thread round-robin counter so spawns on
//! different workers rarely touch the same lock.

use std::cell::Cell;
use std::sync::{Mutex, MutexGuard};
use std::task::Waker;

use slab::Slab;

/// Where a task's waker sits in the registry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    shard: u32,
    key: u32,
}

#[derive(Debug, Default)]
struct Shard {
    wakers: Slab<Waker>,
    closed: bool,
}

/// The registry of live tasks.
#[derive(Debug)]
pub(crate) struct Registry {
    shards: Box<[Mutex<Shard>]>,
}

/// A locked shard with a reserved slot: insert the task's waker with
/// [`Reservation::insert`] once the task exists.
pub(crate) struct Reservation<'a> {
    guard: MutexGuard<'a, Shard>,
    slot: Slot,
}

thread_local! {
    static NEXT_SHARD: Cell<u32> = const { Cell::new(0) };
}

impl Registry {
    pub(crate) fn new(workers: usize) -> Registry {
        let n = (workers * 4).next_power_of_two();
        Registry {
            shards: (0..n).map(|_| Mutex::new(Shard::default())).collect(),
        }
    }

    fn shard(&self, i: u32) -> MutexGuard<'_, Shard> {
        self.shards[i as usize]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Locks a shard and reserves a slot, or returns `None` once the registry
    /// is closed (the runtime is shutting down).
    pub(crate) fn reserve(&self) -> Option<Reservation<'_>> {
        let shard = NEXT_SHARD.with(|c| {
            let i = c.get();
            c.set(i.wrapping_add(1));
            i % self.shards.len() as u32
        });
        let guard = self.shard(shard);
        if guard.closed {
            return None;
        }
        let key = u32::try_from(guard.wakers.vacant_key()).expect("over 4 billion live tasks");
        Some(Reservation {
            guard,
            slot: Slot { shard, key },
        })
    }

    /// Forgets a task whose future is being dropped.
    pub(crate) fn remove(&self, slot: Slot) {
        let waker = self.shard(slot.shard).wakers.try_remove(slot.key as usize);
        // Drop the waker outside the lock: it may free the task.
        drop(waker);
    }

    /// Closes the registry and returns the wakers of every live task.
    pub(crate) fn close(&self) -> Vec<Waker> {
        let mut all = Vec::new();
        for i in 0..self.shards.len() {
            let mut shard = self.shard(i as u32);
            shard.closed = true;
            all.extend(
                std::mem::take(&mut shard.wakers)
                    .into_iter()
                    .map(|(_, w)| w),
            );
        }
        all
    }

    /// Number of live tasks (for tests and metrics).
    pub(crate) fn len(&self) -> usize {
        (0..self.shards.len())
            .map(|i| self.shard(i as u32).wakers.len())
            .sum()
    }
}

impl Reservation<'_> {
    /// The slot reserved for the task.
    pub(crate) fn slot(&self) -> Slot {
        self.slot
    }

    /// Stores the task's waker in its slot and unlocks the shard.
    pub(crate) fn insert(mut self, waker: Waker) {
        let key = self.guard.wakers.insert(waker);
        debug_assert_eq!(key, self.slot.key as usize);
    }
}
