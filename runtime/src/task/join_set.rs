//! [`JoinSet`]: a set of spawned tasks, joined in completion order.

use std::fmt;
use std::future::Future;

use futures_util::stream::{FuturesUnordered, StreamExt};

use crate::task::{JoinError, JoinHandle};
use crate::Handle;

/// A set of tasks of one output type, awaited in the order they finish
/// (asyncio's `as_completed`, tokio's `JoinSet`). Dropping the set aborts
/// every task still in it.
///
/// ```
/// use std::time::Duration;
/// use ringbolt::task::JoinSet;
///
/// ringbolt::run(async {
///     let mut set = JoinSet::new();
///     for ms in [30u64, 10, 20] {
///         set.spawn(async move {
///             ringbolt::time::sleep(Duration::from_millis(ms)).await;
///             ms
///         });
///     }
///     let mut order = vec![];
///     while let Some(res) = set.join_next().await {
///         order.push(res.unwrap());
///     }
///     assert_eq!(order, [10, 20, 30]);
/// })
/// .unwrap();
/// ```
pub struct JoinSet<T> {
    tasks: FuturesUnordered<JoinHandle<T>>,
}

impl<T> JoinSet<T> {
    /// An empty set.
    pub fn new() -> JoinSet<T> {
        JoinSet {
            tasks: FuturesUnordered::new(),
        }
    }

    /// Number of tasks not yet joined (finished ones count until
    /// [`join_next`](JoinSet::join_next) returns them).
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether no task is left to join.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Aborts every task in the set; they stay in it and
    /// [`join_next`](JoinSet::join_next) returns each as cancelled (or with
    /// its output, if it had finished first).
    pub fn abort_all(&mut self) {
        for task in self.tasks.iter() {
            task.abort();
        }
    }

    /// Adds a task spawned elsewhere.
    pub fn push(&mut self, handle: JoinHandle<T>) {
        self.tasks.push(handle);
    }

    /// The output of the next task to finish, or `None` when the set is
    /// empty.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.tasks.next().await
    }

    /// The output of a task that has already finished, without waiting.
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        futures_util::FutureExt::now_or_never(self.tasks.next()).flatten()
    }

    /// Waits for every task and returns their results in completion order.
    pub async fn join_all(mut self) -> Vec<Result<T, JoinError>> {
        let mut out = Vec::with_capacity(self.len());
        while let Some(res) = self.join_next().await {
            out.push(res);
        }
        out
    }

    /// Aborts every task and waits until all have stopped.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns `future` on the current runtime and adds it to the set.
    ///
    /// # Panics
    ///
    /// Outside a ringbolt runtime.
    pub fn spawn<F>(&mut self, future: F)
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.push(crate::task::spawn(future));
    }

    /// Spawns `future` on `handle`'s runtime and adds it to the set.
    pub fn spawn_on<F>(&mut self, future: F, handle: &Handle)
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.push(handle.spawn(future));
    }

    /// Runs `f` on the blocking pool and adds it to the set (it cannot be
    /// aborted once it started).
    pub fn spawn_blocking<F>(&mut self, f: F)
    where
        F: FnOnce() -> T + Send + 'static,
    {
        self.push(crate::task::spawn_blocking(f));
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        JoinSet::new()
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}
