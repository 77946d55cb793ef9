//! Task handles: [`JoinHandle`], [`JoinError`], and the wrapper that catches
//! a task's panic so the worker survives it.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use crate::registry::{AddCallback, Callback, Registry, Slot, TaskEnd};

/// What a task's future ends with: its output, or the payload of its panic.
pub(crate) type Outcome<T> = Result<T, Box<dyn Any + Send + 'static>>;

/// A task's place in its runtime's registry.
pub(crate) type Registration = Option<(Arc<Registry>, Slot)>;

/// Wraps a spawned future: catches a panic in `poll` and turns it into an
/// outcome, and when it is dropped (completed, cancelled, or dropped at
/// shutdown) drops the user's future first, then leaves the runtime's task
/// registry and runs the task's done-callbacks on the dropping thread. So
/// once the registry records a task's end, the task's destructors have run
/// (what [`JoinHandle::is_finished`] reports).
pub(crate) struct TaskFuture<F> {
    /// Dropped by hand in `Drop`, before the registry hears of the end.
    future: ManuallyDrop<F>,
    registry: Registration,
    end: TaskEnd,
}

impl<F> TaskFuture<F> {
    pub(crate) fn new(future: F, registry: Registration) -> Self {
        TaskFuture {
            future: ManuallyDrop::new(future),
            registry,
            end: TaskEnd::Cancelled,
        }
    }
}

fn run_callbacks(callbacks: Vec<Callback>, end: TaskEnd) {
    for callback in callbacks {
        // A panicking callback must not stop the others, nor the worker.
        let _ = catch_unwind(AssertUnwindSafe(|| callback(end)));
    }
}

impl<F: Future> Future for TaskFuture<F> {
    type Output = Outcome<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if ringbolt_coop::chaos::one_in(16) {
            // Tests with `chaos`: a yield before the task's own code runs.
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        // `future` is structurally pinned: it is never moved out of `self`,
        // and `TaskFuture`'s `Drop` does not move it either (it only touches
        // `registry` and `end`, which are not pinned).
        // SAFETY: nothing is moved out of `self`; `end` is a `Copy` field
        // written in place through this `&mut`.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above: `this.future` stays where it is (inside its
        // `ManuallyDrop`, which is dropped in place).
        let future = unsafe { Pin::new_unchecked(&mut *this.future) };
        match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => {
                this.end = TaskEnd::Completed;
                Poll::Ready(Ok(v))
            }
            Err(payload) => {
                this.end = TaskEnd::Panicked;
                Poll::Ready(Err(payload))
            }
        }
    }
}

/// Records a task's end in the registry when dropped: after the user's
/// future is gone, even if its destructor panicked.
struct RecordEnd(Registration, TaskEnd);

impl Drop for RecordEnd {
    fn drop(&mut self) {
        if let Some((registry, slot)) = self.0.take() {
            run_callbacks(registry.task_ended(slot, self.1), self.1);
        }
    }
}

impl<F> Drop for TaskFuture<F> {
    fn drop(&mut self) {
        let _record = RecordEnd(self.registry.take(), self.end);
        // The future is pinned; dropping it in place is what pinning
        // allows. This is the only place it is dropped, and it is not used
        // after.
        // SAFETY: `future` is dropped exactly once, here, and never touched
        // again (`self` is being dropped).
        unsafe { ManuallyDrop::drop(&mut self.future) };
    }
}

/// The task type the executor schedules.
pub(crate) type Runnable = async_task::Runnable<TaskMeta>;

/// What every task carries in its header: its runtime and where it runs.
///
/// The schedule function reads this instead of capturing it. async-task
/// wakes a waker *by value* with one atomic operation (the waker's
/// reference becomes the runnable's) only when the schedule function is
/// zero-sized; a capturing closure costs a reference increment and a
/// decrement more on every wake.
pub(crate) struct TaskMeta {
    /// The runtime the task belongs to.
    pub(crate) shared: std::sync::Arc<crate::scheduler::Shared>,
    /// Which queue it goes to when woken.
    pub(crate) home: Home,
}

impl std::fmt::Debug for TaskMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskMeta")
            .field("home", &self.home)
            .finish()
    }
}

