//! A cheap monotonic clock for scheduling decisions made on every poll.
//!
//! The worker reads the time after every task poll (to turn its ring on
//! time, not only every so many polls), so the read must cost next to
//! nothing. On x86-64 it is the time-stamp counter (`rdtsc`, about 10 ns
//! here, against about 25 ns for `Instant::now()`); elsewhere it is
//! `Instant` in nanoseconds. [`Ticks::from_duration`] converts a duration
//! into the counter's unit with a rate measured once per process.
//!
//! The counter only has to be good enough to decide "about 100 µs have
//! passed": on a machine whose counters drift between cores a decision is
//! late or early by that drift, never unsafe.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A reading of the clock, in its own unit (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ticks(u64);

impl Ticks {
    /// Now.
    #[inline]
    pub fn now() -> Ticks {
        Ticks(raw())
    }

    /// `d` in the clock's unit.
    pub fn from_duration(d: Duration) -> Ticks {
        let per_ns = rate();
        Ticks((d.as_nanos() as f64 * per_ns) as u64)
    }

    /// Ticks from `earlier` to `self` (zero if the clock went backwards,
    /// as a counter may between cores).
    #[inline]
    pub fn since(self, earlier: Ticks) -> Ticks {
        Ticks(self.0.saturating_sub(earlier.0))
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn raw() -> u64 {
    // SAFETY: `rdtsc` exists on every x86-64 processor and only reads the
    // time-stamp counter; it touches no memory.
    unsafe { core::arch::x86_64::_rdtsc() }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn raw() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// Counter units per nanosecond, measured once: over 200 µs of wall time,
/// both clocks advance the same whatever the scheduler does to this thread.
fn rate() -> f64 {
    static RATE: OnceLock<f64> = OnceLock::new();
    *RATE.get_or_init(|| {
        if cfg!(not(target_arch = "x86_64")) {
            return 1.0;
        }
        let (t0, c0) = (Instant::now(), raw());
        let mut elapsed = t0.elapsed();
        while elapsed < Duration::from_micros(200) {
            std::hint::spin_loop();
            elapsed = t0.elapsed();
        }
        let ticks = raw().wrapping_sub(c0);
        (ticks as f64 / elapsed.as_nanos() as f64).max(f64::MIN_POSITIVE)
    })
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn ticks_follow_wall_time() {
        let ms = Ticks::from_duration(Duration::from_millis(1));
        assert!(ms.0 > 0);
        let start = Ticks::now();
        let wall = Instant::now();
        while wall.elapsed() < Duration::from_millis(5) {
            std::hint::spin_loop();
        }
        // At least the 5 ms that certainly passed, within generous bounds
        // (the conversion is only meant for rough scheduling decisions).
        let passed = Ticks::now().since(start);
        assert!(passed >= Ticks(ms.0 * 4), "{passed:?} < 4 ms of {ms:?}");
        assert_eq!(start.since(Ticks::now()), Ticks(0));
    }
}
