//! Every live task of a runtime, so that shutdown can drop them all, and the
//! done-callbacks registered on their handles.
//!
//! A task that waits on something that never comes (a channel whose sender
//! is kept elsewhere, say) is referenced only by wakers held outside the
//! scheduler. To drop its future at shutdown, the registry keeps one waker
//! per live task. At shutdown the registry is *closed* (no insertions) and
//! every waker is woken: the task is scheduled, the scheduler sees the
//! shutdown and drops the runnable, which drops the future exactly once
//! (async-task drops a future once, by whoever holds its last handle).
//!
//! Rules for an entry:
//!
//! 1. It is created at spawn with the task's waker and `handle_alive`.
//! 2. When the task's future is dropped (completed, panicked, or cancelled)
//!    the entry gives up its waker and its callbacks, which the dropping
//!    thread runs. If the handle is still alive, the entry stays with the
//!    task's [`TaskEnd`], so a callback added later runs at once with it.
//! 3. When the handle is dropped, an ended entry is removed; otherwise the
//!    entry forgets the handle and is removed at rule 2.
//! 4. So a slot key is never reused while the handle or the task that owns
//!    it is alive: neither side can reach another task's entry.
//!
//! The registry is sharded by a per-thread round-robin counter so spawns on
//! different workers rarely touch the same lock.

use std::cell::Cell;
use std::sync::{Mutex, MutexGuard};
use std::task::Waker;

use slab::Slab;

/// How a task ended, as given to done-callbacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskEnd {
    /// The future returned its output.
    Completed,
    /// The future panicked; the panic is in the handle's `JoinError`.
    Panicked,
    /// The task was aborted, or dropped at runtime shutdown.
    Cancelled,
}

/// A done-callback.
pub(crate) type Callback = Box<dyn FnOnce(TaskEnd) + Send + 'static>;

/// Where a task's entry sits in the registry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    shard: u32,
    key: u32,
}

struct Entry {
    waker: Option<Waker>,
    callbacks: Vec<Callback>,
    ended: Option<TaskEnd>,
    handle_alive: bool,
}

#[derive(Default)]
struct Shard {
    entries: Slab<Entry>,
    closed: bool,
}

/// The registry of live tasks.
pub(crate) struct Registry {
    shards: Box<[Mutex<Shard>]>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("shards", &self.shards.len())
            .finish()
    }
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

/// What adding a callback did.
pub(crate) enum AddCallback {
    /// Stored: it runs when the task ends.
    Stored,
    /// The task had ended: run it now with this end.
    RunNow(Callback, TaskEnd),
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
        let key = u32::try_from(guard.entries.vacant_key()).expect("over 4 billion live tasks");
        Some(Reservation {
            guard,
            slot: Slot { shard, key },
        })
    }

    /// Rule 2: the task's future is being dropped. Returns the callbacks to
    /// run (outside any lock).
    pub(crate) fn task_ended(&self, slot: Slot, end: TaskEnd) -> Vec<Callback> {
        let mut shard = self.shard(slot.shard);
        let Some(entry) = shard.entries.get_mut(slot.key as usize) else {
            return Vec::new();
        };
        let callbacks = std::mem::take(&mut entry.callbacks);
        let waker = entry.waker.take();
        if entry.handle_alive {
            entry.ended = Some(end);
        } else {
            shard.entries.remove(slot.key as usize);
        }
        drop(shard);
        // Dropped outside the lock: it may free the task.
        drop(waker);
        callbacks
    }

    /// Rule 3: the task's handle is gone.
    pub(crate) fn handle_dropped(&self, slot: Slot) {
        let mut shard = self.shard(slot.shard);
        let Some(entry) = shard.entries.get_mut(slot.key as usize) else {
            return;
        };
        if entry.ended.is_some() {
            shard.entries.remove(slot.key as usize);
        } else {
            entry.handle_alive = false;
        }
    }

    /// Stores a done-callback, or hands it back to run now if the task ended.
    pub(crate) fn add_callback(&self, slot: Slot, callback: Callback) -> AddCallback {
        let mut shard = self.shard(slot.shard);
        match shard.entries.get_mut(slot.key as usize) {
            Some(Entry {
                ended: None,
                callbacks,
                ..
            }) => {
                callbacks.push(callback);
                AddCallback::Stored
            }
            Some(Entry {
                ended: Some(end), ..
            }) => AddCallback::RunNow(callback, *end),
            // Rule 4 makes this unreachable while the handle lives; treat a
            // vanished entry as a cancelled task rather than panic.
            None => AddCallback::RunNow(callback, TaskEnd::Cancelled),
        }
    }

    /// Whether the task in `slot` has ended (rule 2 ran). Only asked while
    /// its handle lives, so the entry is there (rule 4); a vanished entry
    /// counts as ended.
    pub(crate) fn has_ended(&self, slot: Slot) -> bool {
        self.shard(slot.shard)
            .entries
            .get(slot.key as usize)
            .is_none_or(|e| e.ended.is_some())
    }

    /// Closes the registry and returns the wakers of every task still alive.
    pub(crate) fn close(&self) -> Vec<Waker> {
        let mut all = Vec::new();
        for i in 0..self.shards.len() {
            let mut shard = self.shard(i as u32);
            shard.closed = true;
            all.extend(shard.entries.iter_mut().filter_map(|(_, e)| e.waker.take()));
        }
        all
    }

    /// Number of tasks whose future is alive (for tests and metrics).
    pub(crate) fn len(&self) -> usize {
        (0..self.shards.len())
            .map(|i| {
                self.shard(i as u32)
                    .entries
                    .iter()
                    .filter(|(_, e)| e.ended.is_none())
                    .count()
            })
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
        let key = self.guard.entries.insert(Entry {
            waker: Some(waker),
            callbacks: Vec::new(),
            ended: None,
            handle_alive: true,
        });
        debug_assert_eq!(key, self.slot.key as usize);
    }
}