/// Where a woken task is queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Home {
    /// Any worker: the waking worker's queue, or the injector.
    Any,
    /// Only this worker (`spawn_local`): its inbox.
    Worker(usize),
    /// The blocking pool (`spawn_blocking`).
    Blocking,
}

type CancelFuture<T> = Pin<Box<dyn Future<Output = Option<Outcome<T>>> + Send>>;

/// Where a [`JoinHandle`] stands.
enum HandleState<T> {
    /// The task may still be running.
    Running(async_task::FallibleTask<Outcome<T>, TaskMeta>),
    /// `abort` was called and the task asked to stop (its cancel future
    /// polled once): waiting for the task's future to be dropped.
    Cancelling(CancelFuture<T>),
    /// `abort` found the task already over: what it ended with.
    Ended(Option<Outcome<T>>),
    /// The output was taken.
    Done,
}

/// An owned permission to await a spawned task's result.
///
/// Awaiting it gives `Ok(output)`, or a [`JoinError`] if the task panicked or
/// was aborted. Dropping the handle *detaches* the task: it keeps running.
pub struct JoinHandle<T> {
    state: Mutex<HandleState<T>>,
    registry: Registration,
    /// Turns the task into its cancellation future. Made where `T: Send` is
    /// known (every handle comes from a spawn of a `Send` output), so that
    /// `abort` needs no bound and works in generic code such as `Drop`.
    cancel: fn(async_task::FallibleTask<Outcome<T>, TaskMeta>) -> CancelFuture<T>,
}

impl<T: Send + 'static> JoinHandle<T> {
    pub(crate) fn new(
        task: async_task::Task<Outcome<T>, TaskMeta>,
        registry: Registration,
    ) -> Self {
        JoinHandle {
            state: Mutex::new(HandleState::Running(task.fallible())),
            registry,
            cancel: |task| Box::pin(task.cancel()),
        }
    }
}

impl<T> JoinHandle<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HandleState<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `callback` once when the task ends (asyncio's
    /// `add_done_callback`): completed, panicked, or cancelled. It runs on
    /// whichever thread ends the task (the worker that polled it last, or
    /// the thread that dropped it); if the task has already ended, it runs
    /// now, on this thread. A panic in a callback is caught and ignored.
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use ringbolt_executor::TaskEnd;
    /// # let rt = ringbolt_executor::Executor::with_thread_parks(1).unwrap();
    /// let (tx, rx) = mpsc::channel();
    /// let handle = rt.handle().spawn(async { 7 });
    /// handle.add_done_callback(move |end| tx.send(end).unwrap());
    /// assert_eq!(rx.recv().unwrap(), TaskEnd::Completed);
    /// ```
    pub fn add_done_callback(&self, callback: impl FnOnce(TaskEnd) + Send + 'static) {
        let callback: Callback = Box::new(callback);
        let (callback, end) = match &self.registry {
            Some((registry, slot)) => match registry.add_callback(*slot, callback) {
                AddCallback::Stored => return,
                AddCallback::RunNow(callback, end) => (callback, end),
            },
            // Spawned after shutdown: the task never ran.
            None => (callback, TaskEnd::Cancelled),
        };
        run_callbacks(vec![callback], end);
    }

    /// Whether the task has finished: its future returned, panicked, or
    /// was dropped (after [`abort`](Self::abort), or at runtime shutdown),
    /// its destructors included. An aborted task that is still in the
    /// middle of a poll is not finished. Once this is `true`, awaiting the
    /// handle does not wait for the task.
    pub fn is_finished(&self) -> bool {
        if let HandleState::Ended(_) | HandleState::Done = &*self.lock() {
            return true;
        }
        match &self.registry {
            Some((registry, slot)) => registry.has_ended(*slot),
            // Spawned after shutdown: dropped at once, it never ran.
            None => true,
        }
    }

    /// Cancels the task, at once: an idle task is scheduled one last time
    /// so that a worker drops its future; a running one is dropped when its
    /// current poll returns. This holds whether the handle is then awaited,
    /// kept, or dropped. `abort` does not wait: awaiting the handle resolves
    /// once the future has been dropped (its destructors have run), with
    /// [`JoinError::is_cancelled`] — or with the output, if the task had
    /// already finished. Aborting a finished or aborted task does nothing.
    pub fn abort(&self) {
        let mut state = self.lock();
        if let HandleState::Running(_) = &*state {
            let HandleState::Running(task) = std::mem::replace(&mut *state, HandleState::Done)
            else {
                unreachable!("matched Running above");
            };
            // async-task's cancel future marks the task cancelled (and
            // schedules it if idle) on its first poll, not when it is
            // made: poll it now. That poll makes the no-op waker the task's
            // awaiter, but marking the task cancelled first wakes the
            // awaiter the handle had registered, so whoever waits on the
            // handle (a `JoinSet`) polls it again and registers its own.
            let mut cancel = (self.cancel)(task);
            let mut cx = Context::from_waker(std::task::Waker::noop());
            *state = match cancel.as_mut().poll(&mut cx) {
                Poll::Ready(outcome) => HandleState::Ended(outcome),
                Poll::Pending => HandleState::Cancelling(cancel),
            };
        }
    }
}

