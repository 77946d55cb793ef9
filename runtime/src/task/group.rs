//! [`TaskGroup`]: asyncio's `TaskGroup` — structured concurrency where the
//! first failure cancels the siblings and every error is reported.
//!
//! Protocol:
//! 1. Every task of a group runs inside a wrapper that shares one
//!    [`Cancel`] token with its siblings. Before each poll of the task's
//!    future the wrapper checks the token; a cancelled wrapper drops the
//!    future and ends without output. So a sibling is stopped at its next
//!    poll, whether or not anyone is awaiting [`TaskGroup::join`].
//! 2. A task that returns `Err` or panics trips the token (waking every
//!    sibling's listener) before it ends; a panic is then resumed, so the
//!    runtime reports it as a [`JoinError`] panic as usual.
//! 3. [`TaskGroup::join`] trips the token too when it sees a failure (a
//!    cancellation by runtime shutdown trips nothing by itself), but never
//!    aborts a handle: an abort racing a sibling's last poll would lose that
//!    sibling's output, and with it a failure. Dropping the group, or
//!    [`TaskGroup::cancel`], trips the token and aborts every handle.
//! 4. Tasks stopped by the group are not failures; every `Err`, panic, or
//!    cancellation not caused by the group (runtime shutdown) is, and all of
//!    them are returned together in [`GroupError`].

use std::fmt;
use std::future::Future;
use std::panic::{resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use event_listener::{Event, EventListener};
use futures_util::stream::{FuturesUnordered, StreamExt};
use futures_util::FutureExt;

use crate::task::{JoinError, JoinHandle};

/// The shared cancellation token of a group.
#[derive(Debug, Default)]
struct Cancel {
    tripped: AtomicBool,
    event: Event,
}

impl Cancel {
    fn trip(&self) {
        self.tripped.store(true, Ordering::SeqCst);
        self.event.notify(usize::MAX);
    }

    fn is_tripped(&self) -> bool {
        self.tripped.load(Ordering::SeqCst)
    }
}

pin_project_lite::pin_project! {
    /// Runs a group task until it ends or the token trips (rule 1).
    struct Guarded<F> {
        cancel: Arc<Cancel>,
        listener: Option<EventListener>,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for Guarded<F> {
    /// `None`: stopped by the group.
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        // Listen first, then check: a trip between the two still wakes us.
        let listener = this
            .listener
            .get_or_insert_with(|| this.cancel.event.listen());
        if this.cancel.is_tripped() {
            return Poll::Ready(None);
        }
        if Pin::new(listener).poll(cx).is_ready() {
            // The only notification on this event is a trip.
            return Poll::Ready(None);
        }
        this.future.poll(cx).map(Some)
    }
}

/// One failure of a group task.
pub enum TaskFailure<E> {
    /// The task returned `Err`.
    Error(E),
    /// The task panicked, or was cancelled by something other than the
    /// group (runtime shutdown).
    Join(JoinError),
}

impl<E: fmt::Debug> fmt::Debug for TaskFailure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskFailure::Error(e) => f.debug_tuple("Error").field(e).finish(),
            TaskFailure::Join(e) => f.debug_tuple("Join").field(e).finish(),
        }
    }
}

impl<E: fmt::Display> fmt::Display for TaskFailure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskFailure::Error(e) => e.fmt(f),
            TaskFailure::Join(e) => e.fmt(f),
        }
    }
}

/// Every failure of a group, in the order they were observed (asyncio's
/// `ExceptionGroup`). Never empty.
pub struct GroupError<E> {
    failures: Vec<TaskFailure<E>>,
}

impl<E> GroupError<E> {
    /// All failures.
    pub fn failures(&self) -> &[TaskFailure<E>] {
        &self.failures
    }

    /// All failures, owned.
    pub fn into_failures(self) -> Vec<TaskFailure<E>> {
        self.failures
    }

    /// The errors returned by tasks (panics left out).
    pub fn errors(&self) -> impl Iterator<Item = &E> {
        self.failures.iter().filter_map(|f| match f {
            TaskFailure::Error(e) => Some(e),
            TaskFailure::Join(_) => None,
        })
    }

    /// The panics and foreign cancellations.
    pub fn join_errors(&self) -> impl Iterator<Item = &JoinError> {
        self.failures.iter().filter_map(|f| match f {
            TaskFailure::Join(e) => Some(e),
            TaskFailure::Error(_) => None,
        })
    }
}

impl<E: fmt::Debug> fmt::Debug for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupError")
            .field("failures", &self.failures)
            .finish()
    }
}

impl<E: fmt::Display> fmt::Display for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} task(s) of the group failed", self.failures.len())?;
        for (i, failure) in self.failures.iter().enumerate() {
            write!(f, "{} {failure}", if i == 0 { ":" } else { ";" })?;
        }
        Ok(())
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for GroupError<E> {}

type Slot<T, E> = Option<Result<T, E>>;

