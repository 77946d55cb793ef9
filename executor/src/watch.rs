//! The flags of the watch (rules 1 and 5 in [`crate::worker`]): which
//! workers sleep, which sleepers still watch, and the Dekker pair that keeps
//! an awake worker from going unwatched.
//!
//! A worker that wakes while every other one sleeps without watching wakes
//! one of them to watch ([`watcher_to_wake`]); a sleeper that wants to stop
//! watching re-checks that nobody is awake after saying so
//! ([`stop_watching`]). Each side stores its flag, then issues a `SeqCst`
//! fence, then reads the other's: at least one of the two sees the other's
//! store, so either the waking worker wakes a watcher or the sleeper keeps
//! watching. Loom model: `loom_an_awake_worker_is_always_watched`.

use crate::sync::{fence, AtomicBool, Ordering};

/// One worker's watch flags (hints everywhere but in the Dekker pair).
#[derive(Debug, Default)]
pub(crate) struct WatchFlags {
    /// The worker sleeps in its parker.
    pub(crate) sleeping: AtomicBool,
    /// The worker sleeps but wakes now and then to watch the others.
    pub(crate) watching: AtomicBool,
}

/// Whether a worker other than `me` is awake.
pub(crate) fn others_awake<'a>(flags: impl Iterator<Item = &'a WatchFlags>, me: usize) -> bool {
    flags
        .enumerate()
        .any(|(w, f)| w != me && !f.sleeping.load(Ordering::Relaxed))
}

/// Worker `me`, which sleeps, stops watching. Returns whether it may now
/// sleep until woken: `false` when another worker is awake (then it must go
/// on watching). The caller has set its own `sleeping`.
pub(crate) fn stop_watching<'a>(
    flags: impl Iterator<Item = &'a WatchFlags> + Clone,
    me: usize,
) -> bool {
    let mine = flags.clone().nth(me).expect("worker index in range");
    mine.watching.store(false, Ordering::Relaxed);
    // Pairs with the fence in `watcher_to_wake`.
    fence(Ordering::SeqCst);
    !others_awake(flags, me)
}

/// Worker `me` has just cleared its `sleeping` flag (it woke). Returns the
/// worker to wake as a watcher: one that sleeps, when every other worker
/// sleeps and none watches.
pub(crate) fn watcher_to_wake<'a>(
    flags: impl Iterator<Item = &'a WatchFlags>,
    me: usize,
) -> Option<usize> {
    // Pairs with the fence in `stop_watching`: our `sleeping = false` is
    // ordered before the loads below.
    fence(Ordering::SeqCst);
    let mut sleeper = None;
    for (w, f) in flags.enumerate() {
        if w == me {
            continue;
        }
        if !f.sleeping.load(Ordering::Relaxed) || f.watching.load(Ordering::Relaxed) {
            return None;
        }
        sleeper.get_or_insert(w);
    }
    sleeper
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::{Arc, Notify};

    /// Worker 1 sleeps and watches, then decides to stop watching; worker 0
    /// sleeps unwatched, then wakes. Either worker 1 keeps watching or
    /// worker 0 wakes it; never does worker 1 sleep until woken while
    /// worker 0 runs unwatched (loom reports that as a deadlock: worker 1
    /// waits on a notification nobody sends).
    #[test]
    fn loom_an_awake_worker_is_always_watched() {
        loom::model(|| {
            let flags: Arc<[WatchFlags; 2]> = Arc::new(Default::default());
            flags[0].sleeping.store(true, Ordering::Relaxed);
            flags[1].sleeping.store(true, Ordering::Relaxed);
            flags[1].watching.store(true, Ordering::Relaxed);
            let unpark1 = Arc::new(Notify::new());
            let (f, u) = (flags.clone(), unpark1.clone());
            let waker = loom::thread::spawn(move || {
                f[0].sleeping.store(false, Ordering::Relaxed);
                if let Some(w) = watcher_to_wake(f.iter(), 0) {
                    assert_eq!(w, 1);
                    u.notify();
                }
            });
            if stop_watching(flags.iter(), 1) {
                // Sleeps until woken: worker 0 must wake it.
                unpark1.wait();
            }
            waker.join().unwrap();
        });
    }
}
