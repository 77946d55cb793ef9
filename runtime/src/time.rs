//! Time: [`sleep`], [`timeout`], [`interval`].
//!
//! Every ring keeps a timer wheel; the nearest deadline becomes the timeout
//! of the worker's `io_uring_enter`, so a sleep costs no system call and no
//! kernel memory. Deadlines have millisecond granularity and never fire
//! early.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

pub use ringbolt_reactor::time::{sleep, sleep_until, Sleep};
pub use std::time::{Duration, Instant};

/// The error of a [`timeout`] whose deadline passed first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(e: Elapsed) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, e)
    }
}

pin_project_lite::pin_project! {
    /// A future with a deadline; see [`timeout`].
    #[must_use = "futures do nothing unless polled"]
    #[derive(Debug)]
    pub struct Timeout<F> {
        #[pin]
        future: F,
        sleep: Sleep,
    }
}

/// Runs `future` for at most `duration`.
///
/// Gives `Err(Elapsed)` if the deadline passes first; the future is then
/// dropped, which cancels any I/O it had in flight.
///
/// ```
/// use std::time::Duration;
/// let rt = ringbolt::Runtime::new().unwrap();
/// rt.block_on(async {
///     let slow = ringbolt::time::sleep(Duration::from_secs(60));
///     let r = ringbolt::time::timeout(Duration::from_millis(5), slow).await;
///     assert!(r.is_err());
/// });
/// ```
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        future: future.into_future(),
        sleep: sleep(duration),
    }
}

/// Like [`timeout`] with an absolute deadline.
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        future: future.into_future(),
        sleep: sleep_until(deadline),
    }
}

impl<F> Timeout<F> {
    /// The wrapped future.
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// The wrapped future, mutably.
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.future
    }

    /// Gives the wrapped future back.
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(v) = this.future.poll(cx) {
            return Poll::Ready(Ok(v));
        }
        // The deadline is checked even when the future used up the task's
        // budget, or a busy future could never time out.
        ringbolt_coop::unconstrained(|| Pin::new(this.sleep).poll(cx)).map(|()| Err(Elapsed(())))
    }
}

/// What an [`Interval`] does when ticks were missed (the task was late).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks at once, one after another, to catch up.
    #[default]
    Burst,
    /// Start again from now: the next tick is one period after this one.
    Delay,
    /// Skip the missed ticks: the next tick is the next multiple of the
    /// period after now.
    Skip,
}

impl MissedTickBehavior {
    fn next(self, missed: Instant, now: Instant, period: Duration) -> Instant {
        match self {
            MissedTickBehavior::Burst => missed + period,
            MissedTickBehavior::Delay => now + period,
            MissedTickBehavior::Skip => {
                let late = (now - missed).as_nanos() % period.as_nanos();
                now + period - Duration::from_nanos(late as u64)
            }
        }
    }
}

/// Ticks every `period`; see [`interval`].
#[derive(Debug)]
pub struct Interval {
    sleep: Sleep,
    period: Duration,
    missed: MissedTickBehavior,
}

/// An interval whose first tick completes at once, then every `period`.
///
/// # Panics
///
/// If `period` is zero (as tokio's does): a zero period would spin.
///
/// ```
/// use std::time::Duration;
/// let rt = ringbolt::Runtime::new().unwrap();
/// rt.block_on(async {
///     let mut every = ringbolt::time::interval(Duration::from_millis(2));
///     let first = every.tick().await;
///     let second = every.tick().await;
///     assert!(second - first >= Duration::from_millis(2));
/// });
/// ```
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// An interval whose first tick completes at `start`.
///
/// # Panics
///
/// If `period` is zero.
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(!period.is_zero(), "interval period must be non-zero");
    Interval {
        sleep: sleep_until(start),
        period,
        missed: MissedTickBehavior::default(),
    }
}

impl Interval {
    /// Waits for the next tick and returns its scheduled instant.
    pub async fn tick(&mut self) -> Instant {
        std::future::poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        ready!(Pin::new(&mut self.sleep).poll(cx));
        let scheduled = self.sleep.deadline();
        let now = Instant::now();
        // Within 5 ms is on time; later than that, the behaviour decides.
        let next = if now > scheduled + Duration::from_millis(5) {
            self.missed.next(scheduled, now, self.period)
        } else {
            scheduled + self.period
        };
        self.sleep.reset(next);
        Poll::Ready(scheduled)
    }

    /// Makes the next tick one period from now.
    pub fn reset(&mut self) {
        self.sleep.reset(Instant::now() + self.period);
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The behaviour for missed ticks.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed
    }

    /// Sets the behaviour for missed ticks.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed = behavior;
    }
}

impl futures_util::Stream for Interval {
    type Item = Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missed_tick_arithmetic() {
        let t0 = Instant::now();
        let p = Duration::from_millis(10);
        let now = t0 + Duration::from_millis(35);
        assert_eq!(MissedTickBehavior::Burst.next(t0, now, p), t0 + p);
        assert_eq!(MissedTickBehavior::Delay.next(t0, now, p), now + p);
        assert_eq!(
            MissedTickBehavior::Skip.next(t0, now, p),
            t0 + Duration::from_millis(40)
        );
    }
}
