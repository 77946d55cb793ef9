//! [`Op`] and [`Multishot`]: the futures that submit ops and await their
//! CQEs, on a ring or, on the readiness driver, make their calls (rules
//! 10–12).

use super::{shut_down_error, MultishotOpCode, OpCode, Perform};
use crate::cell::{Cqe, OpCell, Payload, CQE_F_MORE};
use crate::driver::Inner;
use crate::pair::Pair;
use crate::reactor::{with_current, Driver, NO_REACTOR};
use crate::readiness::op::{offload, poll_perform, Performable, Wait};
use crate::readiness::PollDriver;
use crate::wake::{HomeId, Message};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::task::{ready, Context, Poll, Waker};

/// A single-shot op in its cell.
struct Single<T>(T);

impl<T: OpCode> Payload for Single<T> {
    const MULTISHOT: bool = false;
    fn abandoned_final(self, cqe: Option<Cqe>) {
        if let Some(cqe) = cqe {
            self.0.abandoned(cqe.io_result(), cqe.flags);
        }
    }
    fn abandoned_more(&self, _cqe: Cqe) {
        unreachable!("single-shot op got a CQE with F_MORE")
    }
}

impl<T: OpCode> Performable for Single<T> {
    fn mode(&self) -> Perform<'_> {
        self.0.perform_mode()
    }
    fn perform(&mut self) -> io::Result<u32> {
        self.0.perform()
    }
}

impl<T: MultishotOpCode> Performable for Many<T> {
    fn mode(&self) -> Perform<'_> {
        self.0.perform_mode()
    }
    fn perform(&mut self) -> io::Result<u32> {
        self.0.perform()
    }
}

/// A multishot op in its cell, with the context its CQEs are read with.
struct Many<T: MultishotOpCode>(T, T::Context);

impl<T: MultishotOpCode> Payload for Many<T> {
    const MULTISHOT: bool = true;
    fn abandoned_final(self, cqe: Option<Cqe>) {
        if let Some(cqe) = cqe {
            T::abandoned_item(&self.1, cqe.io_result(), cqe.flags);
        }
    }
    fn abandoned_more(&self, cqe: Cqe) {
        T::abandoned_item(&self.1, cqe.io_result(), cqe.flags);
    }
}

/// Where an op is: not yet submitted, in a cell on its home ring, or on
/// the readiness driver.
enum State<P> {
    Unsubmitted(P),
    Submitted {
        cell: Pair<OpCell<P>>,
        user_data: u64,
        home: HomeId,
    },
    /// Readiness driver, socket or inline call (rules 10, 12): the payload
    /// stays here between calls.
    Polling {
        payload: P,
        wait: Option<Wait>,
    },
    /// Readiness driver, blocking call (rule 11): in a cell that a
    /// blocking-pool thread completes.
    Offloaded {
        cell: Pair<OpCell<P>>,
    },
    Done,
}

impl<P: Payload + Performable> State<P> {
    /// Starts the op on the current thread's reactor: submits it on the
    /// ring (rule 1) with `waker` already in the cell, or starts it on the
    /// readiness driver (`offloaded` says whether blocking calls may go to
    /// the pool; multishot ops never do). `Ok(true)`: submitted to a ring
    /// or the pool by this call (the waker is registered); `Ok(false)`: it
    /// was started already, or makes its calls in the future's polls.
    /// `Err` gives the payload back when that reactor is shut down.
    fn start(
        &mut self,
        waker: &Waker,
        build: impl FnOnce(&mut P) -> io_uring::squeue::Entry,
    ) -> Result<bool, P> {
        if !matches!(self, State::Unsubmitted(_)) {
            return Ok(false);
        }
        let State::Unsubmitted(payload) = std::mem::replace(self, State::Done) else {
            unreachable!("checked above");
        };
        let started = with_current(|driver| match driver {
            Driver::Ring(inner) => Self::submit(inner, payload, waker, build),
            Driver::Poll(poll) => Self::start_polling(poll, payload, waker),
        })
        .unwrap_or_else(|| panic!("{NO_REACTOR}"));
        let (state, fresh) = started?;
        *self = state;
        Ok(fresh)
    }

    fn submit(
        inner: &Inner,
        payload: P,
        waker: &Waker,
        build: impl FnOnce(&mut P) -> io_uring::squeue::Entry,
    ) -> Result<(State<P>, bool), P> {
        let (cell, user_data) = inner.submit(payload, waker, build)?;
        let home = inner.home;
        Ok((
            State::Submitted {
                cell,
                user_data,
                home,
            },
            true,
        ))
    }

