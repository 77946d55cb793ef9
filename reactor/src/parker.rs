//! The park/unpark token, shared by a reactor thread and its unparkers.
//!
//! One atomic with three states:
//! - [`EMPTY`]: no token, the owner is awake.
//! - [`PARKED`]: the owner is asleep (or about to sleep) in `io_uring_enter`;
//!   an unparker must send a wake message.
//! - [`NOTIFIED`]: a token is waiting; the owner's next park returns at once.
//!
//! `unpark` swaps in `NOTIFIED` and sends a wake message only if it replaced
//! `PARKED`: the cheapest wake is the one skipped. `park` moves `EMPTY` to
//! `PARKED` (or consumes `NOTIFIED` and returns) and, after it wakes for any
//! reason, swaps back to `EMPTY`, consuming a token that arrived meanwhile.
//! An unpark is never lost: either the owner's CAS sees `NOTIFIED`, or the
//! unparker's swap sees `PARKED` and sends the message that ends the sleep.

use crate::sync::AtomicU8;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed};

/// No token; the owner runs.
pub(crate) const EMPTY: u8 = 0;
/// The owner sleeps (or is about to) and needs a wake message.
pub(crate) const PARKED: u8 = 1;
/// An unpark happened since the last park.
pub(crate) const NOTIFIED: u8 = 2;

/// What [`ParkState::begin_park`] decided.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BeginPark {
    /// The state is now `PARKED`: sleep until a message, a CQE or a timeout.
    Sleep,
    /// A token was waiting and is consumed: do not sleep.
    Notified,
}

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct ParkState {
    state: AtomicU8,
}

impl ParkState {
    /// A state with no token.
    pub(crate) fn new() -> Self {
        Self {
            state: AtomicU8::new(EMPTY),
        }
    }

    /// Owner: about to sleep.
    pub(crate) fn begin_park(&self) -> BeginPark {
        // Acquire on both paths pairs with the AcqRel swap in `unpark`, so what
        // the unparker wrote before unparking (a mailbox message) is visible.
        match self.state.compare_exchange(EMPTY, PARKED, Acquire, Acquire) {
            Ok(_) => BeginPark::Sleep,
            Err(NOTIFIED) => {
                self.state.swap(EMPTY, Acquire);
                BeginPark::Notified
            }
            Err(other) => unreachable!("parker: owner found state {other} before parking"),
        }
    }

    /// Owner: woke up (message, CQE, timeout or spurious); consumes any token.
    pub(crate) fn end_park(&self) {
        self.state.swap(EMPTY, Acquire);
    }

    /// Any thread: whether the owner sleeps (or is about to). A hint only:
    /// it may change right after.
    pub(crate) fn is_parked(&self) -> bool {
        self.state.load(Relaxed) == PARKED
    }

    /// Any thread: leaves a token. Returns `true` when the owner sleeps and a
    /// wake message must be sent.
    #[must_use]
    pub(crate) fn unpark(&self) -> bool {
        // AcqRel: Release publishes the caller's earlier writes to the owner's
        // Acquire in `begin_park`/`end_park`.
        self.state.swap(NOTIFIED, AcqRel) == PARKED
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn token_semantics() {
        let p = ParkState::new();
        assert!(!p.unpark(), "owner awake: no message");
        assert_eq!(p.begin_park(), BeginPark::Notified);
        assert_eq!(p.begin_park(), BeginPark::Sleep);
        assert!(p.unpark(), "owner parked: message needed");
        assert!(!p.unpark(), "second unpark: token already there");
        p.end_park();
        assert_eq!(p.begin_park(), BeginPark::Sleep);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::{Arc, Notify};

    /// No lost unpark: whatever the interleaving, the owner either sees the
    /// token or receives the wake message (otherwise loom reports a deadlock).
    #[test]
    fn loom_parker_no_lost_unpark() {
        loom::model(|| {
            let park = Arc::new(ParkState::new());
            let message = Arc::new(Notify::new());
            let (p2, m2) = (park.clone(), message.clone());
            let unparker = loom::thread::spawn(move || {
                if p2.unpark() {
                    m2.notify();
                }
            });
            match park.begin_park() {
                BeginPark::Notified => {}
                BeginPark::Sleep => {
                    message.wait();
                    park.end_park();
                }
            }
            unparker.join().unwrap();
        });
    }
}
