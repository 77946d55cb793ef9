//! The state all workers share, the [`Handle`] that spawns onto it, and the
//! [`Executor`] that owns the worker threads.

use std::any::Any;
use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex, OnceLock};
use std::thread::JoinHandle as ThreadHandle;
use std::time::{Duration, Instant};

use crossbeam_deque::{Injector, Stealer};

use crate::blocking::BlockingPool;
use crate::idle::{Idle, MAX_WORKERS};
use crate::metrics::{WorkerMetrics, WorkerMetricsSnapshot};
use crate::park::{Park, ThreadPark, Unpark};
use crate::registry::Registry;
use crate::task::{Home, JoinHandle, Runnable, TaskFuture, TaskMeta};
use crate::worker::{self, WorkerStart};

/// Shutdown hand-shake between the thread dropping the runtime and the
/// workers: workers stop polling and report in; the dropping thread then
/// drops every task while the workers' parkers (rings) are still alive; then
/// the workers shut their parkers down and exit.
#[derive(Debug, Default)]
pub(crate) struct ShutdownSync {
    state: Mutex<(usize, bool)>, // (workers stopped, tasks dropped)
    cvar: Condvar,
}

impl ShutdownSync {
    pub(crate) fn worker_stopped_then_wait(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.0 += 1;
        self.cvar.notify_all();
        while !s.1 {
            s = self.cvar.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn wait_for_workers(&self, n: usize) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while s.0 < n {
            s = self.cvar.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn tasks_dropped(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).1 = true;
        self.cvar.notify_all();
    }
}

/// Everything the workers of one runtime share.
pub(crate) struct Shared {
    pub(crate) injector: Injector<Runnable>,
    /// Per worker: the tasks pinned to it (`spawn_local`), never stolen.
    pub(crate) inboxes: Box<[crossbeam_queue::SegQueue<Runnable>]>,
    /// Per worker: pinned tasks whose future is alive (see
    /// [`Shared::wait_for_pinned_runnables`]).
    pinned_alive: Box<[AtomicUsize]>,
    pub(crate) stealers: Box<[Stealer<Runnable>]>,
    pub(crate) unparkers: Box<[OnceLock<Box<dyn Unpark>>]>,
    pub(crate) idle: Idle,
    pub(crate) shutdown: AtomicBool,
    pub(crate) registry: Arc<Registry>,
    pub(crate) blocking: BlockingPool,
    /// One cache line each: every worker bumps its own counters on every
    /// poll, and neighbours sharing a line would bounce it between cores.
    pub(crate) metrics: Box<[crossbeam_utils::CachePadded<WorkerMetrics>]>,
    pub(crate) shutdown_sync: ShutdownSync,
    /// Workers that reached their loop (and so take part in shutdown).
    pub(crate) running: std::sync::atomic::AtomicUsize,
    /// Data the embedding runtime attaches (see [`Builder::extension`]).
    pub(crate) extension: Option<Arc<dyn Any + Send + Sync>>,
    /// Runnables woken after shutdown began, dropped by the shutdown (see
    /// [`Shared::retire`]).
    pub(crate) retired: crossbeam_queue::SegQueue<Runnable>,
    /// Set when the shutdown has dropped everything it will: a runnable
    /// retired later is dropped by whoever retires it.
    pub(crate) retired_closed: AtomicBool,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("workers", &self.stealers.len())
            .field("shutdown", &self.shutdown)
            .finish_non_exhaustive()
    }
}

/// How long shutdown waits for a pinned task's runnable to reach its
/// worker's inbox (see [`Shared::wait_for_pinned_runnables`]).
const PINNED_WAIT: Duration = Duration::from_secs(10);

/// Counts a pinned task among its worker's live ones until its future is
/// dropped (which happens on that worker).
struct PinnedAlive {
    shared: Arc<Shared>,
    index: usize,
}

impl PinnedAlive {
    fn new(shared: &Arc<Shared>, index: usize) -> Self {
        // Release pairs with the Acquire load in
        // `wait_for_pinned_runnables`, as does the decrement in `drop`.
        shared.pinned_alive[index].fetch_add(1, Ordering::Release);
        PinnedAlive {
            shared: Arc::clone(shared),
            index,
        }
    }
}

impl Drop for PinnedAlive {
    fn drop(&mut self) {
        self.shared.pinned_alive[self.index].fetch_sub(1, Ordering::Release);
    }
}

impl Shared {
    /// Shutdown, after the registry woke every task and before the workers'
    /// last drain of their inboxes: waits until every pinned task whose
    /// future is alive has its runnable in its worker's inbox.
    ///
    /// A pinned task may only be dropped on its worker, which drains its
    /// inbox when it stops and once more after the registry woke every
    /// task. By then every live pinned task has been woken, so its runnable
    /// is in the inbox or about to be: a thread that woke it just before
    /// (async-task marked it scheduled) may not have pushed it yet. The
    /// workers are stopped, so nothing pops and no pinned future is
    /// dropped meanwhile: the inbox only grows towards the count of live
    /// pinned futures. Once they match, the last drain drops every pinned
    /// task, and no pinned runnable can come later: a scheduled task is not
    /// scheduled again, and a dropped one never.
    ///
    /// A wake stuck in that gap for longer than [`PINNED_WAIT`] (a thread
    /// stopped mid-wake) is given up on: its runnable reaches an inbox
    /// nobody drains, and the task leaks with this `Shared` (dropping it
    /// off its thread would panic).
    fn wait_for_pinned_runnables(&self) {
        let start = Instant::now();
        for (inbox, alive) in self.inboxes.iter().zip(self.pinned_alive.iter()) {
            while inbox.len() < alive.load(Ordering::Acquire) {
                if start.elapsed() > PINNED_WAIT {
                    return;
                }
                std::thread::yield_now();
            }
        }
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    /// Wakes one sleeping worker if the idle protocol says one should wake.
    pub(crate) fn notify_one(&self) {
        if let Some(w) = self.idle.worker_to_notify() {
            if let Some(u) = self.unparkers[w].get() {
                u.unpark();
            }
        }
    }

    /// Whether any queue a worker could take from holds a task.
    pub(crate) fn has_visible_work(&self) -> bool {
        !self.injector.is_empty() || self.stealers.iter().any(|s| !s.is_empty())
    }

    /// A runnable woken after shutdown began: its future must be dropped
    /// (the task is cancelled), but not here. A wake may come from inside
    /// another task's destructor while it holds a lock (a channel waking its
    /// receivers as its last sender goes), and the woken future's own
    /// destructor may need that lock: dropping it inside `wake` would
    /// deadlock. So the runnable is queued, and the thread running the
    /// shutdown drops it. After the shutdown has finished (`retired_closed`)
    /// the retiring thread drops what is queued itself; the `SeqCst` pair
    /// (push, then load the flag; store the flag, then drain) leaves no
    /// runnable behind.
    pub(crate) fn retire(&self, runnable: Runnable) {
        self.retired.push(runnable);
        std::sync::atomic::fence(Ordering::SeqCst);
        if self.retired_closed.load(Ordering::SeqCst) {
            self.drop_retired();
        }
    }

    /// Drops every retired runnable, including any their drops retire.
    pub(crate) fn drop_retired(&self) {
        while let Some(r) = self.retired.pop() {
            drop(r);
        }
    }

    /// Schedules from a thread that is not one of this runtime's workers.
    pub(crate) fn schedule_remote(&self, runnable: Runnable) {
        if self.is_shutdown() {
            self.retire(runnable);
            return;
        }
        self.injector.push(runnable);
        ringbolt_coop::chaos::point();
        self.notify_one();
    }

    fn unpark_all(&self) {
        for u in self.unparkers.iter().filter_map(OnceLock::get) {
            u.unpark();
        }
    }
}

/// A cheap, cloneable reference to a runtime, usable from any thread.
#[derive(Clone, Debug)]
pub struct Handle {
    shared: Arc<Shared>,
}

impl Handle {
    pub(crate) fn from_shared(shared: Arc<Shared>) -> Handle {
        Handle { shared }
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The handle of the runtime the current thread runs in (a worker, a
    /// blocking-pool thread, or a thread inside `block_on` or
    /// [`Handle::enter`]).
    ///
    /// # Panics
    ///
    /// Outside any ringbolt runtime, with a message saying so.
    pub fn current() -> Handle {
        Handle::try_current().expect(
            "there is no ringbolt runtime on this thread: call this from a task, from \
             inside Runtime::block_on, or after Handle::enter",
        )
    }

    /// Like [`Handle::current`] but returns `None` outside a runtime.
    pub fn try_current() -> Option<Handle> {
        worker::current_shared().map(Handle::from_shared)
    }

    /// Makes this runtime the current one on this thread until the guard is
    /// dropped, so that `spawn` works from a plain thread.
    pub fn enter(&self) -> EnterGuard {
        EnterGuard {
            previous: worker::set_entered(Some(Arc::clone(&self.shared))),
        }
    }

    /// Spawns a task. It may run, and move, on any worker.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (runnable, handle) = self.spawn_with(future, Home::Any);
        if let Some(runnable) = runnable {
            runnable.schedule();
        }
        handle
    }

    /// Creates a registered task that lives at `home`; the caller schedules
    /// the returned runnable (none after shutdown: the task is cancelled).
    fn spawn_with<F>(&self, future: F, home: Home) -> (Option<Runnable>, JoinHandle<F::Output>)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let meta = TaskMeta {
            shared: Arc::clone(&self.shared),
            home,
        };
        self.register(future, |future| {
            async_task::Builder::new()
                .metadata(meta)
                .spawn(|_| future, async_task::WithInfo(worker::schedule_task))
        })
    }

