//! Tasks: spawning, joining, yielding, and the blocking pool.
//!
//! A task is a `Send` future that may run on, and move between, any worker.
//! CPU-heavy work may run as ordinary tasks (the other workers steal the
//! rest of the queue), but a single poll that runs for a long time also
//! holds back completions on its worker's ring: use [`spawn_blocking`] for
//! work that blocks or computes for more than a few milliseconds.
//!
//! Groups of tasks: [`JoinSet`] (tokio's, asyncio's `as_completed`) and
//! [`TaskGroup`] (asyncio's: the first failure cancels the siblings, every
//! error is returned). Task-local values: [`task_local!`](crate::task_local);
//! named tasks: [`Builder`] and [`current_name`].
//!
//! # No `block_in_place`
//!
//! tokio's `block_in_place` turns the current worker into a blocking thread
//! and hands its run queue to a new worker. ringbolt cannot do that soundly:
//! each worker owns its io_uring ring, created with `SINGLE_ISSUER`, and
//! the operations of tasks that ran on it complete on that ring only. A
//! worker blocked in user code cannot reap its ring's completions, so those
//! tasks would stall for as long as it blocks; handing the ring to another
//! thread would break `SINGLE_ISSUER` (the kernel rejects submissions from a
//! second thread). Move blocking work to the blocking pool with
//! [`spawn_blocking`] and await its handle instead.

mod builder;
mod group;
mod join_set;
mod local;

pub use builder::{current_name, Builder};
pub use group::{GroupError, TaskFailure, TaskGroup};
pub use join_set::JoinSet;
pub use local::{AccessError, LocalKey, TaskLocalFuture};
pub use ringbolt_executor::{yield_now, JoinError, JoinHandle, TaskEnd};

/// Spawns a task on the current runtime.
///
/// # Panics
///
/// Outside a ringbolt runtime.
///
/// ```
/// let rt = ringbolt::Runtime::new().unwrap();
/// rt.block_on(async {
///     let h = ringbolt::task::spawn(async { "done" });
///     assert_eq!(h.await.unwrap(), "done");
/// });
/// ```
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    ringbolt_executor::spawn(future)
}

/// Runs a blocking closure on the runtime's blocking pool (asyncio's
/// `to_thread`).
///
/// # Panics
///
/// Outside a ringbolt runtime.
///
/// ```
/// let rt = ringbolt::Runtime::new().unwrap();
/// rt.block_on(async {
///     let n = ringbolt::task::spawn_blocking(|| (1..=10u32).product::<u32>()).await.unwrap();
///     assert_eq!(n, 3_628_800);
/// });
/// ```
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    ringbolt_executor::spawn_blocking(f)
}

/// The index of the worker running the current task (`0..workers`), or
/// `None` off the workers (inside `block_on`, on the blocking pool, on a
/// foreign thread). A task may move between workers at every `.await`.
pub fn worker_index() -> Option<usize> {
    ringbolt_executor::current_worker_index()
}

/// Spawns a `!Send` future as a task pinned to the current worker: it runs
/// only there and is never stolen (tokio's `spawn_local`, without the need
/// for a `LocalSet`). Its output must be `Send`, since the handle may be
/// awaited anywhere.
///
/// # Panics
///
/// Off a worker thread (inside `block_on`'s own future, or on a foreign
/// thread): spawn a task first and call it from there.
///
/// ```
/// use std::rc::Rc;
/// let rt = ringbolt::Runtime::new().unwrap();
/// let n = rt.block_on(rt.spawn(async {
///     let shared = Rc::new(5); // not Send
///     ringbolt::task::spawn_local(async move { *shared * 2 }).await.unwrap()
/// }));
/// assert_eq!(n.unwrap(), 10);
/// ```
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: std::future::Future + 'static,
    F::Output: Send + 'static,
{
    ringbolt_executor::spawn_local(future)
}
