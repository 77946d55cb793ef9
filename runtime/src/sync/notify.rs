//! [`Notify`]: wakes tasks, with tokio's semantics, on `event-listener`.
//!
//! Protocol:
//! 1. `notify_one` stores one permit (`permit = true`; permits do not add
//!    up), then wakes one listener. A waiter takes the permit with a swap,
//!    so each permit completes exactly one `notified()`.
//! 2. `notify_waiters` bumps `generation` and wakes every listener. A
//!    [`Notified`] remembers the generation it was created in and completes
//!    once it changes: every `Notified` created before the call completes,
//!    polled or not, and no permit is stored.
//! 3. A waiter registers its listener before it checks the permit and the
//!    generation again, so a notify between its first check and its wait
//!    still wakes it. A listener woken for a permit that another waiter took
//!    first simply listens again; one dropped after being woken passes its
//!    wake-up on (event-listener's rule), and the permit stays stored.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};

use event_listener::{Event, EventListener};

/// Wakes one waiting task (or the next one to wait), or every waiting task.
///
/// ```
/// use std::sync::Arc;
/// use ringbolt::sync::Notify;
///
/// ringbolt::run(async {
///     let notify = Arc::new(Notify::new());
///     let n = Arc::clone(&notify);
///     let waiter = ringbolt::spawn(async move { n.notified().await });
///     notify.notify_one(); // stored as a permit if the waiter is not there yet
///     waiter.await.unwrap();
/// })
/// .unwrap();
/// ```
#[derive(Debug, Default)]
pub struct Notify {
    permit: AtomicBool,
    generation: AtomicU64,
    event: Event,
}

impl Notify {
    /// A `Notify` with no permit stored.
    pub fn new() -> Notify {
        Notify::default()
    }

    /// Wakes one task waiting in [`notified`](Notify::notified); with none
    /// waiting, the next call to `notified().await` completes at once.
    pub fn notify_one(&self) {
        self.permit.store(true, Ordering::SeqCst);
        self.event.notify(1);
    }

    /// Wakes every [`Notified`] that exists now; stores no permit.
    pub fn notify_waiters(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.event.notify(usize::MAX);
    }

    /// Waits for a notification.
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            generation: self.generation.load(Ordering::SeqCst),
            listener: None,
        }
    }
}

/// The future of [`Notify::notified`].
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Notified<'a> {
    notify: &'a Notify,
    generation: u64,
    listener: Option<EventListener>,
}

impl Notified<'_> {
    fn try_complete(&self) -> bool {
        self.notify.generation.load(Ordering::SeqCst) != self.generation
            || self.notify.permit.swap(false, Ordering::SeqCst)
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if self.try_complete() {
                self.listener = None;
                return Poll::Ready(());
            }
            match self.listener.as_mut() {
                None => self.listener = Some(self.notify.event.listen()),
                Some(listener) => match Pin::new(listener).poll(cx) {
                    Poll::Ready(()) => self.listener = None,
                    Poll::Pending => return Poll::Pending,
                },
            }
        }
    }
}
