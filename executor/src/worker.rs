//! The worker loop, the thread-local worker context, and `block_on`.
//!
//! One tick of a worker:
//! 1. pick a task: the LIFO slot (the last task spawned or woken by the
//!    running one; at most [`MAX_LIFO_POLLS`] in a row), the
//!    local queue, the injector (checked first every [`INTERVAL`] ticks so it
//!    cannot starve), or half of a random victim's queue;
//! 2. poll it inside a fresh cooperative budget, catching panics;
//! 3. give the parker a zero-timeout turn (the runtime reaps and submits I/O
//!    there) every [`INTERVAL`] ticks or [`TURN_EVERY`] of running tasks,
//!    whichever comes first, whenever it runs dry, and before polling a task
//!    whose last poll ran longer than [`LONG_POLL`];
//! 4. with nothing anywhere: sleep in the parker, following the idle protocol
//!    of [`crate::idle`].
//!
//! A poll can still run long (a task that computes for 50 ms without
//! yielding). Its worker then neither turns its parker nor runs its queue,
//! so the other workers watch for it (rules of the watch):
//!
//! 1. Every worker bumps its *beats* before each poll and each parker turn,
//!    and marks itself *sleeping* while it sleeps in its parker.
//! 2. A worker that is awake and whose beats have not moved for
//!    [`STUCK_AFTER`] is *stuck* in one poll.
//! 3. Busy workers look at the others' beats every [`CHECK_EVERY`] (at a
//!    turn); a worker going to sleep while another is awake sleeps at most
//!    [`STUCK_AFTER`] at a time and looks again, without leaving the idle
//!    protocol's sleeper list (so it steals nothing unless it finds a stuck
//!    worker, and a producer that pops it still wakes it).
//! 4. For a stuck worker, the watcher asks its own parker to deliver what
//!    the stuck worker's parker holds (`Park::help`: the runtime reaps the
//!    stuck worker's ring), and steals half of the stuck worker's queue.
//!    The tasks it wakes or steals run here; their next I/O is submitted on
//!    this worker's ring.
//! 5. Someone watches whenever a worker is awake: a sleeping worker stops
//!    watching only after [`QUIET_WATCHES`] looks found everyone else
//!    asleep, and a worker that wakes while all others sleep unwatching
//!    wakes one of them to watch. A `SeqCst` fence on each side (after
//!    "I am awake", after "I stopped watching") makes them a Dekker pair:
//!    at least one of the two sees the other.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use crossbeam_deque::{Steal, Worker};
use ringbolt_coop::chaos;

use crate::clock::Ticks;
use crate::metrics::bump;
use crate::park::{Park, Unpark};
use crate::scheduler::Shared;
use crate::task::{Home, Runnable};
use crate::watch::{others_awake, stop_watching, watcher_to_wake, WatchFlags};

/// Ticks between I/O turns, and between injector-first picks.
const INTERVAL: u32 = 61;
/// Longest a worker that keeps running tasks goes without turning its
/// parker (reaping and submitting I/O), however few polls that is.
pub(crate) const TURN_EVERY: Duration = Duration::from_micros(200);
/// A poll that ran this long marks its task: before its next poll the
/// worker turns its parker (so what other tasks queued is submitted rather
/// than held for the length of the poll) and wakes an idle worker to take
/// what waits in its queue.
pub(crate) const LONG_POLL: Duration = Duration::from_micros(500);
/// An awake worker whose beats stood still this long is stuck in one poll
/// (rule 2 of the watch).
pub(crate) const STUCK_AFTER: Duration = Duration::from_micros(500);
/// How often a busy worker looks at the others' beats (rule 3).
pub(crate) const CHECK_EVERY: Duration = Duration::from_micros(100);
/// Looks a sleeping watcher takes with nobody else awake before it stops
/// watching and sleeps until woken (rule 5).
const QUIET_WATCHES: u32 = 20;
/// LIFO-slot polls in a row before the slot's task goes to the queue's back.
const MAX_LIFO_POLLS: u32 = 3;
/// Tasks a parker turn may queue without waking an idle worker: this
/// worker runs one now and the other next. Two tasks woken by one turn are
/// most often the two ends of one exchange (a client and its server, a
/// writer and its reader); handing one to another worker puts a
/// cross-core wake (~25 µs on a 2-vCPU VM) into every round trip after it.
/// Measured on echo_1conn: p99 11 µs with 2, 17–56 µs with 1.
const KEEP_AFTER_TURN: usize = 2;

