//! Synchronisation primitives used by the lock-free protocols (the completion
//! cell, the atomic waker, the parker), swapped for loom's under `cfg(loom)` so
//! that `RUSTFLAGS="--cfg loom" cargo test --release -p ringbolt-reactor --lib loom`
//! model-checks the very code the reactor runs.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{fence, AtomicU32, AtomicU8, AtomicUsize};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{fence, AtomicU32, AtomicU8, AtomicUsize};

#[cfg(loom)]
use loom::sync::{Mutex as RawMutex, MutexGuard};
#[cfg(not(loom))]
use std::sync::{Mutex as RawMutex, MutexGuard};

/// A mutex whose `lock` ignores poisoning: the protected data (a queue of
/// CQE results) stays consistent even if a holder panicked.
#[derive(Debug)]
pub(crate) struct Mutex<T>(RawMutex<T>);

impl<T> Mutex<T> {
    pub(crate) fn new(value: T) -> Self {
        Self(RawMutex::new(value))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(loom)]
pub(crate) use loom::thread::yield_now;
#[cfg(not(loom))]
pub(crate) use std::thread::yield_now;

#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;

/// `std::cell::UnsafeCell` with loom's closure-based access API, so loom can
/// track every access to the protected data.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(std::cell::UnsafeCell::new(value))
    }

    /// Gives `f` a pointer to the contents; the caller's protocol says why no
    /// other access overlaps.
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}
