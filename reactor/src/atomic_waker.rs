//! A waker slot that one consumer registers into and any thread wakes
//! (the algorithm of `futures::task::AtomicWaker`, on the [`crate::sync`] shim
//! so loom checks it).
//!
//! `state` holds two bits:
//! - `REGISTERING`: the consumer is writing the slot; nobody else may touch it.
//! - `WAKING`: a waker is taking the slot; the consumer must not write it.
//!
//! `WAITING` (no bit) means the slot is at rest and whoever sets a bit first
//! owns it. A `wake` that finds `REGISTERING` leaves `WAKING` behind; the
//! registering consumer sees it when it clears `REGISTERING` and wakes the
//! waker it just stored, so no wake is lost.

use crate::sync::{AtomicUsize, UnsafeCell};
use std::sync::atomic::Ordering::{AcqRel, Acquire, Release};
use std::task::Waker;

/// No one touches the slot.
const WAITING: usize = 0;
/// The consumer is storing a waker.
const REGISTERING: usize = 0b01;
/// A producer is taking the waker out.
const WAKING: usize = 0b10;

/// See the module documentation.
pub(crate) struct AtomicWaker {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the `waker` slot is only read or written by the thread that moved
// `state` from `WAITING` to a single owned bit (REGISTERING or WAKING), so two
// threads never access it at once; `Waker` itself is Send + Sync.
unsafe impl Send for AtomicWaker {}
// SAFETY: as for `Send`: every access to the slot is serialised by `state`.
unsafe impl Sync for AtomicWaker {}

impl AtomicWaker {
    /// An empty slot.
    pub(crate) fn new() -> Self {
        Self {
            state: AtomicUsize::new(WAITING),
            waker: UnsafeCell::new(None),
        }
    }

    /// A slot already holding `waker`, for a consumer that knows its waker
    /// before the slot is shared (no atomic operation: nobody else can see
    /// the slot yet).
    pub(crate) fn with_waker(waker: Waker) -> Self {
        Self {
            state: AtomicUsize::new(WAITING),
            waker: UnsafeCell::new(Some(waker)),
        }
    }

    /// Stores `waker` to be woken by the next [`wake`](Self::wake). Only one
    /// thread at a time may register (the future's owner does).
    pub(crate) fn register(&self, waker: &Waker) {
        // Acquire pairs with the Release in `take` that returned the slot to
        // WAITING, so we see the slot as the taker left it.
        match self
            .state
            .compare_exchange(WAITING, REGISTERING, Acquire, Acquire)
        {
            Ok(_) => {
                // SAFETY: we moved the state WAITING -> REGISTERING, which gives
                // us exclusive access to the slot until we clear the bit.
                self.waker.with_mut(|slot| unsafe {
                    match &mut *slot {
                        Some(old) if old.will_wake(waker) => {}
                        other => *other = Some(waker.clone()),
                    }
                });
                // AcqRel: Release publishes the stored waker to the next taker;
                // Acquire on failure sees a concurrent `take`'s WAKING bit.
                if let Err(actual) =
                    self.state
                        .compare_exchange(REGISTERING, WAITING, AcqRel, Acquire)
                {
                    assert_eq!(actual, REGISTERING | WAKING, "AtomicWaker: bad state");
                    // A wake arrived while we registered; it could not take the
                    // slot, so we take it and wake on its behalf.
                    // SAFETY: REGISTERING is still set, so the slot is ours.
                    let waker = self.waker.with_mut(|slot| unsafe { (*slot).take() });
                    self.state.swap(WAITING, AcqRel);
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                }
            }
            // A wake is in progress: wake the new waker ourselves.
            Err(WAKING) => waker.wake_by_ref(),
            // REGISTERING by someone else cannot happen with one consumer;
            // REGISTERING|WAKING likewise. Nothing to do.
            Err(_) => {}
        }
    }

    /// Wakes the registered waker, if any.
    pub(crate) fn wake(&self) {
        if let Some(waker) = self.take() {
            waker.wake();
        }
    }

    /// Wakes the registered waker for the last time, with one atomic
    /// operation instead of two: the slot is left `WAKING` (unless a
    /// registration was in progress, which then wakes its own waker and
    /// resets the slot as usual). A later [`register`](Self::register) finds
    /// `WAKING` and wakes the waker it was given at once, which is only a
    /// spurious wake-up; use this only when no further wake can matter (the
    /// op's final CQE).
    pub(crate) fn wake_final(&self) {
        // AcqRel: Acquire sees the waker a registration published (its
        // Release); Release lets a registration that finds WAKING see what
        // the caller wrote before waking (the cell's COMPLETED state), so the
        // woken poll that follows finds it.
        if self.state.fetch_or(WAKING, AcqRel) == WAITING {
            // SAFETY: we moved WAITING -> WAKING and never clear it, so the
            // slot is ours from now on: a registration that starts later sees
            // WAKING and leaves the slot alone.
            if let Some(waker) = self.waker.with_mut(|slot| unsafe { (*slot).take() }) {
                waker.wake();
            }
        }
    }

    /// Takes the registered waker out of the slot.
    pub(crate) fn take(&self) -> Option<Waker> {
        // AcqRel: Acquire sees the waker a registration published; Release
        // (through the later fetch_and) hands the slot back.
        match self.state.fetch_or(WAKING, AcqRel) {
            WAITING => {
                // SAFETY: we moved WAITING -> WAKING, so the slot is ours.
                let waker = self.waker.with_mut(|slot| unsafe { (*slot).take() });
                self.state.fetch_and(!WAKING, Release);
                waker
            }
            // A registration (or another wake) owns the slot; the registering
            // side sees our WAKING bit and wakes.
            _ => None,
        }
    }
}
