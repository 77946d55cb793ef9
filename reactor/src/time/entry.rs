//! The part of a sleep both its future and its home wheel see.
//!
//! States:
//! - `WAITING`: in the wheel; the future may register wakers.
//! - `FIRED`: the wheel removed it and the deadline has passed.
//! - `CANCELLED`: the future was dropped or reset on another thread; the
//!   wheel removes it when the mailbox message arrives (or when it expires).
//! - `SHUT_DOWN`: the home reactor shut down and dropped it; the future
//!   registers again wherever it is polled next.

use crate::atomic_waker::AtomicWaker;
use crate::sync::AtomicU8;
use std::sync::atomic::Ordering::{AcqRel, Acquire};

const WAITING: u8 = 0;
const FIRED: u8 = 1;
const CANCELLED: u8 = 2;
const SHUT_DOWN: u8 = 3;

/// What a sleep future sees when it looks at its entry.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TimerState {
    /// Not yet due.
    Waiting,
    /// The deadline has passed.
    Fired,
    /// The home wheel is gone; register again.
    ShutDown,
}

/// See the module documentation.
pub(crate) struct TimerShared {
    state: AtomicU8,
    waker: AtomicWaker,
}

impl TimerShared {
    pub(crate) fn new() -> Self {
        Self {
            state: AtomicU8::new(WAITING),
            waker: AtomicWaker::new(),
        }
    }

    /// Wheel: the deadline passed.
    pub(crate) fn fire(&self) {
        // AcqRel pairs with the future's Acquire load in `state`.
        if self
            .state
            .compare_exchange(WAITING, FIRED, AcqRel, Acquire)
            .is_ok()
        {
            self.waker.wake();
        }
    }

    /// Wheel: the reactor shut down with this sleep pending.
    pub(crate) fn shut_down(&self) {
        if self
            .state
            .compare_exchange(WAITING, SHUT_DOWN, AcqRel, Acquire)
            .is_ok()
        {
            self.waker.wake();
        }
    }

    /// Future: gives up the entry. `true` if the wheel still holds it.
    #[must_use]
    pub(crate) fn cancel(&self) -> bool {
        self.state
            .compare_exchange(WAITING, CANCELLED, AcqRel, Acquire)
            .is_ok()
    }

    /// Future: the current state, registering `waker` while waiting.
    pub(crate) fn poll_state(&self, waker: &std::task::Waker) -> TimerState {
        let read = || match self.state.load(Acquire) {
            WAITING => TimerState::Waiting,
            FIRED => TimerState::Fired,
            SHUT_DOWN => TimerState::ShutDown,
            other => unreachable!("sleep polled after cancel (state {other})"),
        };
        match read() {
            TimerState::Waiting => {
                self.waker.register(waker);
                read()
            }
            done => done,
        }
    }

    /// Wheel: whether the future already gave the entry up.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.state.load(Acquire) == CANCELLED
    }
}
