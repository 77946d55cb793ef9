//! [`Semaphore`]: `async-lock`'s fair semaphore plus tokio's `close`.
//!
//! Closing sets `closed` and wakes every task waiting in `acquire`: each
//! waits on both the inner semaphore and a close listener, registered
//! before it checks `closed`, so a close never misses a waiter. A permit won
//! in a race with `close` is released again and the acquire fails.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use event_listener::Event;
use futures_util::future::{select, Either};

/// Counts permits; [`acquire`](Semaphore::acquire) waits for one.
///
/// ```
/// use std::sync::Arc;
/// use ringbolt::sync::Semaphore;
///
/// ringbolt::run(async {
///     let sem = Arc::new(Semaphore::new(2));
///     let p1 = sem.acquire().await.unwrap();
///     let _p2 = Arc::clone(&sem).acquire_owned().await.unwrap();
///     assert!(sem.try_acquire().is_err());
///     drop(p1);
///     assert_eq!(sem.available_permits(), 1);
///     sem.close();
///     assert!(sem.acquire().await.is_err());
/// })
/// .unwrap();
/// ```
pub struct Semaphore {
    inner: Arc<async_lock::Semaphore>,
    closed: AtomicBool,
    on_close: Event,
}

/// The semaphore was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcquireError(());

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl std::error::Error for AcquireError {}

/// Why [`Semaphore::try_acquire`] gave no permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// No permit is free now.
    NoPermits,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}

impl Semaphore {
    /// A semaphore with `permits` permits.
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            inner: Arc::new(async_lock::Semaphore::new(permits)),
            closed: AtomicBool::new(false),
            on_close: Event::new(),
        }
    }

    /// Free permits now.
    pub fn available_permits(&self) -> usize {
        self.inner.available_permits()
    }

    /// Adds `n` permits.
    pub fn add_permits(&self, n: usize) {
        self.inner.add_permits(n);
    }

    /// Closes the semaphore: waiting and later acquires fail with
    /// [`AcquireError`]; permits already held stay valid.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.on_close.notify(usize::MAX);
    }

    /// Whether [`close`](Semaphore::close) was called.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Waits for a permit (first come, first served).
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.acquire_with(self.inner.acquire())
            .await
            .map(|guard| SemaphorePermit { guard })
    }

    /// Waits for a permit that owns a reference to the semaphore, so it can
    /// move into a spawned task.
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        let guard = self.acquire_with(self.inner.acquire_arc()).await?;
        Ok(OwnedSemaphorePermit { guard, _sem: self })
    }

    /// A permit if one is free now.
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        if self.is_closed() {
            return Err(TryAcquireError::Closed);
        }
        self.inner
            .try_acquire()
            .map(|guard| SemaphorePermit { guard })
            .ok_or(TryAcquireError::NoPermits)
    }

    /// An owned permit if one is free now.
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        if self.is_closed() {
            return Err(TryAcquireError::Closed);
        }
        match self.inner.try_acquire_arc() {
            Some(guard) => Ok(OwnedSemaphorePermit { guard, _sem: self }),
            None => Err(TryAcquireError::NoPermits),
        }
    }

    async fn acquire_with<G, F>(&self, acquire: F) -> Result<G, AcquireError>
    where
        F: std::future::Future<Output = G>,
    {
        let closed = AcquireError(());
        if self.is_closed() {
            return Err(closed);
        }
        let on_close = self.on_close.listen();
        if self.is_closed() {
            return Err(closed);
        }
        match select(std::pin::pin!(acquire), on_close).await {
            // A permit won in a race with `close` is released by the drop.
            Either::Left((guard, _)) if !self.is_closed() => Ok(guard),
            _ => Err(closed),
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("permits", &self.available_permits())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// A permit borrowed from a [`Semaphore`]; dropping it returns the permit.
#[derive(Debug)]
#[must_use = "the permit is released at once if not kept"]
pub struct SemaphorePermit<'a> {
    guard: async_lock::SemaphoreGuard<'a>,
}

impl SemaphorePermit<'_> {
    /// Keeps the permit out of the semaphore for good.
    pub fn forget(self) {
        self.guard.forget();
    }
}

/// A permit of an `Arc<Semaphore>`; dropping it returns the permit.
#[derive(Debug)]
#[must_use = "the permit is released at once if not kept"]
pub struct OwnedSemaphorePermit {
    guard: async_lock::SemaphoreGuardArc,
    _sem: Arc<Semaphore>,
}

impl OwnedSemaphorePermit {
    /// Keeps the permit out of the semaphore for good.
    pub fn forget(self) {
        self.guard.forget();
    }
}