/// How a runnable reached the scheduler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Schedule {
    /// Spawned, or woken by someone else: the LIFO slot if it comes from
    /// the running task (its successor is the likeliest next task, and the
    /// slot needs no wake of another worker), else the queue's back.
    Wake,
    /// Woke itself while running (`yield_now`): back of the queue.
    Yield,
}

/// The loop's durations in clock ticks (converted once per worker).
struct Timing {
    turn_every: Ticks,
    long_poll: Ticks,
    stuck_after: Ticks,
    check_every: Ticks,
}

/// What a watcher last saw of another worker (rule 2 of the watch).
#[derive(Clone, Copy)]
struct Seen {
    beats: u64,
    since: Ticks,
}

/// Tasks whose last poll ran longer than [`LONG_POLL`], by the address of
/// their metadata (only compared, never followed: a freed task's address
/// reused by a new one costs one needless turn at most).
#[derive(Default)]
struct LongPolls {
    keys: [usize; 4],
    next: usize,
}

impl LongPolls {
    fn contains(&self, key: usize) -> bool {
        self.keys.contains(&key)
    }

    fn note(&mut self, key: usize, long: bool) {
        match (long, self.keys.iter().position(|&k| k == key)) {
            (true, None) => {
                self.keys[self.next] = key;
                self.next = (self.next + 1) % self.keys.len();
            }
            (false, Some(i)) => self.keys[i] = 0,
            _ => {}
        }
    }
}

/// The per-thread state of a running worker.
struct Core {
    index: usize,
    shared: Arc<Shared>,
    local: Worker<Runnable>,
    lifo: Cell<Option<Runnable>>,
    in_poll: Cell<bool>,
    /// Tasks were queued outside a poll (by a parker turn reaping I/O);
    /// whether to wake another worker is decided once, after the turn.
    queued_outside_poll: Cell<bool>,
    rng: Cell<u32>,
    timing: Timing,
    /// Per worker (this one's entry unused): rule 2 of the watch.
    seen: RefCell<Vec<Seen>>,
    last_check: Cell<Ticks>,
    long_polls: RefCell<LongPolls>,
}

thread_local! {
    /// The worker running on this thread, or null. Set by [`WorkerStart::run`]
    /// for the whole of the worker loop.
    static CORE: Cell<*const Core> = const { Cell::new(ptr::null()) };
    /// The runtime entered on a non-worker thread (`block_on`, `enter`,
    /// blocking pool).
    static ENTERED: RefCell<Option<Arc<Shared>>> = const { RefCell::new(None) };
}

fn with_core<R>(f: impl FnOnce(Option<&Core>) -> R) -> R {
    let p = CORE.with(Cell::get);
    // CORE is non-null only between `CoreGuard::set` and the guard's drop
    // inside `WorkerStart::run`, which keeps the `Core` alive on its stack
    // for that whole time; the thread-local is read only on this thread.
    // SAFETY: so a non-null `p` points to a live `Core` for this borrow.
    f(unsafe { p.as_ref() })
}

/// Sets CORE for the duration of the worker loop.
struct CoreGuard;

impl CoreGuard {
    fn set(core: &Core) -> CoreGuard {
        CORE.with(|c| c.set(core));
        CoreGuard
    }
}

impl Drop for CoreGuard {
    fn drop(&mut self) {
        CORE.with(|c| c.set(ptr::null()));
    }
}

pub(crate) fn on_worker_thread() -> bool {
    with_core(|c| c.is_some())
}

pub(crate) fn current_shared() -> Option<Arc<Shared>> {
    with_core(|c| c.map(|c| Arc::clone(&c.shared))).or_else(|| ENTERED.with(|e| e.borrow().clone()))
}

pub(crate) fn set_entered(shared: Option<Arc<Shared>>) -> Option<Arc<Shared>> {
    ENTERED.with(|e| e.replace(shared))
}

/// The index of this thread's worker if it belongs to `shared`'s runtime.
pub(crate) fn current_worker_of(shared: &Arc<Shared>) -> Option<usize> {
    with_core(|c| {
        c.filter(|c| Arc::ptr_eq(&c.shared, shared))
            .map(|c| c.index)
    })
}

