//! Small, dependency-free statistics over per-iteration wall times.

use std::time::Duration;

/// The median of `xs` (mean of the two middle values for an even count),
/// or `None` when empty.
pub fn median(xs: &[Duration]) -> Option<Duration> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        // Average in nanoseconds to avoid Duration overflow on the sum.
        let a = v[n / 2 - 1].as_nanos();
        let b = v[n / 2].as_nanos();
        nanos((a + b) / 2)
    })
}

/// The `q`-quantile (`0.0..=1.0`) of `xs` by the nearest-rank method
/// (`q = 0.99` gives p99), or `None` when empty.
pub fn quantile(xs: &[Duration], q: f64) -> Option<Duration> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_unstable();
    Some(quantile_sorted(&v, q))
}

/// Like [`quantile`], for data that is already sorted and non-empty.
///
/// # Panics
/// If `sorted` is empty.
pub fn quantile_sorted(sorted: &[Duration], q: f64) -> Duration {
    assert!(!sorted.is_empty(), "quantile of an empty sample");
    let q = q.clamp(0.0, 1.0);
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// ringbolt's time over tokio's: `< 1.0` means ringbolt is faster.
/// `None` if either is missing or the baseline is zero.
pub fn ratio(ringbolt: Option<Duration>, tokio: Option<Duration>) -> Option<f64> {
    let (r, t) = (ringbolt?, tokio?);
    if t.is_zero() {
        return None;
    }
    Some(r.as_secs_f64() / t.as_secs_f64())
}

/// Operations per second for `ops` operations taking `per_iter`.
pub fn ops_per_sec(ops: u64, per_iter: Duration) -> Option<f64> {
    if per_iter.is_zero() {
        None
    } else {
        Some(ops as f64 / per_iter.as_secs_f64())
    }
}

/// Summary of one runtime's samples for one workload.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Number of timed iterations.
    pub iterations: usize,
    /// Median wall time per iteration.
    pub median: Duration,
    /// Fastest iteration.
    pub min: Duration,
    /// Slowest iteration.
    pub max: Duration,
    /// Median absolute deviation from the median, a robust spread measure.
    pub mad: Duration,
}

impl Summary {
    /// Summarizes `xs`, or `None` when empty.
    pub fn of(xs: &[Duration]) -> Option<Summary> {
        let median = median(xs)?;
        let deviations: Vec<Duration> = xs.iter().map(|&x| x.abs_diff(median)).collect();
        Some(Summary {
            iterations: xs.len(),
            median,
            min: *xs.iter().min()?,
            max: *xs.iter().max()?,
            mad: self::median(&deviations)?,
        })
    }
}

fn nanos(n: u128) -> Duration {
    Duration::from_nanos(u64::try_from(n).unwrap_or(u64::MAX))
}

/// Formats a duration with three significant-ish digits and a unit:
/// `812 ns`, `12.3 µs`, `4.56 ms`, `1.23 s`.
pub fn fmt_duration(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{} µs", sig3(ns / 1e3))
    } else if ns < 1e9 {
        format!("{} ms", sig3(ns / 1e6))
    } else {
        format!("{} s", sig3(ns / 1e9))
    }
}

/// Formats a rate with an SI suffix: `950`, `12.3 k`, `4.56 M`, `1.23 G`.
pub fn fmt_rate(x: f64) -> String {
    if x < 1e3 {
        format!("{x:.0}")
    } else if x < 1e6 {
        format!("{} k", sig3(x / 1e3))
    } else if x < 1e9 {
        format!("{} M", sig3(x / 1e6))
    } else {
        format!("{} G", sig3(x / 1e9))
    }
}

/// Formats a byte count with a binary unit: `512 B`, `3.50 KiB`,
/// `12.3 MiB`.
pub fn fmt_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut x = bytes as f64 / 1024.0;
    let mut unit = UNITS[0];
    for u in &UNITS[1..] {
        if x < 1024.0 {
            break;
        }
        x /= 1024.0;
        unit = u;
    }
    format!("{} {unit}", sig3(x))
}

fn sig3(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|&m| Duration::from_millis(m)).collect()
    }

    #[test]
    fn median_odd_even_empty() {
        assert_eq!(median(&ms(&[5, 1, 3])), Some(Duration::from_millis(3)));
        assert_eq!(
            median(&ms(&[4, 1, 3, 2])),
            Some(Duration::from_micros(2500))
        );
        assert_eq!(median(&[]), None);
        assert_eq!(median(&ms(&[7])), Some(Duration::from_millis(7)));
    }

    #[test]
    fn quantiles_nearest_rank() {
        let xs = ms(&(1..=100).collect::<Vec<_>>());
        assert_eq!(quantile(&xs, 0.5), Some(Duration::from_millis(50)));
        assert_eq!(quantile(&xs, 0.99), Some(Duration::from_millis(99)));
        assert_eq!(quantile(&xs, 1.0), Some(Duration::from_millis(100)));
        assert_eq!(quantile(&xs, 0.0), Some(Duration::from_millis(1)));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn ratio_direction_and_missing() {
        let r = ratio(
            Some(Duration::from_millis(5)),
            Some(Duration::from_millis(10)),
        );
        assert_eq!(r, Some(0.5));
        assert_eq!(ratio(None, Some(Duration::from_millis(1))), None);
        assert_eq!(
            ratio(Some(Duration::from_millis(1)), Some(Duration::ZERO)),
            None
        );
    }

    #[test]
    fn summary_mad() {
        let s = Summary::of(&ms(&[10, 11, 12, 13, 100])).unwrap();
        assert_eq!(s.median, Duration::from_millis(12));
        assert_eq!(s.min, Duration::from_millis(10));
        assert_eq!(s.max, Duration::from_millis(100));
        // deviations 2,1,0,1,88 -> median 1
        assert_eq!(s.mad, Duration::from_millis(1));
        assert_eq!(s.iterations, 5);
    }

    #[test]
    fn formatting() {
        assert_eq!(fmt_duration(Duration::from_nanos(812)), "812 ns");
        assert_eq!(fmt_duration(Duration::from_nanos(12_345)), "12.3 µs");
        assert_eq!(fmt_duration(Duration::from_micros(4_561)), "4.56 ms");
        assert_eq!(fmt_duration(Duration::from_millis(1_234)), "1.23 s");
        assert_eq!(fmt_rate(950.0), "950");
        assert_eq!(fmt_bytes(512), "512 B");
        assert_eq!(fmt_bytes(3584), "3.50 KiB");
        assert_eq!(fmt_bytes(12_900_000), "12.3 MiB");
        assert_eq!(fmt_bytes(3 << 30), "3.00 GiB");
        assert_eq!(fmt_rate(4_560_000.0), "4.56 M");
        assert_eq!(
            ops_per_sec(1000, Duration::from_millis(10)),
            Some(100_000.0)
        );
    }
}
