//! Ops on the readiness driver (op rules 10–12): the retry loop of socket
//! calls, and the jobs that run file and path calls on the blocking pool.

use super::io::ScheduledIo;
use super::PollDriver;
use crate::cell::{Cqe, OpCell, Payload};
use crate::metrics::ReactorMetrics;
use crate::op::{Interest, Perform};
use crate::pair::Pair;
use crate::reactor::{with_current, NO_REACTOR};
use std::io;
use std::sync::Arc;
use std::task::{ready, Context, Poll, Waker};

/// An op payload as the readiness driver makes it (single-shot or
/// multishot).
pub(crate) trait Performable {
    fn mode(&self) -> Perform<'_>;
    fn perform(&mut self) -> io::Result<u32>;
}

/// An op waiting for its socket's readiness: its place among the
/// registration's waiters, and a count in the poller's gauge of ops in
/// flight while it lives.
#[derive(Debug)]
pub(crate) struct Wait {
    io: Arc<ScheduledIo>,
    interest: Interest,
    key: Option<usize>,
}

impl Wait {
    fn new(io: Arc<ScheduledIo>, interest: Interest) -> Wait {
        ReactorMetrics::add(&io.home().metrics.ops_submitted, 1);
        Wait {
            io,
            interest,
            key: None,
        }
    }
}

impl Drop for Wait {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.io.leave(key);
        }
        ReactorMetrics::add(&self.io.home().metrics.ops_finished, 1);
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
                    let regs = with_current(|d| d.registrations())
                        .unwrap_or_else(|| panic!("{NO_REACTOR}"))
                        .ok_or_else(|| {
                            io::Error::other(
                                "ringbolt: an op started on the epoll driver was polled on \
                                 an io_uring reactor",
                            )
                        });
                    match regs.and_then(|regs| fd.readiness(&regs)) {
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
                if w.io.park(interest, seen, &mut w.key, cx.waker()) {
                    return Poll::Pending;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            done => return Poll::Ready(done),
        }
    }
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
        // Completed, or reclaimed (closing what an abandoned op produced).
        let _ = cell.deliver(cqe);
        ReactorMetrics::add(&metrics.ops_finished, 1);
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