    /// Wraps `future` in a registered [`TaskFuture`] and builds its task
    /// with `build`. After shutdown the task is created unregistered and
    /// dropped at once, so its handle reports cancellation.
    fn register<F, B>(&self, future: F, build: B) -> (Option<Runnable>, JoinHandle<F::Output>)
    where
        F: Future + 'static,
        F::Output: Send + 'static,
        B: FnOnce(
            TaskFuture<F>,
        ) -> (
            Runnable,
            async_task::Task<crate::task::Outcome<F::Output>, TaskMeta>,
        ),
    {
        let shared = &self.shared;
        let Some(reservation) = shared.registry.reserve() else {
            let (runnable, task) = build(TaskFuture::new(future, None));
            drop(runnable);
            return (None, JoinHandle::new(task, None));
        };
        let slot = reservation.slot();
        let (runnable, task) = build(TaskFuture::new(
            future,
            Some((Arc::clone(&shared.registry), slot)),
        ));
        reservation.insert(runnable.waker());
        (
            Some(runnable),
            JoinHandle::new(task, Some((Arc::clone(&shared.registry), slot))),
        )
    }

    /// Spawns a `!Send` task pinned to the current worker: it runs only on
    /// this worker and is never stolen.
    ///
    /// # Panics
    ///
    /// When not called on a worker thread of this runtime (from inside a
    /// task), since a `!Send` future cannot be moved to a worker.
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        let (runnable, handle) = self.spawn_local_unscheduled(future);
        if let Some(runnable) = runnable {
            runnable.schedule();
        }
        handle
    }