/// Schedules a task pinned to worker `index`: into its inbox, then wakes it
/// (token semantics: a wake racing with its parking is not lost, and the
/// parked worker re-checks its inbox, rule 2 of the idle protocol). Never
/// drops the runnable: a pinned task may only be dropped on its worker.
pub(crate) fn schedule_pinned(shared: &Arc<Shared>, index: usize, runnable: Runnable) {
    shared.inboxes[index].push(runnable);
    if current_worker_of(shared) != Some(index) {
        if let Some(u) = shared.unparkers[index].get() {
            u.unpark();
        }
    }
}

/// The index of the worker running on this thread, if any.
pub fn current_worker_index() -> Option<usize> {
    with_core(|c| c.map(|c| c.index))
}

/// The schedule function of every task (zero-sized: see
/// [`TaskMeta`](crate::task::TaskMeta)). On a worker of the task's own
/// runtime it touches no reference count.
pub(crate) fn schedule_task(runnable: Runnable, info: async_task::ScheduleInfo) {
    let meta = runnable.metadata();
    match meta.home {
        Home::Any => {
            let how = if info.woken_while_running {
                Schedule::Yield
            } else {
                Schedule::Wake
            };
            if meta.shared.is_shutdown() {
                // Dropping the runnable drops the future (once) and marks the
                // task cancelled for its handle; not inside this wake (see
                // `Shared::retire`).
                let shared = Arc::clone(&meta.shared);
                shared.retire(runnable);
                return;
            }
            let runtime = Arc::as_ptr(&meta.shared);
            let runnable = with_core(|core| match core {
                // Only compares addresses: `runnable` moves into the queue.
                // (Tests with `chaos` send some wakes the remote way.)
                Some(core)
                    if std::ptr::eq(Arc::as_ptr(&core.shared), runtime) && !chaos::one_in(8) =>
                {
                    core.schedule_local(runnable, how);
                    None
                }
                _ => Some(runnable),
            });
            if let Some(runnable) = runnable {
                // Off the runtime's workers: keep the runtime alive while the
                // runnable moves into its injector.
                let shared = Arc::clone(&runnable.metadata().shared);
                shared.schedule_remote(runnable);
            }
        }
        Home::Worker(index) => {
            let shared = Arc::clone(&meta.shared);
            schedule_pinned(&shared, index, runnable);
        }
        Home::Blocking => {
            let shared = Arc::clone(&meta.shared);
            shared.blocking.push(&shared, runnable);
        }
    }
}

impl Core {
    fn schedule_local(&self, runnable: Runnable, how: Schedule) {
        if how == Schedule::Wake && self.in_poll.get() && !chaos::one_in(4) {
            match self.lifo.replace(Some(runnable)) {
                // The running task's successor: nothing new is stealable.
                None => return,
                Some(previous) => self.local.push(previous),
            }
        } else if !self.in_poll.get() {
            // Woken by a parker turn: one decision per turn, not per task
            // (see `after_turn`).
            self.local.push(runnable);
            self.queued_outside_poll.set(true);
            return;
        } else {
            self.local.push(runnable);
        }
        chaos::point();
        self.shared.notify_one();
    }

    /// After a parker turn: if the turn queued more than [`KEEP_AFTER_TURN`]
    /// tasks, let an idle worker come and steal (one wake per turn).
    fn after_turn(&self) {
        if self.queued_outside_poll.take() && self.local.len() > KEEP_AFTER_TURN {
            self.shared.notify_one();
        }
    }

    fn next_rand(&self) -> u32 {
        // xorshift32: victim choice only needs to be cheap and spread.
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng.set(x);
        x
    }

    fn pop_injector(&self) -> Option<Runnable> {
        // A plain load first: a steal attempt on an empty injector costs a
        // fence, and this runs whenever the local queue is empty.
        if self.shared.injector.is_empty() {
            return None;
        }
        loop {
            match self.shared.injector.steal_batch_and_pop(&self.local) {
                Steal::Success(r) => return Some(r),
                Steal::Empty => return None,
                Steal::Retry => continue,
            }
        }
    }

