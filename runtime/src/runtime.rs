//! [`Runtime`], its [`Builder`] and [`Handle`]: the parts tokio users know.

use std::future::Future;
use std::io;
use std::sync::{Arc, OnceLock};

use ringbolt_executor as executor;
use ringbolt_reactor::{MetricsSnapshot, ReactorMetrics, RingConfig, RingHandle};

use crate::driver::{new_reactor, Choice};
pub use crate::driver::{Driver, DRIVER_ENV};
use crate::park::RingPark;
use crate::task::JoinHandle;

/// What the runtime attaches to its executor: each worker's ring.
#[derive(Debug)]
pub(crate) struct RuntimeShared {
    rings: Box<[OnceLock<WorkerRing>]>,
    ring_config: RingConfig,
    /// The driver every reactor of this runtime runs.
    driver: Driver,
    /// Why it is not io_uring, when the runtime fell back.
    fallback: Option<String>,
}

/// A worker's ring as the other threads see it.
#[derive(Debug)]
struct WorkerRing {
    metrics: Arc<ReactorMetrics>,
    /// For delivering its completions while the worker is stuck.
    handle: RingHandle,
}

impl RuntimeShared {
    /// Delivers the completions the kernel posted to worker `index`'s ring
    /// on this thread; see [`ringbolt_executor::Park::help`].
    pub(crate) fn help(&self, index: usize) -> usize {
        match self.rings.get(index).and_then(OnceLock::get) {
            Some(ring) if ring.handle.has_ops_in_flight() => ring.handle.help(),
            _ => 0,
        }
    }
}

/// Builds a [`Runtime`] with custom settings.
///
/// ```
/// let rt = ringbolt::runtime::Builder::new().worker_threads(2).build().unwrap();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    executor: executor::Builder,
    workers: usize,
    ring: RingConfig,
    /// `None`: io_uring, falling back to epoll (or what the environment
    /// says).
    driver: Option<Driver>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            executor: executor::Builder::new(),
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            ring: RingConfig::default(),
            driver: None,
        }
    }
}

impl Builder {
    /// A multi-threaded runtime with one worker per core.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Same as [`Builder::new`], under tokio's name.
    pub fn new_multi_thread() -> Builder {
        Builder::default()
    }

    /// Number of worker threads, each with its own ring (default: cores).
    pub fn worker_threads(&mut self, n: usize) -> &mut Self {
        self.workers = n;
        self
    }

    /// Name of the worker threads.
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.executor.thread_name(name);
        self
    }

    /// Upper bound of the blocking pool (default 512).
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Self {
        self.executor.max_blocking_threads(n);
        self
    }

    /// Submission-queue entries of each ring (default 256). The completion
    /// queue gets [`Builder::cq_entries`].
    pub fn sq_entries(&mut self, n: u32) -> &mut Self {
        self.ring.sq_entries = n;
        self
    }

    /// Completion-queue entries of each ring (default 4 × the SQ).
    pub fn cq_entries(&mut self, n: u32) -> &mut Self {
        self.ring.cq_entries = n;
        self
    }

    /// Cap on the kernel's own io-wq workers per ring (default 4).
    pub fn io_wq_max_workers(&mut self, n: u32) -> &mut Self {
        self.ring.iowq_max_workers = n;
        self
    }

    /// Runs exactly `driver`, with no fallback: [`Driver::IoUring`] is the
    /// strict mode (building fails, with the message that names the cause,
    /// where io_uring is denied), [`Driver::Epoll`] the readiness driver.
    /// Without it the runtime runs io_uring where it can and the readiness
    /// driver where the host denies io_uring, and the [`DRIVER_ENV`]
    /// environment variable (`io_uring`, `epoll`, `auto`) may force either.
    ///
    /// ```
    /// use ringbolt::runtime::{Builder, Driver};
    /// let rt = Builder::new().worker_threads(1).driver(Driver::Epoll).build().unwrap();
    /// assert_eq!(rt.handle().driver(), Driver::Epoll);
    /// ```
    pub fn driver(&mut self, driver: Driver) -> &mut Self {
        self.driver = Some(driver);
        self
    }

    /// Does nothing: timers and I/O are always on. Kept so that code written
    /// for tokio's builder compiles unchanged.
    pub fn enable_all(&mut self) -> &mut Self {
        self
    }

    /// Starts the workers, each creating its ring (or poller) on its own
    /// thread.
    ///
    /// Where io_uring cannot be used (the ring's error names the cause:
    /// `kernel.io_uring_disabled`, a seccomp filter, an old kernel, a
    /// memlock limit), the runtime starts on the readiness driver, unless
    /// io_uring was forced ([`driver`](Self::driver) or [`DRIVER_ENV`]):
    /// then it fails with that error. Fails with `InvalidInput` for zero
    /// workers or a bad [`DRIVER_ENV`] value.
    pub fn build(&self) -> io::Result<Runtime> {
        match Choice::resolve(self.driver)? {
            Choice::Only(driver) => self.build_on(driver, None),
            Choice::Auto => match self.build_on(Driver::IoUring, None) {
                Err(e) if ringbolt_reactor::io_uring_unavailable(&e) => {
                    self.build_on(Driver::Epoll, Some(e.to_string()))
                }
                built => built,
            },
        }
    }

    fn build_on(&self, driver: Driver, fallback: Option<String>) -> io::Result<Runtime> {
        let shared = Arc::new(RuntimeShared {
            rings: (0..self.workers).map(|_| OnceLock::new()).collect(),
            ring_config: self.ring.clone(),
            driver,
            fallback,
        });
        let start_shared = Arc::clone(&shared);
        let executor = self
            .executor
            .clone()
            .worker_threads(self.workers)
            .extension(shared)
            .build(move |ws| {
                let reactor = new_reactor(start_shared.driver, &start_shared.ring_config)?;
                let _ = start_shared.rings[ws.index()].set(WorkerRing {
                    metrics: reactor.metrics(),
                    handle: reactor.ring_handle(),
                });
                let _enter = reactor.enter();
                ws.run(RingPark::worker(&reactor, Arc::clone(&start_shared)))
            })?;
        let handle = Handle {
            inner: executor.handle().clone(),
        };
        Ok(Runtime { executor, handle })
    }
}

