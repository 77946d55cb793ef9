//! A single-value channel that receivers observe for changes (tokio's
//! `watch`), written on `std::sync::RwLock` and `event-listener`.
//!
//! Protocol:
//! 1. The value sits in an `RwLock`; `version` counts sends. A send writes
//!    the value, then bumps `version` (Release), then notifies every
//!    listener.
//! 2. A receiver remembers the version it last saw. [`Receiver::changed`]
//!    registers a listener *before* reading `version` (Acquire) and
//!    `closed`, so a send that lands between the check and the wait still
//!    wakes it: no lost wake-up.
//! 3. The last sender to drop sets `closed` and notifies, so waiters return
//!    [`error::RecvError`].
//!
//! ```
//! use ringbolt::sync::watch;
//!
//! ringbolt::run(async {
//!     let (tx, mut rx) = watch::channel("idle");
//!     ringbolt::spawn(async move { tx.send("busy").unwrap() });
//!     rx.changed().await.unwrap();
//!     assert_eq!(*rx.borrow_and_update(), "busy");
//! })
//! .unwrap();
//! ```

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};

use event_listener::Event;

/// Errors of the watch channel.
pub mod error {
    use std::fmt;

    /// No receiver is left; the value comes back.
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    impl<T> fmt::Debug for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("SendError(..)")
        }
    }

    impl<T> fmt::Display for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("watch channel has no receiver")
        }
    }

    impl<T> std::error::Error for SendError<T> {}

    /// Every sender is gone.
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("watch channel closed")
        }
    }

    impl std::error::Error for RecvError {}
}

use error::{RecvError, SendError};

struct Shared<T> {
    value: RwLock<T>,
    version: AtomicU64,
    closed: AtomicBool,
    senders: AtomicUsize,
    receivers: AtomicUsize,
    changed: Event,
}

impl<T> Shared<T> {
    fn read(&self) -> RwLockReadGuard<'_, T> {
        self.value.read().unwrap_or_else(|e| e.into_inner())
    }

    fn bump(&self) {
        // Release pairs with the Acquire load in `Receiver::has_changed`:
        // a receiver that sees the new version sees the new value.
        self.version.fetch_add(1, Ordering::Release);
        self.changed.notify(usize::MAX);
    }
}

/// A channel holding `init`.
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        version: AtomicU64::new(0),
        closed: AtomicBool::new(false),
        senders: AtomicUsize::new(1),
        receivers: AtomicUsize::new(1),
        changed: Event::new(),
    });
    (
        Sender {
            shared: Arc::clone(&shared),
        },
        Receiver { shared, seen: 0 },
    )
}

/// A read guard of the current value. Do not hold it across an `.await`:
/// senders wait for it.
pub type Ref<'a, T> = RwLockReadGuard<'a, T>;

/// Writes the value.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    /// Replaces the value and notifies receivers. With no receiver left the
    /// value comes back (and is not stored).
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.receiver_count() == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Replaces the value even with no receiver, returning the old one.
    pub fn send_replace(&self, value: T) -> T {
        let old = {
            let mut guard = self.shared.value.write().unwrap_or_else(|e| e.into_inner());
            std::mem::replace(&mut *guard, value)
        };
        self.shared.bump();
        old
    }

    /// Changes the value in place and notifies receivers.
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        {
            let mut guard = self.shared.value.write().unwrap_or_else(|e| e.into_inner());
            modify(&mut guard);
        }
        self.shared.bump();
    }

    /// The current value.
    pub fn borrow(&self) -> Ref<'_, T> {
        self.shared.read()
    }

    /// A new receiver that has seen the current value.
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.receivers.fetch_add(1, Ordering::Relaxed);
        Receiver {
            shared: Arc::clone(&self.shared),
            seen: self.shared.version.load(Ordering::Acquire),
        }
    }

    /// Number of receivers.
    pub fn receiver_count(&self) -> usize {
        self.shared.receivers.load(Ordering::Relaxed)
    }

    /// Whether every receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.senders.fetch_add(1, Ordering::Relaxed);
        Sender {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.closed.store(true, Ordering::SeqCst);
            self.shared.changed.notify(usize::MAX);
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("value", &*self.borrow())
            .finish()
    }
}

/// Reads the value and waits for changes.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    seen: u64,
}

impl<T> Receiver<T> {
    /// The current value, without marking it seen.
    pub fn borrow(&self) -> Ref<'_, T> {
        self.shared.read()
    }

    /// The current value, marking it seen.
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let guard = self.shared.read();
        // Read under the lock: no send can bump between these two lines.
        self.seen = self.shared.version.load(Ordering::Acquire);
        guard
    }

    /// Whether a value was sent since this receiver last marked one seen;
    /// an error once every sender is gone.
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        if self.shared.version.load(Ordering::Acquire) != self.seen {
            return Ok(true);
        }
        if self.shared.closed.load(Ordering::SeqCst) {
            return Err(RecvError(()));
        }
        Ok(false)
    }

    /// Waits for a value not yet seen and marks it seen (read it with
    /// [`borrow`](Receiver::borrow)). Errs once every sender is gone and no
    /// unseen value is left.
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        loop {
            if self.has_changed()? {
                self.seen = self.shared.version.load(Ordering::Acquire);
                return Ok(());
            }
            let listener = self.shared.changed.listen();
            if self.has_changed()? {
                self.seen = self.shared.version.load(Ordering::Acquire);
                return Ok(());
            }
            listener.await;
        }
    }

    /// Marks the current value seen.
    pub fn mark_unchanged(&mut self) {
        self.seen = self.shared.version.load(Ordering::Acquire);
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.receivers.fetch_add(1, Ordering::Relaxed);
        Receiver {
            shared: Arc::clone(&self.shared),
            seen: self.seen,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.shared.receivers.fetch_sub(1, Ordering::Relaxed);
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("value", &*self.borrow())
            .finish()
    }
}