    fn steal(&self) -> Option<Runnable> {
        let stealers = &self.shared.stealers;
        let n = stealers.len();
        let start = self.next_rand() as usize % n;
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == self.index {
                continue;
            }
            loop {
                match stealers[victim].steal_batch_and_pop(&self.local) {
                    Steal::Success(r) => {
                        bump(&self.shared.metrics[self.index].steals);
                        return Some(r);
                    }
                    Steal::Empty => break,
                    Steal::Retry => continue,
                }
            }
        }
        self.pop_injector()
    }

    fn run_task(&self, runnable: Runnable) {
        let metrics = &self.shared.metrics[self.index];
        bump(&metrics.polls);
        bump(&metrics.beats);
        self.in_poll.set(true);
        // The task wrapper catches panics from `poll`; this catches a panic
        // from a destructor run inside `run`, so the worker lives on.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            ringbolt_coop::with_budget(|| runnable.run())
        }));
        self.in_poll.set(false);
    }

    /// A zero-timeout parker turn (step 3), then, every [`CHECK_EVERY`],
    /// a look at the other workers (rule 3 of the watch).
    fn turn<P: Park>(&self, park: &mut P, now: Ticks) {
        bump(&self.shared.metrics[self.index].beats);
        park.park_timeout(Duration::ZERO);
        self.after_turn();
        if now.since(self.last_check.get()) >= self.timing.check_every {
            self.last_check.set(now);
            if self.help_stuck(park, now) {
                self.after_turn();
            }
        }
    }

    /// Rules 2 and 4 of the watch: for every other worker stuck in one
    /// poll, delivers its parker's completions here and steals half its
    /// queue. Returns whether that gave this worker tasks.
    fn help_stuck<P: Park>(&self, park: &mut P, now: Ticks) -> bool {
        let mut found = false;
        let mut seen = self.seen.borrow_mut();
        for (worker, seen) in seen.iter_mut().enumerate() {
            if worker == self.index {
                continue;
            }
            let metrics = &self.shared.metrics[worker];
            let beats = metrics.beats.load(Ordering::Relaxed);
            let moved = beats != seen.beats || metrics.watch.sleeping.load(Ordering::Relaxed);
            if moved {
                *seen = Seen { beats, since: now };
            }
            // Tests with `chaos` also help workers that are not stuck.
            if (moved || now.since(seen.since) < self.timing.stuck_after) && !chaos::one_in(2) {
                continue;
            }
            // Stuck: `since` stays, so the next look helps again.
            let woken = park.help(worker);
            let stolen = loop {
                match self.shared.stealers[worker].steal_batch(&self.local) {
                    Steal::Success(()) => break true,
                    Steal::Empty => break false,
                    Steal::Retry => continue,
                }
            };
            if woken > 0 || stolen {
                bump(&self.shared.metrics[self.index].helps);
                found = true;
            }
        }
        found
    }

    /// The watch flags of every worker, in index order.
    fn watch_flags(&self) -> impl Iterator<Item = &WatchFlags> + Clone {
        self.shared.metrics.iter().map(|m| &m.watch)
    }

    /// Sleeps in the parker with nothing to run (step 4), as a *watcher*
    /// while another worker is awake and for [`QUIET_WATCHES`] looks after
    /// that (rule 3 of the watch): it then wakes every [`STUCK_AFTER`] to
    /// look at the others, staying in the sleeper list until it has
    /// something to run or a producer wakes it. With everyone asleep for
    /// that long, it sleeps until woken (rule 5).
    fn sleep<P: Park>(&self, park: &mut P) {
        let me = &self.shared.metrics[self.index].watch;
        me.sleeping.store(true, Ordering::Relaxed);
        let mut quiet = 0;
        loop {
            let watch = if others_awake(self.watch_flags(), self.index) {
                quiet = 0;
                true
            } else {
                quiet += 1;
                quiet <= QUIET_WATCHES
            };
            if watch {
                me.watching.store(true, Ordering::Relaxed);
                park.park_timeout(STUCK_AFTER);
            } else {
                // Rule 5: either a worker that wakes now sees us not
                // watching (and wakes us to watch), or we see it awake here.
                if !stop_watching(self.watch_flags(), self.index) {
                    continue;
                }
                park.park();
            }
            if self.shared.is_shutdown()
                || !self.local.is_empty()
                || !self.inbox().is_empty()
                || !self.shared.idle.is_sleeping(self.index)
            {
                break;
            }
            if watch {
                let now = Ticks::now();
                self.last_check.set(now);
                if self.help_stuck(park, now) {
                    break;
                }
            }
        }
        me.watching.store(false, Ordering::Relaxed);
        me.sleeping.store(false, Ordering::Relaxed);
    }

    /// Rule 5 of the watch: a worker that just woke, while every other one
    /// sleeps and none watches, wakes one to watch it (that one stays in
    /// the sleeper list and steals nothing unless this worker gets stuck).
    fn ensure_watcher(&self) {
        if let Some(w) = watcher_to_wake(self.watch_flags(), self.index)
            .and_then(|w| self.shared.unparkers[w].get())
        {
            w.unpark();
        }
    }

    fn drop_all_tasks(&self) {
        drop(self.lifo.take());
        while let Some(r) = self.local.pop() {
            drop(r);
        }
        self.drop_pinned_tasks();
    }

    /// Drops the tasks pinned to this worker, on this worker's thread.
    fn drop_pinned_tasks(&self) {
        while let Some(r) = self.shared.inboxes[self.index].pop() {
            drop(r);
        }
    }

    fn inbox(&self) -> &crossbeam_queue::SegQueue<Runnable> {
        &self.shared.inboxes[self.index]
    }

    /// The next task pinned to this worker. A plain load first: popping an
    /// empty queue costs a fence, and pinned tasks are rare.
    fn pop_inbox(&self) -> Option<Runnable> {
        let inbox = self.inbox();
        if inbox.is_empty() {
            None
        } else {
            inbox.pop()
        }
    }
}

