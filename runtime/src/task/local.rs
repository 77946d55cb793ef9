//! Task-local values: [`task_local!`](crate::task_local) and [`LocalKey`].
//!
//! A task-local value belongs to a future, not a thread: the
//! [`TaskLocalFuture`] that [`LocalKey::scope`] returns swaps the value into
//! a thread-local slot just before each poll of its future and out again
//! just after (also when the poll panics), so the value follows the task
//! from worker to worker and never leaks into another task polled on the
//! same thread.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Declares task-local keys, like `thread_local!`.
///
/// ```
/// ringbolt::task_local! {
///     static REQUEST_ID: u64;
/// }
///
/// ringbolt::run(async {
///     REQUEST_ID
///         .scope(7, async {
///             ringbolt::task::yield_now().await;
///             assert_eq!(REQUEST_ID.get(), 7);
///         })
///         .await;
///     assert!(REQUEST_ID.try_with(|_| ()).is_err());
/// })
/// .unwrap();
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::task_local!($(#[$attr])* $vis static $name: $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static __RINGBOLT_KEY: ::std::cell::RefCell<::std::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::std::option::Option::None) };
            }
            $crate::task::LocalKey::__new(&__RINGBOLT_KEY)
        };
    };
}

/// A key for a task-local value; declare one with
/// [`task_local!`](crate::task_local).
pub struct LocalKey<T: 'static> {
    slot: &'static std::thread::LocalKey<RefCell<Option<T>>>,
}

/// The task-local value is not set: the code runs outside
/// [`LocalKey::scope`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessError(());

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task-local value not set (outside LocalKey::scope)")
    }
}

impl std::error::Error for AccessError {}

/// Swaps a value in and out of a thread-local slot; swaps back on drop, so
/// a panicking poll still restores the slot.
struct Swap<'a, T: 'static> {
    slot: &'static std::thread::LocalKey<RefCell<Option<T>>>,
    value: &'a mut Option<T>,
}

impl<'a, T: 'static> Swap<'a, T> {
    fn enter(
        slot: &'static std::thread::LocalKey<RefCell<Option<T>>>,
        value: &'a mut Option<T>,
    ) -> Self {
        slot.with(|cell| {
            std::mem::swap(
                &mut *cell
                    .try_borrow_mut()
                    .expect("task-local entered while borrowed by LocalKey::with"),
                value,
            )
        });
        Swap { slot, value }
    }
}

impl<T: 'static> Drop for Swap<'_, T> {
    fn drop(&mut self) {
        let value = &mut *self.value;
        self.slot
            .with(|cell| std::mem::swap(&mut *cell.borrow_mut(), value));
    }
}

impl<T: 'static> LocalKey<T> {
    #[doc(hidden)]
    pub const fn __new(slot: &'static std::thread::LocalKey<RefCell<Option<T>>>) -> Self {
        LocalKey { slot }
    }

    /// Runs `future` with this key set to `value` during every poll.
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            key: self,
            value: Some(value),
            future,
        }
    }

    /// Runs `f` with this key set to `value`.
    pub fn sync_scope<R>(&'static self, value: T, f: impl FnOnce() -> R) -> R {
        let mut value = Some(value);
        let _swap = Swap::enter(self.slot, &mut value);
        f()
    }

    /// Calls `f` with the value.
    ///
    /// # Panics
    ///
    /// Outside [`scope`](LocalKey::scope); see
    /// [`try_with`](LocalKey::try_with).
    pub fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        self.try_with(f)
            .expect("task-local value not set: access it inside LocalKey::scope")
    }

    /// Calls `f` with the value, or errs outside
    /// [`scope`](LocalKey::scope).
    pub fn try_with<R>(&'static self, f: impl FnOnce(&T) -> R) -> Result<R, AccessError> {
        self.slot.with(|cell| match cell.borrow().as_ref() {
            Some(v) => Ok(f(v)),
            None => Err(AccessError(())),
        })
    }
}

impl<T: Clone + 'static> LocalKey<T> {
    /// A clone of the value.
    ///
    /// # Panics
    ///
    /// Outside [`scope`](LocalKey::scope).
    pub fn get(&'static self) -> T {
        self.with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalKey").finish_non_exhaustive()
    }
}

pin_project_lite::pin_project! {
    /// The future of [`LocalKey::scope`].
    pub struct TaskLocalFuture<T: 'static, F> {
        key: &'static LocalKey<T>,
        value: Option<T>,
        #[pin]
        future: F,
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _swap = Swap::enter(this.key.slot, this.value);
        this.future.poll(cx)
    }
}

impl<T: 'static, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture").finish_non_exhaustive()
    }
}
