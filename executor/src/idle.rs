//! Which workers sleep, and who wakes whom.
//!
//! Waking a sleeping worker costs tens of microseconds on another core, so
//! the protocol wakes at most one worker per new task and none at all when a
//! worker is already *searching* (awake and looking for work to steal).
//!
//! State: one atomic word packs `searching` (awake workers looking for work)
//! and `unparked` (workers not in the sleeper list); `sleepers` lists the
//! parked workers. Changes to `unparked` happen with the `sleepers` lock held.
//!
//! Rules:
//!
//! 1. A producer (spawn, wake) first makes its task visible in a queue, then
//!    calls [`Idle::worker_to_notify`], which issues a `SeqCst` fence and
//!    reads the state. It wakes nobody if a worker is searching or none
//!    sleeps; otherwise it pops one sleeper, counts it as unparked *and*
//!    searching, and returns it to be unparked.
//! 2. A worker about to sleep calls [`Idle::transition_to_parked`] (a `SeqCst`
//!    read-modify-write that leaves `unparked`, and `searching` if it was
//!    searching), then looks at every queue once more. If it sees work it
//!    calls [`Idle::unpark_self`] and goes back to work instead of sleeping.
//!    Rules 1 and 2 form a Dekker pair: either the producer's read sees the
//!    worker still unparked/searching, in which case the worker's re-check
//!    (ordered after its RMW) sees the task, or the producer sees it parked
//!    and wakes a sleeper. No wake-up is lost.
//! 3. A producer that saw `searching > 0` relies on that searcher: a searcher
//!    either parks (and re-checks, rule 2) or finds work and calls
//!    [`Idle::transition_from_searching`]. If it was the last searcher it
//!    re-checks the queues and, seeing work, wakes another worker (rule 1).
//! 4. At most half of the workers search at once
//!    ([`Idle::transition_to_searching`]), so an idle pool does not spin on
//!    each other's queues.
//! 5. A worker that returns from park removes itself from `sleepers` if it is
//!    still there (a spurious wake, or an I/O completion on its own ring) and
//!    counts itself unparked but not searching; if a producer had popped it,
//!    it is already counted unparked and searching.

use crate::sync::{fence, AtomicUsize, Mutex, Ordering};

const UNPARKED_SHIFT: usize = 16;
const SEARCHING_MASK: usize = (1 << UNPARKED_SHIFT) - 1;
const ONE_SEARCHING: usize = 1;
const ONE_UNPARKED: usize = 1 << UNPARKED_SHIFT;

/// Maximum number of workers the packed state can count.
pub(crate) const MAX_WORKERS: usize = SEARCHING_MASK;

fn searching(state: usize) -> usize {
    state & SEARCHING_MASK
}

fn unparked(state: usize) -> usize {
    state >> UNPARKED_SHIFT
}

/// The idle/searching bookkeeping shared by all workers of one runtime.
#[derive(Debug)]
pub(crate) struct Idle {
    state: AtomicUsize,
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
}

impl Idle {
    /// All `num_workers` workers start unparked and not searching.
    pub(crate) fn new(num_workers: usize) -> Idle {
        assert!(num_workers > 0 && num_workers <= MAX_WORKERS);
        Idle {
            state: AtomicUsize::new(num_workers * ONE_UNPARKED),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
        }
    }

