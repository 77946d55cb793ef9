//! The completion cell: the heap home of an in-flight op (rules 2, 3, 5).
//!
//! States of [`OpCell::state`]:
//! - [`PENDING`]: the kernel owns the op's resources. The future may only
//!   register its waker; the home ring may only queue multishot CQEs.
//! - [`COMPLETED`]: set by the home ring after it stored the final CQE. From
//!   here the future owns the payload and the result.
//! - [`ABANDONED`]: set by the future's drop while `PENDING`. From here the
//!   home ring owns the payload: on the final CQE it runs the abandon hook
//!   (which closes an fd the op produced) and drops it.
//!
//! Exactly one of the two CASes out of `PENDING` succeeds, so exactly one side
//! owns the payload afterwards and no result is both delivered and reclaimed.
//! The cell's memory itself has two owners (the future and the home ring's
//! op table each hold a [`Pair`](crate::pair::Pair)) and is freed by the
//! last; the payload inside is touched by one side only, as above.

use crate::atomic_waker::AtomicWaker;
use crate::sync::{AtomicU8, Mutex, UnsafeCell};
use std::collections::VecDeque;
use std::sync::atomic::Ordering::{AcqRel, Acquire};
use std::task::Waker;

/// The kernel owns the op.
pub(crate) const PENDING: u8 = 0;
/// The final CQE is stored; the future owns payload and result.
pub(crate) const COMPLETED: u8 = 1;
/// The future is gone; the home ring owns the payload.
pub(crate) const ABANDONED: u8 = 2;

/// `IORING_CQE_F_MORE`: more CQEs follow for this multishot op.
pub(crate) const CQE_F_MORE: u32 = 1 << 1;

/// A completion queue entry as the cell keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cqe {
    /// `res`: a count, an fd, or `-errno`.
    pub(crate) result: i32,
    /// `flags` (`IORING_CQE_F_*`).
    pub(crate) flags: u32,
}

impl Cqe {
    /// `res` as an `io::Result`.
    pub(crate) fn io_result(self) -> std::io::Result<u32> {
        if self.result < 0 {
            Err(std::io::Error::from_raw_os_error(-self.result))
        } else {
            Ok(self.result as u32)
        }
    }
}

/// What a cell holds: how to release it when nobody waits for it any more.
pub(crate) trait Payload: Send + 'static {
    /// Whether CQEs with `IORING_CQE_F_MORE` precede the final one.
    const MULTISHOT: bool;
    /// Nobody will collect the op's final CQE (`None`: the stream already
    /// took it): release what it produced, and the payload.
    fn abandoned_final(self, cqe: Option<Cqe>);
    /// A non-final CQE of an abandoned (or never collected) multishot op.
    fn abandoned_more(&self, cqe: Cqe);
}

/// What the home ring learnt from [`OpCell::deliver`].
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Delivered {
    /// More CQEs will follow: keep the op in the table.
    More,
    /// The final CQE was handed to the waiting future.
    Completed,
    /// The op was abandoned; its payload has been released.
    Reclaimed,
}

/// See the module documentation.
pub(crate) struct OpCell<T> {
    state: AtomicU8,
    waker: AtomicWaker,
    payload: UnsafeCell<Option<T>>,
    result: UnsafeCell<Option<Cqe>>,
    /// Multishot CQEs not yet taken by the future (only the home ring pushes).
    more: Mutex<VecDeque<Cqe>>,
}

// SAFETY: `payload` and `result` are accessed by one thread at a time as the
// state machine above says (the home ring before the CAS out of PENDING, then
// only the side whose CAS won); `more` is behind a mutex; `T: Send` lets the
// payload move to whichever thread owns it.
unsafe impl<T: Send> Sync for OpCell<T> {}
// SAFETY: as for `Sync`; every field is Send when `T` is.
unsafe impl<T: Send> Send for OpCell<T> {}

impl<T: Payload> OpCell<T> {
    /// A pending cell owning `payload`, whose first CQE wakes `waker` (the
    /// submitting future's, stored before the cell is shared, so its first
    /// poll need not register).
    pub(crate) fn new(payload: T, waker: Waker) -> Self {
        Self {
            state: AtomicU8::new(PENDING),
            waker: AtomicWaker::with_waker(waker),
            payload: UnsafeCell::new(Some(payload)),
            result: UnsafeCell::new(None),
            more: Mutex::new(VecDeque::new()),
        }
    }

