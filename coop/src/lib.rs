//! The cooperative scheduling budget shared by ringbolt's executor and reactor.
//!
//! A worker gives every task poll a budget of [`BUDGET_PER_POLL`] units with
//! [`with_budget`]. Every I/O operation, timer and channel that is ready spends
//! one unit through [`poll_proceed`], *also when it completes at once*. When the
//! budget is spent, [`poll_proceed`] wakes the task and returns `Pending`, so a
//! task whose socket is always ready still yields to its siblings.
//!
//! Outside [`with_budget`] (a thread that is not a ringbolt worker, or a future
//! polled by another executor) the budget is unconstrained and never forces a
//! yield.
//!
//! The budget lives in this tiny crate so that the executor (which resets it)
//! and the reactor (which spends it) need not depend on each other. For the
//! same reason it holds [`chaos`], the seeded schedule perturbation both of
//! them call into when tests build them with the `chaos` feature.
#![forbid(unsafe_code)]

pub mod chaos;

use std::cell::Cell;
use std::task::{Context, Poll};

/// Units of budget a task gets for one poll.
pub const BUDGET_PER_POLL: u8 = 128;

thread_local! {
    /// `None`: unconstrained. `Some(n)`: `n` units left in the current poll.
    static BUDGET: Cell<Option<u8>> = const { Cell::new(None) };
}

/// Restores the budget that was in force before [`with_budget`], even when
/// the poll panics.
struct Restore(Option<u8>);

impl Drop for Restore {
    fn drop(&mut self) {
        BUDGET.with(|b| b.set(self.0));
    }
}

/// Runs `f` (one task poll) with a fresh budget of [`BUDGET_PER_POLL`] units.
pub fn with_budget<R>(f: impl FnOnce() -> R) -> R {
    let previous = BUDGET.with(|b| b.replace(Some(BUDGET_PER_POLL)));
    let _restore = Restore(previous);
    f()
}

/// Runs `f` with no budget constraint (used while draining at shutdown, or
/// for work that must not be interrupted).
pub fn unconstrained<R>(f: impl FnOnce() -> R) -> R {
    let previous = BUDGET.with(|b| b.replace(None));
    let _restore = Restore(previous);
    f()
}

/// Spends one unit of budget.
///
/// Returns `Ready(())` when the caller may go on. When the budget is spent it
/// wakes the task (so it is polled again after its siblings) and returns
/// `Pending`; the caller must then return `Pending` without side effects.
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    BUDGET.with(|b| match b.get() {
        None => Poll::Ready(()),
        Some(0) => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Some(n) => {
            b.set(Some(n - 1));
            Poll::Ready(())
        }
    })
}

/// Whether the current poll still has budget left (always `true` outside a
/// worker).
pub fn has_budget_remaining() -> bool {
    BUDGET.with(|b| b.get() != Some(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    #[test]
    fn unconstrained_outside_a_poll() {
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..1000 {
            assert!(poll_proceed(&mut cx).is_ready());
        }
    }

    #[test]
    fn budget_runs_out_and_is_restored() {
        let mut cx = Context::from_waker(Waker::noop());
        with_budget(|| {
            for _ in 0..BUDGET_PER_POLL {
                assert!(poll_proceed(&mut cx).is_ready());
            }
            assert!(poll_proceed(&mut cx).is_pending());
            assert!(!has_budget_remaining());
            // A nested fresh budget does not leak out.
            with_budget(|| assert!(has_budget_remaining()));
            assert!(!has_budget_remaining());
        });
        assert!(poll_proceed(&mut cx).is_ready());
    }

    #[test]
    fn restored_after_panic() {
        let r = std::panic::catch_unwind(|| with_budget(|| panic!("boom")));
        assert!(r.is_err());
        assert!(has_budget_remaining());
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..1000 {
            assert!(poll_proceed(&mut cx).is_ready());
        }
    }
}