    fn start_polling(poll: &PollDriver, payload: P, waker: &Waker) -> Result<(State<P>, bool), P> {
        if poll.is_shut_down() {
            return Err(payload);
        }
        if !P::MULTISHOT && matches!(payload.mode(), Perform::OnBlockingPool) {
            let cell = offload(poll, payload, waker);
            return Ok((State::Offloaded { cell }, true));
        }
        Ok((
            State::Polling {
                payload,
                wait: None,
            },
            false,
        ))
    }

    /// Rule 4: a pending op is abandoned and cancelled on its home ring;
    /// a completed one's uncollected output is released here.
    fn abandon(&mut self) {
        let (cell, cancel) = match std::mem::replace(self, State::Done) {
            State::Submitted {
                cell,
                user_data,
                home,
            } => (cell, Some((user_data, home))),
            // The pool thread reclaims an abandoned cell when its call
            // returns: nothing to cancel.
            State::Offloaded { cell } => (cell, None),
            // Nothing in the kernel: dropping the payload (and the wait)
            // is all there is (rule 10).
            _ => return,
        };
        if cell.abandon() {
            if let Some((user_data, home)) = cancel {
                let direct = with_current(|d| match d {
                    Driver::Ring(inner) => inner.home == home && inner.try_cancel(user_data),
                    Driver::Poll(_) => false,
                });
                if direct != Some(true) {
                    home.post(Message::CancelOp(user_data));
                }
            }
        } else if let Some((payload, cqe, more)) = cell.take_leftovers() {
            for cqe in more {
                payload.abandoned_more(cqe);
            }
            payload.abandoned_final(cqe);
        }
    }
}

/// An io_uring operation as a future; see [`submit`].
#[must_use = "ops do nothing unless polled"]
pub struct Op<T: OpCode> {
    state: State<Single<T>>,
}

/// Makes an op future. Nothing happens until it is first polled: then it is
/// submitted on the polling thread's reactor (its home ring).
///
/// # Panics
/// Polling it on a thread with no entered reactor panics with a message
/// saying so.
pub fn submit<T: OpCode>(op: T) -> Op<T> {
    Op {
        state: State::Unsubmitted(Single(op)),
    }
}

// The op is moved into its heap cell at submission and never pinned in place.
impl<T: OpCode> Unpin for Op<T> {}

impl<T: OpCode> Future for Op<T> {
    type Output = T::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T::Output> {
        let this = &mut *self;
        let fresh = match this.state.start(cx.waker(), |p| p.0.create_entry()) {
            Ok(fresh) => fresh,
            Err(payload) => {
                if ringbolt_coop::poll_proceed(cx).is_pending() {
                    this.state = State::Unsubmitted(payload);
                    return Poll::Pending;
                }
                return Poll::Ready(payload.0.complete(Err(shut_down_error()), 0));
            }
        };
        let cell = match &mut this.state {
            State::Submitted { cell, .. } | State::Offloaded { cell } => cell,
            State::Polling { payload, wait } => {
                let result = ready!(poll_perform(cx, payload, wait));
                let State::Polling { payload, .. } =
                    std::mem::replace(&mut this.state, State::Done)
                else {
                    unreachable!("matched above");
                };
                return Poll::Ready(payload.0.complete(result, 0));
            }
            _ => panic!("op polled after completion"),
        };
        // Just submitted: the cell holds our waker already.
        if fresh && !cell.is_completed() {
            return Poll::Pending;
        }
        if !cell.is_completed() {
            cell.register(cx.waker());
            if !cell.is_completed() {
                return Poll::Pending;
            }
        }
        ready!(ringbolt_coop::poll_proceed(cx));
        let (Single(op), cqe) = cell
            .take_completed()
            .expect("completed op holds its result");
        this.state = State::Done;
        Poll::Ready(op.complete(cqe.io_result(), cqe.flags))
    }
}

impl<T: OpCode> Drop for Op<T> {
    fn drop(&mut self) {
        self.state.abandon();
    }
}

impl<T: OpCode> std::fmt::Debug for Op<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.state {
            State::Unsubmitted(_) => "unsubmitted",
            State::Submitted { .. } => "submitted",
            State::Polling { .. } => "polling",
            State::Offloaded { .. } => "offloaded",
            State::Done => "done",
        };
        f.debug_struct("Op").field("state", &state).finish()
    }
}

