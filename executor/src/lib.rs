//! ringbolt's work-stealing task scheduler.
//!
//! N worker threads each own a FIFO run queue and a LIFO slot; a shared
//! injector takes spawns and wakes from outside; an idle worker steals half
//! of a random victim's queue. Sleeping goes through the [`Park`] trait,
//! which the `ringbolt` runtime implements with each worker's io_uring ring,
//! so this crate has no I/O dependency and its protocols can be checked with
//! loom.
//!
//! Tasks are [`async_task`] cells. A panic in a task is caught and handed to
//! its [`JoinHandle`]; the worker lives on.
//!
//! ```
//! use ringbolt_executor::Executor;
//!
//! let executor = Executor::with_thread_parks(2).unwrap();
//! let handle = executor.handle();
//! let sum = handle.block_on_thread(async {
//!     let tasks: Vec<_> = (0..10u64).map(|i| handle.spawn(async move { i * i })).collect();
//!     let mut sum = 0;
//!     for t in tasks {
//!         sum += t.await.unwrap();
//!     }
//!     sum
//! });
//! assert_eq!(sum, 285);
//! ```

mod blocking;
pub mod clock;
mod idle;
mod metrics;
mod park;
mod registry;
mod scheduler;
mod sync;
mod task;
mod watch;
mod worker;

pub use metrics::WorkerMetricsSnapshot;
pub use park::{Park, ThreadPark, ThreadUnpark, Unpark};
pub use registry::TaskEnd;
pub use scheduler::{Builder, EnterGuard, Executor, Handle};
pub use task::{yield_now, JoinError, JoinHandle};
pub use worker::{current_worker_index, WorkerStart};

/// Spawns a task on the current runtime.
///
/// # Panics
///
/// Outside a ringbolt runtime (see [`Handle::current`]).
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    Handle::current().spawn(future)
}

/// Runs `f` on the current runtime's blocking pool.
///
/// # Panics
///
/// Outside a ringbolt runtime (see [`Handle::current`]).
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    Handle::current().spawn_blocking(f)
}

/// Spawns a `!Send` task pinned to the current worker (never stolen).
///
/// # Panics
///
/// Off a ringbolt worker thread (see [`Handle::spawn_local`]).
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: std::future::Future + 'static,
    F::Output: Send + 'static,
{
    Handle::current().spawn_local(future)
}