    /// [`spawn_local`](Self::spawn_local) without the first schedule: the
    /// caller schedules the runnable.
    fn spawn_local_unscheduled<F>(&self, future: F) -> (Option<Runnable>, JoinHandle<F::Output>)
    where
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        let shared = &self.shared;
        let index = worker::current_worker_of(shared).expect(
            "spawn_local must be called on a worker thread of this runtime (inside a \
             spawned task): a !Send future cannot be moved to a worker",
        );
        let meta = TaskMeta {
            shared: Arc::clone(shared),
            home: Home::Worker(index),
        };
        let alive = PinnedAlive::new(shared, index);
        let future = async move {
            let _alive = alive;
            future.await
        };
        self.register(future, |future| {
            async_task::Builder::new()
                .metadata(meta)
                .spawn_local(|_| future, async_task::WithInfo(worker::schedule_task))
        })
    }

    /// Runs a blocking closure on the blocking pool and returns a handle to
    /// its result. A panic in `f` is reported through the handle.
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let mut f = Some(f);
        let job = std::future::poll_fn(move |_| {
            std::task::Poll::Ready((f.take().expect("blocking job polled twice"))())
        });
        let (runnable, handle) = self.spawn_with(job, Home::Blocking);
        if let Some(runnable) = runnable {
            runnable.schedule();
        }
        handle
    }

    /// Runs `future` to completion on the current thread, sleeping in `park`
    /// between polls. Tasks it spawns run on the workers.
    ///
    /// # Panics
    ///
    /// When called on a worker thread of a runtime (blocking a worker would
    /// stall every task queued behind it).
    pub fn block_on<P: Park, F: Future>(&self, park: &mut P, future: F) -> F::Output {
        assert!(
            !worker::on_worker_thread(),
            "cannot block_on from inside a ringbolt worker: the worker would stop running \
             its other tasks; await the future instead, or use spawn_blocking"
        );
        let _enter = self.enter();
        worker::block_on(park, future)
    }

    /// [`Handle::block_on`] with a plain thread parker, for futures that do
    /// no ringbolt I/O.
    pub fn block_on_thread<F: Future>(&self, future: F) -> F::Output {
        self.block_on(&mut ThreadPark::new(), future)
    }

    /// Number of worker threads.
    pub fn num_workers(&self) -> usize {
        self.shared.stealers.len()
    }

    /// Counters of worker `index` (tasks polled, steals, parks).
    ///
    /// # Panics
    ///
    /// If `index >= num_workers()`.
    pub fn worker_metrics(&self, index: usize) -> WorkerMetricsSnapshot {
        self.shared.metrics[index].snapshot()
    }

    /// The extension attached with [`Builder::extension`], if it is a `T`.
    pub fn extension<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        Arc::clone(self.shared.extension.as_ref()?).downcast().ok()
    }

    /// Tasks spawned and not yet finished or dropped.
    pub fn num_alive_tasks(&self) -> usize {
        self.shared.registry.len()
    }

    /// Threads currently in the blocking pool.
    pub fn num_blocking_threads(&self) -> usize {
        self.shared.blocking.num_threads()
    }
}