/// A multishot op as a stream of items; see [`submit_multishot`].
#[must_use = "streams do nothing unless polled"]
pub struct Multishot<T: MultishotOpCode> {
    state: State<Many<T>>,
    /// What items are built with (the op's context).
    cx: T::Context,
    /// A CQE taken from the cell when the budget said to yield.
    stash: Option<Option<Cqe>>,
    /// Readiness driver: [`cancel`](Multishot::cancel) was called; the
    /// next item is the final `ECANCELED`.
    cancelled: AtomicBool,
}

/// Makes a multishot op stream (lazy, like [`submit`]). It yields one item
/// per CQE, the final one (without `IORING_CQE_F_MORE`) included, then ends.
pub fn submit_multishot<T: MultishotOpCode>(op: T) -> Multishot<T> {
    let cx = op.context();
    let in_cell = op.context();
    Multishot {
        cx,
        state: State::Unsubmitted(Many(op, in_cell)),
        stash: None,
        cancelled: AtomicBool::new(false),
    }
}

impl<T: MultishotOpCode> Multishot<T> {
    /// Polls for the next item; `None` after the final CQE.
    pub fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<T::Item>> {
        if let Err(payload) = self.state.start(cx.waker(), |p| p.0.create_entry()) {
            if ringbolt_coop::poll_proceed(cx).is_pending() {
                self.state = State::Unsubmitted(payload);
                return Poll::Pending;
            }
            return Poll::Ready(Some(T::item(&self.cx, Err(shut_down_error()), 0)));
        }
        if let State::Polling { payload, wait } = &mut self.state {
            // Rule 10, once per item; an error is the final item.
            let result = if self.cancelled.load(Relaxed) {
                Err(io::Error::from_raw_os_error(libc::ECANCELED))
            } else {
                ready!(poll_perform(cx, payload, wait))
            };
            return Poll::Ready(Some(match result {
                Ok(n) => T::item(&self.cx, Ok(n), CQE_F_MORE),
                Err(e) => {
                    self.state = State::Done;
                    T::item(&self.cx, Err(e), 0)
                }
            }));
        }
        let next = match (self.stash.take(), &self.state) {
            (Some(next), _) => next,
            (None, State::Submitted { cell, .. }) => match cell.next_cqe() {
                Some(next) => next,
                None => {
                    cell.register(cx.waker());
                    match cell.next_cqe() {
                        Some(next) => next,
                        None => return Poll::Pending,
                    }
                }
            },
            (None, _) => return Poll::Ready(None),
        };
        if ringbolt_coop::poll_proceed(cx).is_pending() {
            self.stash = Some(next);
            return Poll::Pending;
        }
        match next {
            Some(cqe) => Poll::Ready(Some(T::item(&self.cx, cqe.io_result(), cqe.flags))),
            None => {
                self.state = State::Done;
                Poll::Ready(None)
            }
        }
    }

    /// The next item; `None` after the final CQE.
    pub async fn next(&mut self) -> Option<T::Item> {
        std::future::poll_fn(|cx| self.poll_next(cx)).await
    }

    /// Asks the home ring to cancel the op without giving it up: the stream
    /// still yields every CQE that comes, up to the final one (typically
    /// `ECANCELED`). Nothing happens if it is not in flight.
    pub fn cancel(&self) {
        let (cell, user_data, home) = match &self.state {
            State::Submitted {
                cell,
                user_data,
                home,
            } => (cell, user_data, home),
            State::Polling { .. } => {
                self.cancelled.store(true, Relaxed);
                return;
            }
            _ => return,
        };
        if cell.is_completed() {
            return;
        }
        let direct = with_current(|d| match d {
            Driver::Ring(inner) => inner.home == *home && inner.try_cancel(*user_data),
            Driver::Poll(_) => false,
        });
        if direct != Some(true) {
            home.post(Message::CancelOp(*user_data));
        }
    }
}

// As for `Op`: nothing inside is ever pinned.
impl<T: MultishotOpCode> Unpin for Multishot<T> {}

impl<T: MultishotOpCode> futures_util::Stream for Multishot<T> {
    type Item = T::Item;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T::Item>> {
        Multishot::poll_next(self.get_mut(), cx)
    }
}

impl<T: MultishotOpCode> Drop for Multishot<T> {
    fn drop(&mut self) {
        if let Some(Some(cqe)) = self.stash.take() {
            T::abandoned_item(&self.cx, cqe.io_result(), cqe.flags);
        }
        self.state.abandon();
    }
}