    /// Rule 1: after a task was made visible, picks the worker to wake, if
    /// one should be woken. The caller unparks the returned worker.
    #[must_use]
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        // Pairs with the SeqCst RMW of `transition_to_parked` and
        // `transition_from_searching` (rule 2, rule 3).
        fence(Ordering::SeqCst);
        if !self.should_wake(self.state.load(Ordering::SeqCst)) {
            return None;
        }
        let mut sleepers = self.sleepers.lock().unwrap_or_else(|e| e.into_inner());
        // Parking changes `unparked` only under this lock, so this re-read is
        // exact for `unparked`; `searching` may have grown, which only means
        // someone else will find the task.
        if !self.should_wake(self.state.load(Ordering::SeqCst)) {
            return None;
        }
        let worker = sleepers.pop()?;
        self.state
            .fetch_add(ONE_SEARCHING | ONE_UNPARKED, Ordering::SeqCst);
        Some(worker)
    }

    fn should_wake(&self, state: usize) -> bool {
        searching(state) == 0 && unparked(state) < self.num_workers
    }

    /// Rule 4: may this worker start searching other workers' queues?
    pub(crate) fn transition_to_searching(&self) -> bool {
        let state = self.state.load(Ordering::SeqCst);
        if 2 * searching(state) >= self.num_workers {
            return false;
        }
        self.state.fetch_add(ONE_SEARCHING, Ordering::SeqCst);
        true
    }

    /// Rule 3: a searching worker found work. Returns `true` if it was the
    /// last searcher, in which case the caller must re-check the queues and
    /// notify another worker if any holds work.
    #[must_use]
    pub(crate) fn transition_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(ONE_SEARCHING, Ordering::SeqCst);
        debug_assert!(searching(prev) > 0, "no worker was searching");
        // Pairs with the fence in `worker_to_notify`: the caller's re-check
        // of the queues is ordered after this decrement (rule 3).
        fence(Ordering::SeqCst);
        searching(prev) == 1
    }

    /// Rule 2: this worker goes to sleep. The caller must re-check every
    /// queue afterwards and call [`Idle::unpark_self`] if it finds work.
    pub(crate) fn transition_to_parked(&self, worker: usize, is_searching: bool) {
        let mut sleepers = self.sleepers.lock().unwrap_or_else(|e| e.into_inner());
        let dec = ONE_UNPARKED + if is_searching { ONE_SEARCHING } else { 0 };
        self.state.fetch_sub(dec, Ordering::SeqCst);
        sleepers.push(worker);
        drop(sleepers);
        // Pairs with the fence in `worker_to_notify` (rule 2): either the
        // producer sees this decrement, or our re-check sees its task.
        fence(Ordering::SeqCst);
    }

    /// Rule 5: the worker is awake again (after a park, or after its re-check
    /// found work). Returns whether it is now searching: `true` when a
    /// producer popped it from the sleepers (and so counted it searching).
    #[must_use]
    pub(crate) fn unpark_self(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers.lock().unwrap_or_else(|e| e.into_inner());
        match sleepers.iter().position(|&w| w == worker) {
            Some(i) => {
                sleepers.swap_remove(i);
                self.state.fetch_add(ONE_UNPARKED, Ordering::SeqCst);
                false
            }
            None => true,
        }
    }

    /// Whether `worker` is still in the sleeper list (no producer popped
    /// it since it parked).
    pub(crate) fn is_sleeping(&self, worker: usize) -> bool {
        let sleepers = self.sleepers.lock().unwrap_or_else(|e| e.into_inner());
        sleepers.contains(&worker)
    }

    /// (searching, unparked), for tests.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn counts(&self) -> (usize, usize) {
        let s = self.state.load(Ordering::SeqCst);
        (searching(s), unparked(s))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn wakes_one_sleeper_and_marks_it_searching() {
        let idle = Idle::new(2);
        idle.transition_to_parked(0, false);
        idle.transition_to_parked(1, false);
        assert_eq!(idle.counts(), (0, 0));
        let w = idle.worker_to_notify().expect("a sleeper should be woken");
        assert_eq!(idle.counts(), (1, 1));
        // A searcher exists: the next task wakes nobody.
        assert_eq!(idle.worker_to_notify(), None);
        assert!(idle.unpark_self(w), "a popped worker is searching");
        assert!(idle.transition_from_searching());
        assert_eq!(idle.counts(), (0, 1));
    }

    #[test]
    fn nobody_to_wake_when_all_are_awake() {
        let idle = Idle::new(3);
        assert_eq!(idle.worker_to_notify(), None);
    }

    #[test]
    fn at_most_half_search() {
        let idle = Idle::new(4);
        assert!(idle.transition_to_searching());
        assert!(idle.transition_to_searching());
        assert!(!idle.transition_to_searching());
    }

    #[test]
    fn self_unpark_is_not_searching() {
        let idle = Idle::new(2);
        idle.transition_to_parked(1, false);
        assert!(!idle.unpark_self(1));
        assert_eq!(idle.counts(), (0, 2));
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    //! Model of rules 1–3: a producer pushes one task while two workers go
    //! to sleep; the task must always be run.
    use super::*;
    use loom::sync::atomic::{AtomicBool, AtomicUsize as LoomUsize};
    use loom::sync::Arc;
    use loom::thread;

    struct World {
        idle: Idle,
        queue: LoomUsize,
        ran: AtomicBool,
        unparked: [AtomicBool; 2],
    }

    fn worker(world: &World, me: usize) {
        let mut searching = false;
        loop {
            if world
                .queue
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                if searching
                    && world.idle.transition_from_searching()
                    && world.queue.load(Ordering::SeqCst) > 0
                {
                    if let Some(w) = world.idle.worker_to_notify() {
                        world.unparked[w].store(true, Ordering::SeqCst);
                    }
                }
                world.ran.store(true, Ordering::SeqCst);
                return;
            }
            world.idle.transition_to_parked(me, searching);
            if world.queue.load(Ordering::SeqCst) > 0 {
                searching = world.idle.unpark_self(me);
                continue;
            }
            // "Park": in the model a worker that would sleep forever simply
            // stops; it only goes on if someone unparked it.
            if !world.unparked[me].swap(false, Ordering::SeqCst) {
                return;
            }
            searching = world.idle.unpark_self(me);
        }
    }

    #[test]
    fn loom_no_lost_wakeup() {
        // Three preemptions cover the races of interest (a producer between
        // two workers' park transitions) and keep the run short.
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(3);
        builder.check(|| {
            let world = Arc::new(World {
                idle: Idle::new(2),
                queue: LoomUsize::new(0),
                ran: AtomicBool::new(false),
                unparked: [AtomicBool::new(false), AtomicBool::new(false)],
            });
            let workers: Vec<_> = (0..2)
                .map(|me| {
                    let world = Arc::clone(&world);
                    thread::spawn(move || worker(&world, me))
                })
                .collect();
            // Producer: publish, then notify (rule 1).
            world.queue.fetch_add(1, Ordering::SeqCst);
            let woken = world.idle.worker_to_notify();
            if let Some(w) = woken {
                world.unparked[w].store(true, Ordering::SeqCst);
            }
            for w in workers {
                w.join().unwrap();
            }
            // A worker woken by the producer after both stopped is the
            // producer's responsibility to run; model it as the woken worker
            // resuming its loop.
            if !world.ran.load(Ordering::SeqCst) {
                let w = woken.expect("task left in the queue with nobody woken: lost wake-up");
                worker(&world, w);
            }
            assert!(world.ran.load(Ordering::SeqCst), "the task never ran");
        });
    }
}