/// Given to the `start` closure of [`crate::Builder::build`] on each new
/// worker thread.
#[derive(Debug)]
pub struct WorkerStart {
    index: usize,
    shared: Arc<Shared>,
    local: Worker<Runnable>,
    ready: mpsc::Sender<io::Result<()>>,
}

impl WorkerStart {
    pub(crate) fn new(
        index: usize,
        shared: Arc<Shared>,
        local: Worker<Runnable>,
        ready: mpsc::Sender<io::Result<()>>,
    ) -> WorkerStart {
        WorkerStart {
            index,
            shared,
            local,
            ready,
        }
    }

    /// This worker's index, `0..num_workers`.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Runs the worker loop with `park` until the runtime shuts down.
    pub fn run<P: Park>(self, mut park: P) -> io::Result<()> {
        let shared = self.shared;
        let registered = shared.unparkers[self.index].set(Box::new(park.unparker()));
        assert!(registered.is_ok(), "worker {} started twice", self.index);
        shared.running.fetch_add(1, Ordering::AcqRel);
        let _ = self.ready.send(Ok(()));
        let workers = shared.metrics.len();
        let core = Core {
            index: self.index,
            shared,
            local: self.local,
            lifo: Cell::new(None),
            in_poll: Cell::new(false),
            queued_outside_poll: Cell::new(false),
            rng: Cell::new(0x9E37_79B9 ^ (self.index as u32 + 1).wrapping_mul(0x85EB_CA6B)),
            timing: Timing {
                turn_every: Ticks::from_duration(TURN_EVERY),
                long_poll: Ticks::from_duration(LONG_POLL),
                stuck_after: Ticks::from_duration(STUCK_AFTER),
                check_every: Ticks::from_duration(CHECK_EVERY),
            },
            seen: RefCell::new(vec![
                Seen {
                    beats: 0,
                    since: Ticks::now(),
                };
                workers
            ]),
            last_check: Cell::new(Ticks::now()),
            long_polls: RefCell::new(LongPolls::default()),
        };
        let guard = CoreGuard::set(&core);
        run_loop(&core, &mut park);
        core.drop_all_tasks();
        core.shared.shutdown_sync.worker_stopped_then_wait();
        // Shutdown woke every task; pinned ones came back to this inbox.
        core.drop_pinned_tasks();
        // Tasks are gone; whatever they left on this worker's parker (ring)
        // is cancelled and drained there.
        park.shutdown();
        drop(guard);
        Ok(())
    }
}

