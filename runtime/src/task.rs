//! Tasks: spawning, joining, yielding, and the blocking pool.
//!
//! A task is a `Send` future that may run on, and move between, any worker.
//! CPU-heavy work may run as ordinary tasks: a worker turns its ring (reaps
//! completions, submits what its tasks queued) at least every 200 µs of
//! running tasks, and before polling a task whose last poll ran long, so a
//! task that computes in slices and calls [`yield_now`] between them
//! delays its worker's I/O by about one slice. A poll that runs long
//! without yielding does not strand anything either: after 500 µs another
//! worker sees its beats stand still, submits what its ring had queued,
//! delivers the completions the kernel posted to it and steals its queued
//! tasks. Prefer [`spawn_blocking`] for work that *blocks* (a system call,
//! a lock held elsewhere) and for computations longer than a few tens of
//! milliseconds, which keep a worker (and with two workers, half the
//! runtime) from everything else.
//!
//! Groups of tasks: [`JoinSet`] (tokio's, asyncio's `as_completed`) and
//! [`TaskGroup`] (asyncio's: the first failure cancels the siblings, every
//! error is returned). Task-local values: [`task_local!`](crate::task_local);
//! named tasks: [`Builder`] and [`current_name`].
//!
//! # No `block_in_place`
//!
//! tokio's `block_in_place` turns the current worker into a blocking thread
//! and hands its run queue to a new worker. ringbolt does not: each worker
//! owns its io_uring ring, and while another worker can deliver a stuck
//! ring's completions and steal its queue, new submissions and timers stay
//! with the ring's owner. Move blocking work to the blocking pool with
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
