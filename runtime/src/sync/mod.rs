//! Synchronization for tasks: channels, locks, and wake-up primitives.
//!
//! Every type here is runtime-agnostic and safe to use from any worker: a
//! task that waits registers a [`Waker`](std::task::Waker) and yields its
//! worker, so waiting never blocks a ring. Most of them are the well-kept
//! smol-rs crates under tokio's names:
//!
//! | tokio                          | here                                       | built on |
//! | ------------------------------ | ------------------------------------------ | -------- |
//! | `mpsc::channel(n)`, `unbounded_channel()` | [`mpsc`]                        | `async-channel` |
//! | `oneshot::channel()`           | [`oneshot`]                                | `futures-channel` |
//! | `broadcast::channel(n)`        | [`broadcast`]                              | `async-broadcast` |
//! | `watch::channel(v)`            | [`watch`]                                  | `event-listener` |
//! | `Mutex`, `RwLock`, `Barrier`   | [`Mutex`], [`RwLock`], [`Barrier`] (re-exported) | `async-lock` |
//! | `Semaphore` (closable, owned permits) | [`Semaphore`]                       | `async-lock` |
//! | `Notify`                       | [`Notify`]                                 | `event-listener` |
//!
//! Names that differ from tokio's, because the locks are `async-lock`'s own
//! types: [`Mutex::lock_arc`] is tokio's `lock_owned` (it takes
//! `&Arc<Mutex<T>>`), [`Mutex::try_lock`] returns an `Option` rather than a
//! `Result`, and likewise [`RwLock::read_arc`] / [`RwLock::write_arc`].
//!
//! ```
//! use std::sync::Arc;
//! use ringbolt::sync::{mpsc, Mutex};
//!
//! ringbolt::run(async {
//!     let counter = Arc::new(Mutex::new(0));
//!     let (tx, mut rx) = mpsc::channel(8);
//!     for _ in 0..4 {
//!         let (tx, counter) = (tx.clone(), Arc::clone(&counter));
//!         ringbolt::spawn(async move {
//!             *counter.lock().await += 1;
//!             tx.send(()).await.unwrap();
//!         });
//!     }
//!     drop(tx);
//!     while rx.recv().await.is_some() {}
//!     assert_eq!(*counter.lock().await, 4);
//! })
//! .unwrap();
//! ```

pub mod broadcast;
pub mod mpsc;
mod notify;
pub mod oneshot;
mod semaphore;
pub mod watch;

pub use async_lock::{
    Barrier, BarrierWaitResult, Mutex, MutexGuard, MutexGuardArc, RwLock, RwLockReadGuard,
    RwLockReadGuardArc, RwLockUpgradableReadGuard, RwLockWriteGuard, RwLockWriteGuardArc,
};
pub use notify::{Notified, Notify};
pub use semaphore::{
    AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError,
};
