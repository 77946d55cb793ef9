//! A multi-consumer channel where every receiver sees every value, with
//! tokio's names and semantics, built on `async-broadcast`.
//!
//! The channel keeps the last `capacity` values. [`Sender::send`] never
//! waits: when the channel is full the oldest value is dropped, and a
//! receiver that had not read it gets [`RecvError::Lagged`] with the number
//! it missed, then continues from the oldest value still kept. A send with no
//! receiver fails and hands the value back, but [`Sender::subscribe`] works
//! at any time while a sender lives.
//!
//! ```
//! use ringbolt::sync::broadcast;
//!
//! ringbolt::run(async {
//!     let (tx, mut rx1) = broadcast::channel(16);
//!     let mut rx2 = tx.subscribe();
//!     tx.send("hi").unwrap();
//!     assert_eq!(rx1.recv().await, Ok("hi"));
//!     assert_eq!(rx2.recv().await, Ok("hi"));
//!     drop(tx);
//!     assert_eq!(rx1.recv().await, Err(broadcast::RecvError::Closed));
//! })
//! .unwrap();
//! ```

use std::fmt;

pub use async_broadcast::SendError;

/// A broadcast channel keeping the last `capacity` values.
///
/// # Panics
///
/// If `capacity` is zero.
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(capacity > 0, "broadcast channel requires capacity > 0");
    let (mut tx, mut rx) = async_broadcast::broadcast(capacity);
    tx.set_overflow(true);
    rx.set_overflow(true);
    let keep_open = rx.clone().deactivate();
    (
        Sender {
            inner: tx,
            keep_open,
        },
        Receiver { inner: rx },
    )
}

/// Why [`Receiver::recv`] gave no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecvError {
    /// Every sender is gone and every value was read.
    Closed,
    /// This receiver fell behind and this many values were dropped before it
    /// read them; the next `recv` gives the oldest value still kept.
    Lagged(u64),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Closed => f.write_str("broadcast channel closed"),
            RecvError::Lagged(n) => write!(f, "broadcast receiver lagged by {n} values"),
        }
    }
}

impl std::error::Error for RecvError {}

/// Why [`Receiver::try_recv`] gave no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// No value now.
    Empty,
    /// Every sender is gone and every value was read.
    Closed,
    /// See [`RecvError::Lagged`].
    Lagged(u64),
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("broadcast channel empty"),
            TryRecvError::Closed => f.write_str("broadcast channel closed"),
            TryRecvError::Lagged(n) => write!(f, "broadcast receiver lagged by {n} values"),
        }
    }
}

impl std::error::Error for TryRecvError {}

/// Sends values to every receiver. Clone it for more producers.
pub struct Sender<T> {
    inner: async_broadcast::Sender<T>,
    /// Keeps the channel open while no receiver exists, so that
    /// [`Sender::subscribe`] always works (async-broadcast closes a channel
    /// whose last receiver drops).
    keep_open: async_broadcast::InactiveReceiver<T>,
}

impl<T: Clone> Sender<T> {
    /// Sends `value` to every current receiver without waiting, returning
    /// how many there are. With no receiver, the value comes back.
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        match self.inner.try_broadcast(value) {
            Ok(_dropped_oldest) => Ok(self.inner.receiver_count()),
            Err(e) => Err(SendError(e.into_inner())),
        }
    }

    /// A new receiver that sees values sent from now on.
    pub fn subscribe(&self) -> Receiver<T> {
        Receiver {
            inner: self.keep_open.activate_cloned(),
        }
    }

    /// Number of receivers.
    pub fn receiver_count(&self) -> usize {
        self.inner.receiver_count()
    }

    /// Number of values kept and not yet read by every receiver.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether no value is kept.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            inner: self.inner.clone(),
            keep_open: self.keep_open.clone(),
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("receivers", &self.inner.receiver_count())
            .finish()
    }
}

/// Receives every value sent after it was created.
pub struct Receiver<T> {
    inner: async_broadcast::Receiver<T>,
}

impl<T: Clone> Receiver<T> {
    /// The next value; see [`RecvError`] for lagging and closing.
    pub async fn recv(&mut self) -> Result<T, RecvError> {
        self.inner.recv_direct().await.map_err(|e| match e {
            async_broadcast::RecvError::Overflowed(n) => RecvError::Lagged(n),
            async_broadcast::RecvError::Closed => RecvError::Closed,
        })
    }

    /// The next value if there is one now.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.inner.try_recv().map_err(|e| match e {
            async_broadcast::TryRecvError::Overflowed(n) => TryRecvError::Lagged(n),
            async_broadcast::TryRecvError::Closed => TryRecvError::Closed,
            async_broadcast::TryRecvError::Empty => TryRecvError::Empty,
        })
    }

    /// A new receiver at this one's position.
    pub fn resubscribe(&self) -> Receiver<T> {
        Receiver {
            inner: self.inner.clone(),
        }
    }

    /// Number of values kept in the channel (not all of them may be unread
    /// by this receiver).
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the channel keeps no value.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}