/// A ringbolt runtime: worker threads, each with its own io_uring ring, that
/// run spawned tasks and steal from each other.
///
/// Dropping it cancels every task (each future is dropped once), cancels
/// every in-flight I/O operation and waits for the kernel to finish with its
/// buffers, then joins the workers.
///
/// ```
/// let rt = ringbolt::Runtime::new().unwrap();
/// let answer = rt.block_on(async {
///     let task = ringbolt::spawn(async { 6 * 7 });
///     task.await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
#[derive(Debug)]
pub struct Runtime {
    // Dropped first: shuts the workers down.
    executor: executor::Executor,
    handle: Handle,
}

impl Runtime {
    /// A runtime with one worker per core.
    pub fn new() -> io::Result<Runtime> {
        Builder::new().build()
    }

    /// Runs `future` on the current thread until it completes. The thread
    /// gets an io_uring ring of its own for the duration, so I/O awaited
    /// directly here works; tasks it spawns run on the workers.
    ///
    /// # Panics
    ///
    /// When called from inside a task of a runtime, or when this thread's
    /// ring cannot be created.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// Spawns a task on the workers.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs `f` on the blocking pool.
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// The runtime's handle.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Makes this runtime current on this thread until the guard drops.
    pub fn enter(&self) -> executor::EnterGuard {
        self.executor.handle().enter()
    }

    /// Shuts the runtime down as dropping it does, but waits at most
    /// `timeout` for it; returns whether the shutdown finished in time.
    ///
    /// Shutdown cancels every task and waits for each worker to leave the
    /// poll it is in and for each ring's cancelled operations to complete.
    /// A task that never yields (a blocking call or a long computation in
    /// one poll) holds its worker until the poll returns; past `timeout`
    /// this returns `false` and the rest of the shutdown goes on in the
    /// background, on a thread of its own.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = ringbolt::Runtime::new().unwrap();
    /// rt.spawn(ringbolt::time::sleep(Duration::from_secs(3600)));
    /// assert!(rt.shutdown_timeout(Duration::from_secs(10)));
    /// ```
    pub fn shutdown_timeout(self, timeout: std::time::Duration) -> bool {
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let Runtime {
            mut executor,
            handle,
        } = self;
        drop(handle);
        let spawned = std::thread::Builder::new()
            .name("ringbolt-shutdown".into())
            .spawn(move || {
                executor.shutdown();
                let _ = done_tx.send(());
            });
        match spawned {
            Ok(_) => done_rx.recv_timeout(timeout).is_ok(),
            // No thread to spare: the runtime was moved into the failed
            // closure and dropped there, which shut it down on this thread.
            Err(_) => true,
        }
    }