/// Returned by [`Handle::enter`]; restores the previous runtime context when
/// dropped.
#[derive(Debug)]
pub struct EnterGuard {
    previous: Option<Arc<Shared>>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        worker::set_entered(self.previous.take());
    }
}

/// Options for an [`Executor`].
#[derive(Clone)]
pub struct Builder {
    extension: Option<Arc<dyn Any + Send + Sync>>,
    workers: usize,
    thread_name: String,
    max_blocking_threads: usize,
    blocking_keep_alive: Duration,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("workers", &self.workers)
            .field("thread_name", &self.thread_name)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("blocking_keep_alive", &self.blocking_keep_alive)
            .finish_non_exhaustive()
    }
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            extension: None,
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            thread_name: "ringbolt-worker".into(),
            max_blocking_threads: 512,
            blocking_keep_alive: Duration::from_secs(10),
        }
    }
}

impl Builder {
    /// Defaults: one worker per core, 512 blocking threads kept 10 s idle.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Number of worker threads (at least 1).
    pub fn worker_threads(&mut self, n: usize) -> &mut Self {
        self.workers = n;
        self
    }

    /// Name given to worker threads (blocking threads get `NAME-blocking`).
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.thread_name = name.into();
        self
    }

    /// Attaches data that every [`Handle`] of the executor can reach with
    /// [`Handle::extension`] (the runtime keeps its per-worker ring metrics
    /// there).
    pub fn extension(&mut self, data: Arc<dyn Any + Send + Sync>) -> &mut Self {
        self.extension = Some(data);
        self
    }

    /// Upper bound of the blocking pool.
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Self {
        self.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking thread waits for a job before it exits.
    pub fn blocking_keep_alive(&mut self, d: Duration) -> &mut Self {
        self.blocking_keep_alive = d;
        self
    }

    /// Starts the workers. `start` runs on each new worker thread: it builds
    /// that thread's [`Park`] (where the runtime creates the thread's ring)
    /// and calls [`WorkerStart::run`] with it. An error from any worker's
    /// `start` stops the others and is returned.
    pub fn build<S>(&self, start: S) -> io::Result<Executor>
    where
        S: Fn(WorkerStart) -> io::Result<()> + Send + Sync + 'static,
    {
        let n = self.workers;
        if n == 0 || n > MAX_WORKERS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("worker_threads must be between 1 and {MAX_WORKERS}, got {n}"),
            ));
        }
        let locals: Vec<_> = (0..n)
            .map(|_| crossbeam_deque::Worker::new_fifo())
            .collect();
        let shared = Arc::new(Shared {
            injector: Injector::new(),
            inboxes: (0..n).map(|_| crossbeam_queue::SegQueue::new()).collect(),
            pinned_alive: (0..n).map(|_| AtomicUsize::new(0)).collect(),
            stealers: locals.iter().map(|w| w.stealer()).collect(),
            unparkers: (0..n).map(|_| OnceLock::new()).collect(),
            idle: Idle::new(n),
            shutdown: AtomicBool::new(false),
            registry: Arc::new(Registry::new(n)),
            blocking: BlockingPool::new(
                self.max_blocking_threads,
                self.blocking_keep_alive,
                format!("{}-blocking", self.thread_name),
            ),
            metrics: (0..n)
                .map(|_| crossbeam_utils::CachePadded::new(WorkerMetrics::default()))
                .collect(),
            shutdown_sync: ShutdownSync::default(),
            running: std::sync::atomic::AtomicUsize::new(0),
            extension: self.extension.clone(),
            retired: crossbeam_queue::SegQueue::new(),
            retired_closed: AtomicBool::new(false),
        });
        let start = Arc::new(start);
        let (ready_tx, ready_rx) = mpsc::channel::<io::Result<()>>();
        let mut threads = Vec::with_capacity(n);
        let mut executor = Executor {
            handle: Handle::from_shared(Arc::clone(&shared)),
            threads: Vec::new(),
        };
        for (index, local) in locals.into_iter().enumerate() {
            let ws = WorkerStart::new(index, Arc::clone(&shared), local, ready_tx.clone());
            let start = Arc::clone(&start);
            let ready = ready_tx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("{}-{index}", self.thread_name))
                .spawn(move || {
                    if let Err(e) = start(ws) {
                        let _ = ready.send(Err(e));
                    }
                });
            match spawned {
                Ok(t) => threads.push(t),
                Err(e) => {
                    executor.threads = threads;
                    return Err(e);
                }
            }
        }
        drop(ready_tx);
        executor.threads = threads;
        for _ in 0..n {
            match ready_rx.recv() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(e), // `executor` drops: the others shut down
                Err(_) => {
                    return Err(io::Error::other(
                        "a ringbolt worker thread exited during start-up",
                    ))
                }
            }
        }
        Ok(executor)
    }
}