/// Nothing in a handle is pinned: the task lives in its own allocation,
/// and an output the handle keeps (`Ended`) is only ever moved out.
impl<T> Unpin for JoinHandle<T> {}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if ringbolt_coop::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        let mut state = self.lock();
        let outcome = match &mut *state {
            HandleState::Running(task) => std::task::ready!(Pin::new(task).poll(cx)),
            HandleState::Cancelling(cancel) => std::task::ready!(cancel.as_mut().poll(cx)),
            HandleState::Ended(outcome) => outcome.take(),
            HandleState::Done => panic!("JoinHandle polled after it returned its result"),
        };
        *state = HandleState::Done;
        Poll::Ready(match outcome {
            Some(Ok(v)) => Ok(v),
            Some(Err(payload)) => Err(JoinError::panic(payload)),
            None => Err(JoinError::cancelled()),
        })
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        if let HandleState::Running(task) = std::mem::replace(state, HandleState::Done) {
            task.detach();
        }
        if let Some((registry, slot)) = self.registry.take() {
            registry.handle_dropped(slot);
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

enum Repr {
    Cancelled,
    Panic(Mutex<Box<dyn Any + Send + 'static>>),
}

/// Why a task gave no output: it was cancelled, or it panicked.
pub struct JoinError {
    repr: Repr,
}

impl JoinError {
    pub(crate) fn cancelled() -> JoinError {
        JoinError {
            repr: Repr::Cancelled,
        }
    }

    pub(crate) fn panic(payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            repr: Repr::Panic(Mutex::new(payload)),
        }
    }

    /// The task was aborted, or dropped at runtime shutdown.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// The task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The panic payload. Panics if the task was cancelled instead; see
    /// [`try_into_panic`](JoinError::try_into_panic).
    ///
    /// ```
    /// # let rt = ringbolt_executor::Executor::with_thread_parks(1).unwrap();
    /// let err = rt.handle().block_on_thread(rt.handle().spawn(async { panic!("boom") })).unwrap_err();
    /// let payload = err.into_panic();
    /// assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    /// ```
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("JoinError::into_panic called on a cancelled task")
    }

    /// The panic payload, or the error itself if the task was cancelled.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(p) => Ok(p.into_inner().unwrap_or_else(|e| e.into_inner())),
            Repr::Cancelled => Err(self),
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "task was cancelled"),
            Repr::Panic(p) => {
                let p = p.lock().unwrap_or_else(|e| e.into_inner());
                match panic_message(&**p) {
                    Some(msg) => write!(f, "task panicked with message {msg:?}"),
                    None => write!(f, "task panicked"),
                }
            }
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "JoinError::Cancelled"),
            Repr::Panic(_) => write!(f, "JoinError::Panic({self})"),
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(e: JoinError) -> std::io::Error {
        std::io::Error::other(e.to_string())
    }
}

/// Yields once to the scheduler: the task goes to the back of the run queue
/// and its siblings run first.
///
/// ```
/// # let rt = ringbolt_executor::Executor::with_thread_parks(1).unwrap();
/// # rt.handle().block_on_thread(async {
/// ringbolt_executor::yield_now().await;
/// # });
/// ```
pub async fn yield_now() {
    struct YieldNow(bool);
    impl Future for YieldNow {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                return Poll::Ready(());
            }
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
    YieldNow(false).await
}
