//! Multi-producer channels, bounded ([`channel`]) and unbounded
//! ([`unbounded_channel`]), with tokio's names, built on `async-channel`.
//!
//! The channel closes when every sender or the receiver is dropped (or
//! [`Receiver::close`] is called). A send on a closed channel hands the value
//! back in its [`SendError`]; [`Receiver::recv`] drains what was sent, then
//! returns `None`.
//!
//! ```
//! ringbolt::run(async {
//!     let (tx, mut rx) = ringbolt::sync::mpsc::channel(1);
//!     ringbolt::spawn(async move {
//!         for i in 0..3 {
//!             tx.send(i).await.unwrap();
//!         }
//!     });
//!     let mut got = vec![];
//!     while let Some(i) = rx.recv().await {
//!         got.push(i);
//!     }
//!     assert_eq!(got, [0, 1, 2]);
//! })
//! .unwrap();
//! ```

use std::fmt;

pub use async_channel::{SendError, TryRecvError, TrySendError};

/// A bounded channel holding at most `capacity` values: [`Sender::send`]
/// waits while it is full.
///
/// # Panics
///
/// If `capacity` is zero (as tokio does; a rendezvous channel is not offered).
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(capacity > 0, "mpsc bounded channel requires capacity > 0");
    let (tx, rx) = async_channel::bounded(capacity);
    (Sender { inner: tx }, Receiver { inner: rx })
}

/// An unbounded channel: [`UnboundedSender::send`] never waits.
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, Receiver<T>) {
    let (tx, rx) = async_channel::unbounded();
    (UnboundedSender { inner: tx }, Receiver { inner: rx })
}

/// The sending half of a bounded channel. Clone it for more producers.
pub struct Sender<T> {
    inner: async_channel::Sender<T>,
}

impl<T> Sender<T> {
    /// Sends `value`, waiting for room. On a closed channel the value comes
    /// back in the error.
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.inner.send(value).await
    }

    /// Sends `value` if there is room now.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.inner.try_send(value)
    }

    /// Whether the receiver is gone or closed the channel.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Room left in the channel now.
    pub fn capacity(&self) -> usize {
        self.max_capacity() - self.inner.len()
    }

    /// The capacity given to [`channel`].
    pub fn max_capacity(&self) -> usize {
        self.inner.capacity().unwrap_or(usize::MAX)
    }

    /// Whether both senders belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        self.inner.same_channel(&other.inner)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            inner: self.inner.clone(),
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// The sending half of an unbounded channel. Clone it for more producers.
pub struct UnboundedSender<T> {
    inner: async_channel::Sender<T>,
}

impl<T> UnboundedSender<T> {
    /// Sends `value` without waiting. On a closed channel the value comes
    /// back in the error.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.inner.try_send(value).map_err(|e| match e {
            TrySendError::Closed(v) | TrySendError::Full(v) => SendError(v),
        })
    }

    /// Whether the receiver is gone or closed the channel.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Whether both senders belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        self.inner.same_channel(&other.inner)
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        UnboundedSender {
            inner: self.inner.clone(),
        }
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

pin_project_lite::pin_project! {
    /// The receiving half of a channel. It is also a
    /// [`Stream`](futures_util::Stream) of the values.
    pub struct Receiver<T> {
        #[pin]
        inner: async_channel::Receiver<T>,
    }
}

impl<T> Receiver<T> {
    /// The next value, or `None` once the channel is closed and drained.
    pub async fn recv(&mut self) -> Option<T> {
        self.inner.recv().await.ok()
    }

    /// The next value if one is queued now.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.inner.try_recv()
    }

    /// Closes the channel: later sends fail, queued values can still be
    /// received.
    pub fn close(&mut self) {
        self.inner.close();
    }

    /// Number of queued values.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether no value is queued.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Whether the channel is closed (values may still be queued).
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }
}

impl<T> futures_util::Stream for Receiver<T> {
    type Item = T;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<T>> {
        self.project().inner.poll_next(cx)
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("len", &self.len())
            .field("closed", &self.is_closed())
            .finish()
    }
}