    /// Shuts the runtime down without waiting (tokio's name): the same as
    /// [`shutdown_timeout`](Self::shutdown_timeout) with a zero timeout.
    pub fn shutdown_background(self) {
        self.shutdown_timeout(std::time::Duration::ZERO);
    }
}

/// A cloneable reference to a [`Runtime`], usable from any thread.
#[derive(Debug, Clone)]
pub struct Handle {
    inner: executor::Handle,
}

impl Handle {
    /// The runtime of the current thread.
    ///
    /// # Panics
    ///
    /// Outside a ringbolt runtime.
    pub fn current() -> Handle {
        Handle {
            inner: executor::Handle::current(),
        }
    }

    /// The runtime of the current thread, if any.
    pub fn try_current() -> Option<Handle> {
        executor::Handle::try_current().map(|inner| Handle { inner })
    }

    /// Spawns a task on the workers.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.spawn(future)
    }

    /// Runs `f` on the blocking pool.
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner.spawn_blocking(f)
    }

    /// See [`Runtime::block_on`].
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let (driver, config) = self
            .inner
            .extension::<RuntimeShared>()
            .map(|s| (s.driver, s.ring_config.clone()))
            .unwrap_or((Driver::IoUring, RingConfig::default()));
        let reactor = new_reactor(driver, &config).unwrap_or_else(|e| {
            panic!("block_on could not create this thread's {driver} reactor: {e}")
        });
        let _enter = reactor.enter();
        self.inner.block_on(&mut RingPark::new(&reactor), future)
    }

    /// Makes this runtime current on this thread until the guard drops.
    pub fn enter(&self) -> executor::EnterGuard {
        self.inner.enter()
    }

    /// Which I/O driver this runtime runs (see [`Builder::driver`]).
    ///
    /// ```
    /// let rt = ringbolt::Runtime::new().unwrap();
    /// match rt.handle().driver() {
    ///     ringbolt::runtime::Driver::IoUring => println!("one io_uring ring per worker"),
    ///     ringbolt::runtime::Driver::Epoll => println!(
    ///         "readiness driver: {}",
    ///         rt.handle().fallback_reason().unwrap_or_else(|| "forced".into())
    ///     ),
    /// }
    /// ```
    pub fn driver(&self) -> Driver {
        self.inner
            .extension::<RuntimeShared>()
            .map_or(Driver::IoUring, |s| s.driver)
    }

    /// Why the runtime runs the readiness driver although io_uring was not
    /// refused by its builder: the io_uring error that made it fall back
    /// (naming the cause, as [`Builder::build`] would have reported it).
    /// `None` on io_uring, and when the readiness driver was forced.
    pub fn fallback_reason(&self) -> Option<String> {
        self.inner
            .extension::<RuntimeShared>()
            .and_then(|s| s.fallback.clone())
    }

    /// Counters of every worker: the scheduler's and its ring's.
    pub fn metrics(&self) -> RuntimeMetrics {
        let rings = self.inner.extension::<RuntimeShared>();
        let workers = (0..self.inner.num_workers())
            .map(|i| WorkerMetrics {
                scheduler: self.inner.worker_metrics(i),
                ring: rings
                    .as_ref()
                    .and_then(|r| r.rings[i].get())
                    .map(|r| r.metrics.snapshot())
                    .unwrap_or_default(),
            })
            .collect();
        RuntimeMetrics {
            driver: self.driver(),
            workers,
            alive_tasks: self.inner.num_alive_tasks(),
            blocking_threads: self.inner.num_blocking_threads(),
        }
    }
}

/// A snapshot of the runtime's counters.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RuntimeMetrics {
    /// The I/O driver the workers run.
    pub driver: Driver,
    /// One entry per worker.
    pub workers: Vec<WorkerMetrics>,
    /// Tasks spawned and not yet finished.
    pub alive_tasks: usize,
    /// Threads in the blocking pool.
    pub blocking_threads: usize,
}

/// One worker's counters.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct WorkerMetrics {
    /// Tasks polled, steals, parks.
    pub scheduler: executor::WorkerMetricsSnapshot,
    /// SQEs submitted, CQEs reaped, enters, SQ-full and CQ-overflow events,
    /// ops in flight, pending timers.
    pub ring: MetricsSnapshot,
}