    /// Submitter, before the SQE is pushed: access to the payload to build it.
    ///
    /// # Safety
    /// Call only on the home thread before the SQE is submitted, while no other
    /// thread can reach the payload (no CQE yet, the future does not look at
    /// it while `PENDING`).
    pub(crate) unsafe fn with_payload<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        self.payload.with_mut(|p| {
            // SAFETY: exclusive access per this function's contract.
            let payload = unsafe { (*p).as_mut() };
            f(payload.expect("cell payload present before submission"))
        })
    }

    /// Home ring: one CQE for this op arrived.
    pub(crate) fn deliver(&self, cqe: Cqe) -> Delivered {
        if T::MULTISHOT && cqe.flags & CQE_F_MORE != 0 {
            if self.state.load(Acquire) == ABANDONED {
                self.payload.with_mut(|p| {
                    // SAFETY: ABANDONED hands the payload to the home ring
                    // (this thread) for good; the future never touches it
                    // again, and only this thread delivers CQEs.
                    if let Some(payload) = unsafe { (*p).as_ref() } {
                        payload.abandoned_more(cqe);
                    }
                });
            } else {
                self.more.lock().push_back(cqe);
                self.waker.wake();
            }
            return Delivered::More;
        }
        // SAFETY: the state is PENDING or ABANDONED (only this function leaves
        // PENDING for COMPLETED, once), so the future does not read `result`.
        self.result.with_mut(|r| unsafe { *r = Some(cqe) });
        ringbolt_coop::chaos::point();
        // AcqRel: Release publishes `result` to the future's Acquire load;
        // Acquire on failure pairs with the abandoning future's release.
        match self
            .state
            .compare_exchange(PENDING, COMPLETED, AcqRel, Acquire)
        {
            Ok(_) => {
                // The final CQE: no wake can follow, so the slot may stay
                // WAKING (a later register only wakes itself).
                self.waker.wake_final();
                Delivered::Completed
            }
            Err(ABANDONED) => {
                // SAFETY: ABANDONED means the future is gone and never touches
                // the payload again; we are the only owner now.
                let payload = self.payload.with_mut(|p| unsafe { (*p).take() });
                let more: Vec<Cqe> = self.more.lock().drain(..).collect();
                if let Some(payload) = payload {
                    for cqe in more {
                        payload.abandoned_more(cqe);
                    }
                    payload.abandoned_final(Some(cqe));
                }
                Delivered::Reclaimed
            }
            Err(other) => unreachable!("completion cell: final CQE twice (state {other})"),
        }
    }

    /// Future: whether the final CQE is in (Acquire: pairs with the Release
    /// in [`deliver`](Self::deliver), so the result is visible once true).
    pub(crate) fn is_completed(&self) -> bool {
        self.state.load(Acquire) == COMPLETED
    }

    /// Future: wakes `waker` on the next delivered CQE. Check again after
    /// registering: a CQE may have arrived just before.
    pub(crate) fn register(&self, waker: &std::task::Waker) {
        self.waker.register(waker);
        // Tests with `chaos`: a CQE may come between this and the re-check.
        ringbolt_coop::chaos::point();
    }

    /// Future (drop): marks a pending op abandoned. `true` means the caller
    /// must ask the home ring to cancel it; `false` means it had completed and
    /// the caller owns what is left.
    #[must_use]
    pub(crate) fn abandon(&self) -> bool {
        // AcqRel: pairs with `deliver`'s CAS, whichever comes first.
        self.state
            .compare_exchange(PENDING, ABANDONED, AcqRel, Acquire)
            .is_ok()
    }

    /// Future: after a failed [`abandon`](Self::abandon), takes what the op
    /// left (payload, final CQE unless a stream took it, uncollected
    /// multishot CQEs) so the caller can release it; `None` when a
    /// single-shot future already took everything.
    #[allow(clippy::type_complexity)]
    pub(crate) fn take_leftovers(&self) -> Option<(T, Option<Cqe>, Vec<Cqe>)> {
        // Acquire pairs with the Release in `deliver`'s CAS.
        if self.state.load(Acquire) != COMPLETED {
            return None;
        }
        // SAFETY: COMPLETED hands payload and result to the future, whose
        // drop is the caller (one poller at a time).
        let payload = self.payload.with_mut(|p| unsafe { (*p).take() })?;
        // SAFETY: as above.
        let cqe = self.result.with_mut(|r| unsafe { (*r).take() });
        let more = self.more.lock().drain(..).collect();
        Some((payload, cqe, more))
    }

    /// Future: takes payload and final result once the op completed
    /// (`None` before, or when already taken).
    pub(crate) fn take_completed(&self) -> Option<(T, Cqe)> {
        // Acquire pairs with the Release in `deliver`'s CAS.
        if self.state.load(Acquire) != COMPLETED {
            return None;
        }
        // SAFETY: COMPLETED hands payload and result to the future, which is
        // the only caller of this function (one poller at a time: `&mut Op`).
        let payload = self.payload.with_mut(|p| unsafe { (*p).take() })?;
        // SAFETY: as above.
        let cqe = self.result.with_mut(|r| unsafe { (*r).take() });
        Some((payload, cqe.expect("completed cell holds its final CQE")))
    }

    /// Future: the next CQE of a multishot op. `None`: nothing yet;
    /// `Some(None)`: the final CQE was already taken.
    pub(crate) fn next_cqe(&self) -> Option<Option<Cqe>> {
        if let Some(cqe) = self.more.lock().pop_front() {
            return Some(Some(cqe));
        }
        // Acquire pairs with `deliver`'s Release; the queue was filled before.
        if self.state.load(Acquire) != COMPLETED {
            return None;
        }
        if let Some(cqe) = self.more.lock().pop_front() {
            return Some(Some(cqe));
        }
        // SAFETY: COMPLETED gives `result` to the (single) polling future.
        Some(self.result.with_mut(|r| unsafe { (*r).take() }))
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::atomic::AtomicUsize;
    use loom::sync::Arc;
    use std::sync::atomic::Ordering::SeqCst;
    use std::task::{Context, Wake, Waker};

    /// What `Op::poll` does with the cell (minus the budget).
    fn poll_complete(cell: &OpCell<Counted>, cx: &mut Context<'_>) -> Option<(Counted, Cqe)> {
        if !cell.is_completed() {
            cell.register(cx.waker());
            if !cell.is_completed() {
                return None;
            }
        }
        cell.take_completed()
    }

    loom::lazy_static! {
        static ref DROPS: AtomicUsize = AtomicUsize::new(0);
        static ref HOOKS: AtomicUsize = AtomicUsize::new(0);
    }

    struct Counted;
    impl Drop for Counted {
        fn drop(&mut self) {
            DROPS.fetch_add(1, SeqCst);
        }
    }
    impl Payload for Counted {
        const MULTISHOT: bool = false;
        fn abandoned_final(self, _cqe: Option<Cqe>) {
            HOOKS.fetch_add(1, SeqCst);
        }
        fn abandoned_more(&self, _cqe: Cqe) {}
    }

    struct Flag(AtomicUsize);
    impl Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    /// The op is submitted with the future's waker already in the cell (as
    /// `Op::poll` does), then the future either waits (`reregister`: after a
    /// spurious poll that registers again) and must be woken or see the
    /// result, or is dropped, and then exactly one side releases the payload,
    /// the hook running only when the home ring did.
    #[test]
    fn loom_cell_complete_vs_poll_or_abandon() {
        for (drop_future, reregister) in
            [(false, false), (false, true), (true, false), (true, true)]
        {
            loom::model(move || {
                DROPS.store(0, SeqCst);
                HOOKS.store(0, SeqCst);
                let flag = std::sync::Arc::new(Flag(AtomicUsize::new(0)));
                let waker = Waker::from(flag.clone());
                let mut cx = Context::from_waker(&waker);
                let cell = Arc::new(OpCell::new(Counted, waker.clone()));
                let home = cell.clone();
                let ring = loom::thread::spawn(move || {
                    let _ = home.deliver(Cqe {
                        result: 7,
                        flags: 0,
                    });
                });
                let mut seen = if reregister {
                    poll_complete(&cell, &mut cx).is_some()
                } else {
                    cell.take_completed().is_some()
                };
                if drop_future && !seen {
                    if !cell.abandon() {
                        seen = cell.take_leftovers().is_some();
                    }
                }
                ring.join().unwrap();
                if !drop_future && !seen {
                    assert_eq!(flag.0.load(SeqCst), 1, "pending future was not woken");
                    let (payload, cqe) =
                        poll_complete(&cell, &mut cx).expect("woken but not complete");
                    assert_eq!(cqe.result, 7);
                    drop(payload);
                    seen = true;
                }
                drop(cell);
                assert_eq!(DROPS.load(SeqCst), 1, "payload released exactly once");
                let reclaimed = HOOKS.load(SeqCst) == 1;
                assert!(seen != reclaimed, "result delivered xor reclaimed");
            });
        }
    }
}