fn run_loop<P: Park>(core: &Core, park: &mut P) {
    let shared = &*core.shared;
    let idle = &shared.idle;
    let metrics = &shared.metrics[core.index];
    let mut tick: u32 = 0;
    let mut lifo_polls: u32 = 0;
    let mut searching = false;
    // The end of the last poll (or wake), and of the last parker turn.
    let mut now = Ticks::now();
    let mut last_turn = now;
    loop {
        if shared.is_shutdown() {
            return;
        }
        tick = tick.wrapping_add(1);
        let periodic = tick.is_multiple_of(INTERVAL);
        if periodic || now.since(last_turn) >= core.timing.turn_every {
            core.turn(park, now);
            last_turn = now;
        }
        if chaos::one_in(8) {
            // Tests with `chaos`: look at the others now (and help some).
            core.help_stuck(park, now);
        }
        let mut task = None;
        if periodic {
            task = core.pop_inbox().or_else(|| core.pop_injector());
        } else if chaos::one_in(16) {
            // Tests with `chaos`: a steal before the worker's own queues.
            task = core.steal();
        }
        if task.is_none() {
            if let Some(t) = core.lifo.take() {
                if lifo_polls < MAX_LIFO_POLLS {
                    lifo_polls += 1;
                    task = Some(t);
                } else {
                    // Bound the slot: a ping-pong pair goes to the queue's back.
                    lifo_polls = 0;
                    core.local.push(t);
                }
            }
        }
        if task.is_none() {
            lifo_polls = 0;
            task = core
                .local
                .pop()
                .or_else(|| core.pop_inbox())
                .or_else(|| core.pop_injector());
        }
        if task.is_none() {
            // Dry: turn the parker once (reaps I/O, which may wake tasks).
            core.turn(park, now);
            last_turn = now;
            task = core.local.pop().or_else(|| core.pop_inbox());
        }
        if task.is_none() {
            if !searching {
                searching = idle.transition_to_searching();
            }
            if searching {
                task = core.steal();
            }
        }
        if let Some(t) = task {
            if searching {
                searching = false;
                // Rule 3 of the idle protocol.
                if idle.transition_from_searching() && shared.has_visible_work() {
                    shared.notify_one();
                }
            }
            if chaos::one_in(32) && t.metadata().home == Home::Any {
                // Tests with `chaos`: a picked task goes back, to the
                // injector, for whichever worker comes first.
                shared.schedule_remote(t);
                continue;
            }
            let key = std::ptr::from_ref(t.metadata()) as usize;
            if core.long_polls.borrow().contains(key) {
                // This poll will likely run long: hand the kernel what is
                // queued now, and let an idle worker take what waits here.
                core.turn(park, now);
                last_turn = now;
                if let Some(waiting) = core.lifo.take() {
                    core.local.push(waiting);
                }
                if !core.local.is_empty() {
                    shared.notify_one();
                }
            }
            core.run_task(t);
            let end = Ticks::now();
            core.long_polls
                .borrow_mut()
                .note(key, end.since(now) >= core.timing.long_poll);
            now = end;
            continue;
        }
        // Nothing anywhere: sleep (rule 2).
        chaos::point();
        idle.transition_to_parked(core.index, searching);
        chaos::point();
        if shared.has_visible_work()
            || !core.local.is_empty()
            || !core.inbox().is_empty()
            || shared.is_shutdown()
        {
            searching = idle.unpark_self(core.index);
            continue;
        }
        bump(&metrics.parks);
        core.sleep(park);
        searching = idle.unpark_self(core.index);
        core.ensure_watcher();
        core.after_turn();
        now = Ticks::now();
        last_turn = now;
    }
}

struct BlockOnWaker<U> {
    notified: AtomicBool,
    unpark: U,
}

impl<U: Unpark> Wake for BlockOnWaker<U> {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Release pairs with the Acquire swap in `block_on`.
        self.notified.store(true, Ordering::Release);
        self.unpark.unpark();
    }
}

/// Polls `future` on this thread, parking in `park` until it is woken.
pub(crate) fn block_on<P: Park, F: Future>(park: &mut P, future: F) -> F::Output {
    let state = Arc::new(BlockOnWaker {
        notified: AtomicBool::new(true),
        unpark: park.unparker(),
    });
    let waker = Waker::from(Arc::clone(&state));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if state.notified.swap(false, Ordering::Acquire) {
            if let Poll::Ready(v) = ringbolt_coop::with_budget(|| future.as_mut().poll(&mut cx)) {
                return v;
            }
            if state.notified.load(Ordering::Acquire) {
                // Woken already (it yielded): no park is coming, so what it
                // queued goes to the kernel now.
                park.park_timeout(Duration::ZERO);
            } else {
                // About to sleep: reap, and let the park hand over what the
                // future queued in the same system call that waits.
                park.poll_deferred();
            }
            continue;
        }
        park.park();
    }
}
