//! The runtimes under test, behind one small trait.
//!
//! Workloads are written once, generically over [`BenchRuntime`], and
//! monomorphized for each runtime, so the only thing that differs between the
//! `ringbolt` and `tokio` columns is the runtime itself (channels, counters
//! and the workload code are shared and runtime-agnostic).
//!
//! Workload families that need more than spawning (timers, files, sockets)
//! add an extension trait in their own file, e.g.
//! `pub trait TimerRuntime: BenchRuntime { fn sleep(d: Duration) -> impl Future<Output = ()> + Send; }`,
//! implemented there for [`Tokio`] and [`Ringbolt`].

use std::fmt;
use std::future::Future;
use std::io;

/// A multi-threaded async runtime that the benches can drive.
///
/// Implemented by [`Tokio`] and [`Ringbolt`]. The associated functions
/// without `self` ([`spawn`](Self::spawn), [`yield_now`](Self::yield_now))
/// must be called from inside a task of this runtime, like `tokio::spawn`.
pub trait BenchRuntime: Send + Sync + Sized + 'static {
    /// The column name in reports: `"ringbolt"` or `"tokio"`.
    const NAME: &'static str;

    /// The error a join handle resolves to when its task panicked or was
    /// cancelled.
    type JoinError: fmt::Debug + Send + 'static;

    /// The runtime's join handle; dropping it detaches the task.
    type JoinHandle<T: Send + 'static>: Future<Output = Result<T, Self::JoinError>> + Send + 'static;

    /// Builds a multi-threaded runtime with `workers` worker threads.
    fn build(workers: usize) -> io::Result<Self>;

    /// Runs `fut` to completion on the calling thread, like
    /// `Runtime::block_on`.
    fn block_on<F: Future>(&self, fut: F) -> F::Output;

    /// Spawns a task from outside the runtime (`Runtime::spawn`).
    fn spawn_remote<F>(&self, fut: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Spawns a task from inside the runtime (the free `spawn` function).
    fn spawn<F>(fut: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Yields to the scheduler once (`task::yield_now`).
    fn yield_now() -> impl Future<Output = ()> + Send;
}

/// tokio's multi-threaded runtime, with every driver enabled (`enable_all`),
/// the closest match to ringbolt's ring per worker.
pub struct Tokio(tokio::runtime::Runtime);

impl Tokio {
    /// The wrapped runtime.
    pub fn inner(&self) -> &tokio::runtime::Runtime {
        &self.0
    }
}

impl BenchRuntime for Tokio {
    const NAME: &'static str = "tokio";
    type JoinError = tokio::task::JoinError;
    type JoinHandle<T: Send + 'static> = tokio::task::JoinHandle<T>;

    fn build(workers: usize) -> io::Result<Self> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
            .map(Tokio)
    }

    fn block_on<F: Future>(&self, fut: F) -> F::Output {
        self.0.block_on(fut)
    }

    fn spawn_remote<F>(&self, fut: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.0.spawn(fut)
    }

    fn spawn<F>(fut: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::spawn(fut)
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }
}

mod ringbolt_impl {
    use super::BenchRuntime;
    use std::future::Future;
    use std::io;

    /// ringbolt's runtime: `worker_threads` workers, each with its own ring.
    pub struct Ringbolt(ringbolt::Runtime);

    impl Ringbolt {
        /// The wrapped runtime.
        pub fn inner(&self) -> &ringbolt::Runtime {
            &self.0
        }
    }

    impl BenchRuntime for Ringbolt {
        const NAME: &'static str = "ringbolt";
        type JoinError = ringbolt::task::JoinError;
        type JoinHandle<T: Send + 'static> = ringbolt::task::JoinHandle<T>;

        fn build(workers: usize) -> io::Result<Self> {
            ringbolt::runtime::Builder::new()
                .worker_threads(workers)
                .build()
                .map(Ringbolt)
        }

        fn block_on<F: Future>(&self, fut: F) -> F::Output {
            self.0.block_on(fut)
        }

        fn spawn_remote<F>(&self, fut: F) -> Self::JoinHandle<F::Output>
        where
            F: Future + Send + 'static,
            F::Output: Send + 'static,
        {
            self.0.spawn(fut)
        }

        fn spawn<F>(fut: F) -> Self::JoinHandle<F::Output>
        where
            F: Future + Send + 'static,
            F::Output: Send + 'static,
        {
            ringbolt::spawn(fut)
        }

        fn yield_now() -> impl Future<Output = ()> + Send {
            ringbolt::task::yield_now()
        }
    }
}

pub use ringbolt_impl::Ringbolt;

/// Which runtime a column of the report belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuntimeKind {
    /// ringbolt, the runtime under test.
    Ringbolt,
    /// tokio, the baseline.
    Tokio,
}

impl RuntimeKind {
    /// Both runtimes, ringbolt first.
    pub const ALL: [RuntimeKind; 2] = [RuntimeKind::Ringbolt, RuntimeKind::Tokio];

    /// The column name.
    pub fn name(self) -> &'static str {
        match self {
            RuntimeKind::Ringbolt => Ringbolt::NAME,
            RuntimeKind::Tokio => Tokio::NAME,
        }
    }

    /// Builds this runtime with `workers` worker threads.
    pub fn build(self, workers: usize) -> io::Result<AnyRuntime> {
        Ok(match self {
            RuntimeKind::Ringbolt => AnyRuntime::Ringbolt(Ringbolt::build(workers)?),
            RuntimeKind::Tokio => AnyRuntime::Tokio(Tokio::build(workers)?),
        })
    }
}

impl fmt::Display for RuntimeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A built runtime of either kind, for the object-safe workload registry.
///
/// Dispatch to generic workload code with [`with_runtime!`](crate::with_runtime).
pub enum AnyRuntime {
    /// A ringbolt runtime.
    Ringbolt(Ringbolt),
    /// A tokio runtime.
    Tokio(Tokio),
}

impl AnyRuntime {
    /// Which runtime this is.
    pub fn kind(&self) -> RuntimeKind {
        match self {
            AnyRuntime::Ringbolt(_) => RuntimeKind::Ringbolt,
            AnyRuntime::Tokio(_) => RuntimeKind::Tokio,
        }
    }
}

/// Runs a generic expression on whichever runtime an [`AnyRuntime`] holds.
///
/// ```
/// use ringbolt_benches::runtimes::{AnyRuntime, BenchRuntime, RuntimeKind};
/// use ringbolt_benches::with_runtime;
///
/// fn answer<R: BenchRuntime>(rt: &R) -> u32 {
///     rt.block_on(async { 42 })
/// }
///
/// let rt: AnyRuntime = RuntimeKind::Tokio.build(1).unwrap();
/// assert_eq!(with_runtime!(&rt, |r| answer(r)), 42);
/// ```
#[macro_export]
macro_rules! with_runtime {
    ($rt:expr, |$r:ident| $body:expr) => {
        match $rt {
            $crate::runtimes::AnyRuntime::Ringbolt($r) => $body,
            $crate::runtimes::AnyRuntime::Tokio($r) => $body,
        }
    };
}
