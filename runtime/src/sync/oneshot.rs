//! A channel for one value, with tokio's names, built on `futures-channel`.
//!
//! The [`Receiver`] is a future: it gives the value, or [`RecvError`] when
//! the sender was dropped without sending. [`Sender::send`] hands the value
//! back when the receiver is gone.
//!
//! ```
//! ringbolt::run(async {
//!     let (tx, rx) = ringbolt::sync::oneshot::channel();
//!     ringbolt::spawn(async move { tx.send(7).unwrap() });
//!     assert_eq!(rx.await, Ok(7));
//!
//!     let (tx, rx) = ringbolt::sync::oneshot::channel::<u8>();
//!     drop(tx);
//!     assert!(rx.await.is_err());
//! })
//! .unwrap();
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_channel::oneshot;

/// A new one-value channel.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = oneshot::channel();
    (Sender { inner: tx }, Receiver { inner: rx })
}

/// The sender was dropped without sending a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError(());

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("oneshot sender dropped without sending a value")
    }
}

impl std::error::Error for RecvError {}

/// Why [`Receiver::try_recv`] gave no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// No value yet; the sender is still alive.
    Empty,
    /// The sender was dropped without sending (or the value was taken).
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("oneshot channel is empty"),
            TryRecvError::Closed => f.write_str("oneshot sender dropped without sending a value"),
        }
    }
}

impl std::error::Error for TryRecvError {}

/// Sends the channel's one value.
#[derive(Debug)]
pub struct Sender<T> {
    inner: oneshot::Sender<T>,
}

impl<T> Sender<T> {
    /// Sends `value`; if the receiver is gone, the value comes back as the
    /// error.
    pub fn send(self, value: T) -> Result<(), T> {
        self.inner.send(value)
    }

    /// Whether the receiver is gone (dropped or closed).
    pub fn is_closed(&self) -> bool {
        self.inner.is_canceled()
    }

    /// Waits until the receiver is gone: lets a producer stop work nobody
    /// will read.
    pub async fn closed(&mut self) {
        self.inner.cancellation().await
    }
}

/// Receives the channel's one value; await it.
#[derive(Debug)]
pub struct Receiver<T> {
    inner: oneshot::Receiver<T>,
}

impl<T> Receiver<T> {
    /// The value, if it was sent already.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        match self.inner.try_recv() {
            Ok(Some(v)) => Ok(v),
            Ok(None) => Err(TryRecvError::Empty),
            Err(oneshot::Canceled) => Err(TryRecvError::Closed),
        }
    }

    /// Refuses the value: a later [`Sender::send`] fails. A value sent
    /// before can still be received.
    pub fn close(&mut self) {
        self.inner.close();
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.inner)
            .poll(cx)
            .map(|r| r.map_err(|oneshot::Canceled| RecvError(())))
    }
}
