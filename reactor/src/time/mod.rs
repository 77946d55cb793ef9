//! Timers: [`sleep`], [`sleep_until`] and the [`Sleep`] future.
//!
//! Each reactor owns a hierarchical timer wheel; the nearest deadline becomes
//! the `io_uring_enter` timeout of a park (`EXT_ARG`), so a sleep costs no SQE
//! and no kernel memory. A `Sleep` registers in the wheel of the thread that
//! first polls it (its home). Dropping or resetting it on the home thread
//! removes it from the wheel in O(1); on another thread it flags its entry
//! cancelled and leaves the home ring a mailbox message to remove it — only
//! the owner touches its wheel. The message is not followed by an unpark:
//! the home ring reads its mailbox every turn and a parked home wakes at its
//! nearest deadline anyway.
//!
//! Granularity is one millisecond, rounded up: a sleep never ends early.

mod entry;
mod wheel;

pub(crate) use entry::TimerShared;
use entry::TimerState;
pub(crate) use wheel::{TimerKey, Wheel};

use crate::reactor::{with_current, NO_REACTOR};
use crate::wake::{HomeId, Message};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// A future that completes at (never before) its deadline.
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct Sleep {
    deadline: Instant,
    state: State,
}

#[derive(Debug, Default)]
enum State {
    /// Not in any wheel yet.
    #[default]
    Idle,
    /// In the wheel of the reactor `home`.
    Registered {
        shared: Arc<TimerShared>,
        key: TimerKey,
        home: HomeId,
    },
    /// The deadline has passed.
    Elapsed,
}

impl std::fmt::Debug for TimerShared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TimerShared")
    }
}

/// Sleeps for `duration`.
pub fn sleep(duration: Duration) -> Sleep {
    match Instant::now().checked_add(duration) {
        Some(deadline) => sleep_until(deadline),
        // Beyond what `Instant` represents: as good as forever.
        None => sleep_until(Instant::now() + Duration::from_secs(86400 * 365 * 30)),
    }
}

/// Sleeps until `deadline`.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        state: State::Idle,
    }
}

impl Sleep {
    /// The instant this sleep completes at.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has been seen to pass.
    pub fn is_elapsed(&self) -> bool {
        matches!(self.state, State::Elapsed)
    }

    /// Moves the deadline. The sleep leaves its wheel and registers again on
    /// the next poll, on the polling thread's reactor.
    pub fn reset(&mut self, deadline: Instant) {
        self.deregister();
        self.deadline = deadline;
        self.state = State::Idle;
    }

    fn deregister(&mut self) {
        let State::Registered { shared, key, home } = std::mem::take(&mut self.state) else {
            return;
        };
        if !shared.cancel() {
            return; // Fired or shut down: the wheel no longer holds it.
        }
        let removed = with_current(|inner| {
            inner.home() == home
                && inner
                    .wheel()
                    .try_borrow_mut()
                    .map(|mut w| w.remove(key))
                    .is_ok()
        });
        if removed != Some(true) {
            // No unpark: the entry is only memory until the home looks.
            // A home that is gone released its wheel already.
            if let Some(shared) = home.shared() {
                shared.mailbox.push(Message::RemoveTimer(key));
            }
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        loop {
            match &this.state {
                State::Elapsed => {
                    std::task::ready!(ringbolt_coop::poll_proceed(cx));
                    return Poll::Ready(());
                }
                State::Idle => {
                    if Instant::now() >= this.deadline {
                        this.state = State::Elapsed;
                        continue;
                    }
                    let shared = Arc::new(TimerShared::new());
                    let registered = with_current(|inner| {
                        let key = inner
                            .wheel()
                            .borrow_mut()
                            .insert(this.deadline, shared.clone());
                        key.map(|key| (key, inner.home()))
                    })
                    .unwrap_or_else(|| panic!("{NO_REACTOR}"));
                    this.state = match registered {
                        Some((key, home)) => State::Registered { shared, key, home },
                        None => State::Elapsed,
                    };
                }
                State::Registered { shared, .. } => match shared.poll_state(cx.waker()) {
                    TimerState::Waiting => return Poll::Pending,
                    TimerState::Fired => this.state = State::Elapsed,
                    TimerState::ShutDown => this.state = State::Idle,
                },
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.deregister();
    }
}