/// A running set of worker threads. Dropping it shuts the runtime down:
/// every task is dropped (each destructor runs once), every worker's parker
/// is shut down, and the worker threads are joined.
#[derive(Debug)]
pub struct Executor {
    handle: Handle,
    threads: Vec<ThreadHandle<()>>,
}

impl Executor {
    /// A builder.
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// An executor of `workers` threads parking on [`ThreadPark`]s (no I/O).
    pub fn with_thread_parks(workers: usize) -> io::Result<Executor> {
        Builder::new()
            .worker_threads(workers)
            .build(|ws| ws.run(ThreadPark::new()))
    }

    /// The handle of this executor.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Shuts down now (see the type's docs). Called by `Drop`.
    pub fn shutdown(&mut self) {
        let shared = Arc::clone(&self.handle.shared);
        let threads = std::mem::take(&mut self.threads);
        if shared.shutdown.swap(true, Ordering::AcqRel) {
            return;
        }
        let shutdown = move || {
            shared.unpark_all();
            let running = shared.running.load(Ordering::Acquire);
            shared.shutdown_sync.wait_for_workers(running);
            // Every worker has stopped polling and dropped its local tasks;
            // their rings are still alive. Drop everything else now.
            loop {
                match shared.injector.steal() {
                    crossbeam_deque::Steal::Success(r) => drop(r),
                    crossbeam_deque::Steal::Retry => continue,
                    crossbeam_deque::Steal::Empty => break,
                }
            }
            shared.drop_retired();
            for waker in shared.registry.close() {
                waker.wake();
                // Each wake retires the task; dropping it may wake (and so
                // retire) others, which this drains too.
                shared.drop_retired();
            }
            shared.blocking.shutdown();
            shared.wait_for_pinned_runnables();
            shared.drop_retired();
            shared.shutdown_sync.tasks_dropped();
            for t in threads {
                let _ = t.join();
            }
            // Pairs with the load in `retire`: either a late retirer sees
            // the flag and drops its runnable itself, or this drain does.
            shared.retired_closed.store(true, Ordering::SeqCst);
            std::sync::atomic::fence(Ordering::SeqCst);
            shared.drop_retired();
        };
        if worker::on_worker_thread() {
            // Dropped from inside a task: this worker must return to its loop
            // to take part, so finish on another thread.
            std::thread::spawn(shutdown);
        } else {
            shutdown();
        }
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    /// Records whether, and on which thread, it was dropped.
    struct OnDrop {
        dropped: Arc<AtomicBool>,
        thread: Arc<Mutex<Option<String>>>,
        _not_send: std::rc::Rc<()>,
    }

    impl Drop for OnDrop {
        fn drop(&mut self) {
            *self.thread.lock().unwrap() = std::thread::current().name().map(String::from);
            self.dropped.store(true, Ordering::SeqCst);
        }
    }

    /// A thread woke a pinned task just before shutdown: async-task marked
    /// it scheduled, but the runnable reaches the worker's inbox only while
    /// the runtime is shutting down (a runnable held here stands for that
    /// wake, caught between the state change and the push). The task must
    /// still be dropped on its worker, and the runtime's shared state
    /// freed; such a runnable used to land in an inbox nobody drained,
    /// keeping the task and the `Shared` alive for ever.
    #[test]
    fn a_pinned_runnable_pushed_during_shutdown_is_dropped_on_its_worker() {
        let ex = Executor::with_thread_parks(1).unwrap();
        let handle = ex.handle().clone();
        let weak = Arc::downgrade(handle.shared());
        let dropped = Arc::new(AtomicBool::new(false));
        let thread = Arc::new(Mutex::new(None));
        let (d, t) = (Arc::clone(&dropped), Arc::clone(&thread));
        let task = handle.spawn(async move {
            let guard = OnDrop {
                dropped: d,
                thread: t,
                _not_send: std::rc::Rc::new(()),
            };
            let (runnable, join) = Handle::current().spawn_local_unscheduled(async move {
                let _guard = guard;
                std::future::pending::<()>().await
            });
            drop(join);
            runnable.expect("the runtime is running")
        });
        let runnable = handle.block_on_thread(task).unwrap();
        drop(handle);
        let pusher = std::thread::spawn(move || {
            // Well into the shutdown below (which waits for it).
            std::thread::sleep(Duration::from_millis(50));
            runnable.schedule();
        });
        drop(ex);
        pusher.join().unwrap();
        assert!(
            dropped.load(Ordering::SeqCst),
            "the pinned task was never dropped"
        );
        assert_eq!(
            thread.lock().unwrap().as_deref(),
            Some("ringbolt-worker-0"),
            "dropped off its worker"
        );
        assert!(
            weak.upgrade().is_none(),
            "the runtime's shared state leaked"
        );
    }
}
