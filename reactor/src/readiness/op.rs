//! Ops on the readiness driver (op rules 10–12): the retry loop of socket
//! calls, and the jobs that run file and path calls on the blocking pool.

use super::io::ScheduledIo;
use super::PollDriver;
use crate::cell::{Cqe, OpCell, Payload};
use crate::metrics::ReactorMetrics;
use crate::op::{Interest, Perform};
use crate::pair::Pair;
use crate::reactor::{with_current, Driver, NO_REACTOR};
use std::io;
use std::sync::Arc;
use std::task::{ready, Context, Poll, Waker};

/// An op payload as the readiness driver makes it (single-shot or
/// multishot).
pub(crate) trait Performable {
    fn mode(&self) -> Perform<'_>;
    fn perform(&mut self) -> io::Result<u32>;
}

/// An op's registration: its place among the waiters once it has had to
/// wait, and then a count in the poller's gauge of ops in flight while it
/// lives (an op whose call succeeds at once counts nothing).
#[derive(Debug)]
pub(crate) struct Wait {
    io: Arc<ScheduledIo>,
    interest: Interest,
    key: Option<usize>,
}

impl Wait {
    fn new(io: Arc<ScheduledIo>, interest: Interest) -> Wait {
        Wait {
            io,
            interest,
            key: None,
        }
    }

    /// Parks with `waker` unless readiness moved past `seen`.
    fn park(&mut self, seen: u64, waker: &Waker) -> bool {
        let first = self.key.is_none();
        let parked = self.io.park(self.interest, seen, &mut self.key, waker);
        if first && self.key.is_some() {
            ReactorMetrics::add(&self.io.home().metrics.ops_submitted, 1);
        }
        parked
    }
}

impl Drop for Wait {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.io.leave(key);
            ReactorMetrics::add(&self.io.home().metrics.ops_finished, 1);
        }
    }
}

/// Rule 10: makes the op's call until it does not block, waiting for the
/// socket's readiness in between. `wait` is kept by the op future between
/// polls (dropping it leaves the waiters).
pub(crate) fn poll_perform<P: Performable>(
    cx: &mut Context<'_>,
    payload: &mut P,
    wait: &mut Option<Wait>,
) -> Poll<io::Result<u32>> {
    loop {
        let interest = match payload.mode() {
            Perform::OnReadiness { fd, interest } => {
                let stale = wait
                    .as_ref()
                    .is_none_or(|w| w.io.is_orphaned() || w.interest != interest);
                if stale {
                    *wait = None;
                    // The current poller is looked up only for a socket
                    // not registered yet.
                    let regs = || {
                        with_current(|d| d.registrations())
                            .unwrap_or_else(|| panic!("{NO_REACTOR}"))
                            .ok_or_else(|| {
                                io::Error::other(
                                    "ringbolt: an op started on the epoll driver was polled \
                                     on an io_uring reactor",
                                )
                            })
                    };
                    match fd.readiness(regs) {
                        Ok(io) => *wait = Some(Wait::new(io, interest)),
                        Err(e) => return Poll::Ready(Err(e)),
                    }
                }
                interest
            }
            _ => {
                ready!(ringbolt_coop::poll_proceed(cx));
                return Poll::Ready(payload.perform());
            }
        };
        let w = wait.as_mut().expect("registered above");
        let seen = w.io.seq(interest);
        ready!(ringbolt_coop::poll_proceed(cx));
        match payload.perform() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if let Some(io) = follow_task(payload, w) {
                    match io {
                        Ok(io) => *wait = Some(Wait::new(io, interest)),
                        Err(e) => return Poll::Ready(Err(e)),
                    }
                    continue;
                }
                if w.park(seen, cx.waker()) {
                    return Poll::Pending;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            done => return Poll::Ready(done),
        }
    }
}

/// Readiness rule 7: the registration to move to before parking, when
/// `w`'s is in another thread's poller and no other op uses it.
fn follow_task<P: Performable>(payload: &P, w: &Wait) -> Option<io::Result<Arc<ScheduledIo>>> {
    // No reference count is touched unless the socket moves.
    let here = with_current(|d| match d {
        Driver::Poll(poll) if !Arc::ptr_eq(&poll.inner.regs, w.io.home()) => {
            Some(poll.inner.regs.clone())
        }
        _ => None,
    })??;
    if w.io.has_other_waiters(w.key) {
        return None;
    }
    let Perform::OnReadiness { fd, .. } = payload.mode() else {
        return None;
    };
    Some(fd.rehome(&w.io, &here))
}

/// A result as a CQE holds it.
fn to_cqe(result: io::Result<u32>) -> Cqe {
    let result = match result {
        Ok(n) => n.min(i32::MAX as u32) as i32,
        Err(e) => -e.raw_os_error().unwrap_or(libc::EIO),
    };
    Cqe { result, flags: 0 }
}

/// Rule 11: a blocking op on the pool. The job owns one half of the
/// op's cell; dropped unrun, it completes the op with `ECANCELED`.
struct Job<P: Payload + Performable> {
    cell: Option<Pair<OpCell<P>>>,
    metrics: Arc<ReactorMetrics>,
}

impl<P: Payload + Performable> Job<P> {
    fn run(mut self) {
        let cell = self.cell.take().expect("a job runs once");
        // SAFETY: this job is the op's only performer: the future does not
        // touch the payload until the cell is completed, and an abandoning
        // future only flips the state; nobody else holds the cell.
        let result = unsafe { cell.with_payload(|p| p.perform()) };
        Self::finish(cell, to_cqe(result), &self.metrics);
    }

    fn finish(cell: Pair<OpCell<P>>, cqe: Cqe, metrics: &ReactorMetrics) {
        // Counted first: a future woken by the delivery sees the gauge
        // without its op.
        ReactorMetrics::add(&metrics.ops_finished, 1);
        // Completed, or reclaimed (closing what an abandoned op produced).
        let _ = cell.deliver(cqe);
    }
}

impl<P: Payload + Performable> Drop for Job<P> {
    fn drop(&mut self) {
        if let Some(cell) = self.cell.take() {
            let cqe = Cqe {
                result: -libc::ECANCELED,
                flags: 0,
            };
            Self::finish(cell, cqe, &self.metrics);
        }
    }
}

/// Rule 11: moves `payload` into a cell that wakes `waker`, and hands the
/// call to the driver's blocking pool. Returns the future's half.
pub(crate) fn offload<P: Payload + Performable>(
    driver: &PollDriver,
    payload: P,
    waker: &Waker,
) -> Pair<OpCell<P>> {
    let (cell, job_half) = Pair::new(OpCell::new(payload, waker.clone()));
    let metrics = driver.shared.metrics.clone();
    ReactorMetrics::add(&metrics.ops_submitted, 1);
    let job = Job {
        cell: Some(job_half),
        metrics,
    };
    driver.offload.spawn(Box::new(move || job.run()));
    cell
}