/// A set of tasks that finish together: [`join`](TaskGroup::join) returns
/// every output (in spawn order) or every failure. The first task that
/// returns `Err` or panics cancels its siblings at their next poll.
/// Dropping the group cancels every task in it.
///
/// Every task that fails before it is cancelled is reported: tasks that
/// fail in the same round all appear in the [`GroupError`]; a sibling
/// stopped by the cancellation is not a failure.
///
/// ```
/// use ringbolt::task::TaskGroup;
///
/// ringbolt::run(async {
///     let mut group = TaskGroup::new();
///     for i in 0..3u32 {
///         group.spawn(async move { Ok::<_, String>(i * 2) });
///     }
///     assert_eq!(group.join().await.unwrap(), [0, 2, 4]);
///
///     let mut group = TaskGroup::new();
///     group.spawn(async { Err::<(), _>("a failed") });
///     group.spawn(async {
///         loop {
///             ringbolt::task::yield_now().await; // cancelled by the failure
///         }
///     });
///     let err = group.join().await.unwrap_err();
///     assert_eq!(err.errors().collect::<Vec<_>>(), [&"a failed"]);
/// })
/// .unwrap();
/// ```
pub struct TaskGroup<T, E> {
    cancel: Arc<Cancel>,
    tasks: FuturesUnordered<Indexed<Slot<T, E>>>,
    spawned: usize,
}

pin_project_lite::pin_project! {
    /// A handle tagged with its spawn index.
    struct Indexed<T> {
        index: usize,
        #[pin]
        handle: JoinHandle<T>,
    }
}

impl<T> Future for Indexed<T> {
    type Output = (usize, Result<T, JoinError>);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let index = *this.index;
        this.handle.poll(cx).map(|r| (index, r))
    }
}

impl<T, E> TaskGroup<T, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    /// An empty group.
    pub fn new() -> Self {
        TaskGroup {
            cancel: Arc::default(),
            tasks: FuturesUnordered::new(),
            spawned: 0,
        }
    }

    /// Spawns `future` on the current runtime as a member of the group.
    ///
    /// # Panics
    ///
    /// Outside a ringbolt runtime.
    pub fn spawn<F>(&mut self, future: F)
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        let cancel = Arc::clone(&self.cancel);
        let guarded = Guarded {
            cancel: Arc::clone(&cancel),
            listener: None,
            future: AssertUnwindSafe(future).catch_unwind(),
        };
        let handle = crate::task::spawn(async move {
            match guarded.await {
                None => None,
                Some(Ok(Ok(v))) => Some(Ok(v)),
                Some(Ok(Err(e))) => {
                    cancel.trip();
                    Some(Err(e))
                }
                Some(Err(panic)) => {
                    cancel.trip();
                    resume_unwind(panic)
                }
            }
        });
        self.tasks.push(Indexed {
            index: self.spawned,
            handle,
        });
        self.spawned += 1;
    }

    /// Number of tasks not yet joined.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether the group has no task left to join.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Cancels every task of the group; [`join`](TaskGroup::join) then
    /// returns the outputs of those that had finished.
    pub fn cancel(&self) {
        self.cancel.trip();
        for task in self.tasks.iter() {
            task.handle.abort();
        }
    }

    /// Waits for every task. `Ok` holds every output in spawn order; `Err`
    /// holds every failure, after the siblings of the first were cancelled
    /// and have stopped.
    pub async fn join(mut self) -> Result<Vec<T>, GroupError<E>> {
        let mut outputs: Vec<Option<T>> = (0..self.spawned).map(|_| None).collect();
        let mut failures = Vec::new();
        let mut complete = true;
        while let Some((index, result)) = self.tasks.next().await {
            match result {
                Ok(Some(Ok(v))) => outputs[index] = Some(v),
                Ok(Some(Err(e))) => failures.push(TaskFailure::Error(e)),
                Ok(None) => complete = false,
                Err(e) if e.is_cancelled() && self.cancel.is_tripped() => complete = false,
                Err(e) => failures.push(TaskFailure::Join(e)),
            }
            if !failures.is_empty() {
                // Usually tripped already by the failing task. Only the
                // token, not `abort`: aborting a sibling that is finishing
                // its last poll would lose its output, and so its failure.
                self.cancel.trip();
            }
        }
        if !failures.is_empty() {
            return Err(GroupError { failures });
        }
        if !complete {
            // Cancelled through `cancel` with no failure: outputs of the
            // tasks that finished.
            return Ok(outputs.into_iter().flatten().collect());
        }
        Ok(outputs
            .into_iter()
            .map(|o| o.expect("every task of a complete group gave output"))
            .collect())
    }
}

impl<T: Send + 'static, E: Send + 'static> Default for TaskGroup<T, E> {
    fn default() -> Self {
        TaskGroup::new()
    }
}

impl<T, E> Drop for TaskGroup<T, E> {
    fn drop(&mut self) {
        self.cancel.trip();
        for task in self.tasks.iter() {
            task.handle.abort();
        }
    }
}

impl<T, E> fmt::Debug for TaskGroup<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("len", &self.tasks.len())
            .field("cancelled", &self.cancel.is_tripped())
            .finish()
    }
}
