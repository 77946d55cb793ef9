//! Timer workloads: many tasks sleeping at once.
//!
//! One task spawns N tasks that each `sleep(10 ms)` and count down a shared
//! [`Latch`]; the iteration ends when all of them have woken. Besides the
//! wall time, every iteration records the process's resident-memory growth
//! while it ran ([`RssSampler`]): what N pending sleeps (and their tasks)
//! cost in memory on each runtime. The report shows it in a separate
//! "memory" table.
//!
//! ringbolt keeps a timer wheel per ring (no SQE per sleep); tokio keeps a
//! timer wheel per worker.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::{scaled, Sample, Workload};
use crate::latch::Latch;
use crate::rss::RssSampler;
use crate::runtimes::{AnyRuntime, BenchRuntime, Ringbolt, Tokio};

/// How long every task sleeps.
pub const SLEEP: Duration = Duration::from_millis(10);
/// Tasks in `sleeps_100k`.
pub const SLEEPS_100K: usize = 100_000;
/// Tasks in `sleeps_1m`.
pub const SLEEPS_1M: usize = 1_000_000;

/// A [`BenchRuntime`] with a timer.
pub trait TimerRuntime: BenchRuntime {
    /// The runtime's `sleep` (must be called from inside its tasks).
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send;
}

impl TimerRuntime for Tokio {
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(d)
    }
}

impl TimerRuntime for Ringbolt {
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send {
        ringbolt::time::sleep(d)
    }
}

/// The timer workloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timers {
    /// 100,000 tasks each sleeping 10 ms.
    Sleeps100k,
    /// 1,000,000 tasks each sleeping 10 ms.
    Sleeps1m,
}

impl Timers {
    /// Every timer workload, in report order.
    pub const ALL: [Timers; 2] = [Timers::Sleeps100k, Timers::Sleeps1m];

    /// Tasks per iteration at `scale`.
    pub fn tasks(self, scale: f64) -> usize {
        match self {
            Timers::Sleeps100k => scaled(SLEEPS_100K, scale),
            Timers::Sleeps1m => scaled(SLEEPS_1M, scale),
        }
    }

    /// Runs one iteration on `rt` at size multiplier `scale`, blocking the
    /// calling thread until every sleeper has woken.
    pub fn run_on<R: TimerRuntime>(self, rt: &R, scale: f64) {
        sleeps(rt, self.tasks(scale), SLEEP);
    }
}

impl Workload for Timers {
    fn name(&self) -> &'static str {
        match self {
            Timers::Sleeps100k => "sleeps_100k",
            Timers::Sleeps1m => "sleeps_1m",
        }
    }

    fn family(&self) -> &'static str {
        "timers"
    }

    fn description(&self) -> &'static str {
        match self {
            Timers::Sleeps100k => {
                "from a task, spawn 100k tasks that each sleep(10 ms); + RSS growth"
            }
            Timers::Sleeps1m => {
                "from a task, spawn 1M tasks that each sleep(10 ms); + RSS growth (250k in --quick)"
            }
        }
    }

    fn ops_per_iter(&self, scale: f64) -> Option<u64> {
        Some(self.tasks(scale) as u64)
    }

    fn quick_scale(&self) -> f64 {
        match self {
            Timers::Sleeps100k => 1.0,
            // 250k sleepers: 1M takes ~25 s of the quick run's two minutes.
            Timers::Sleeps1m => 0.25,
        }
    }

    fn run(&self, rt: &AnyRuntime, scale: f64) -> Sample {
        let sampler = RssSampler::start().expect("read /proc/self/statm");
        let mut sample = Sample::time(|| crate::with_runtime!(rt, |r| self.run_on(r, scale)));
        sample.rss_growth = Some(sampler.finish());
        sample
    }
}

/// The timer workloads as registry entries.
pub fn all() -> Vec<Box<dyn Workload>> {
    Timers::ALL
        .iter()
        .map(|&w| Box::new(w) as Box<dyn Workload>)
        .collect()
}

/// From inside a task, spawns `n` tasks that each sleep `d` and then count
/// down a shared latch, and waits for all of them.
pub fn sleeps<R: TimerRuntime>(rt: &R, n: usize, d: Duration) {
    let latch = Arc::new(Latch::new(n));
    let spawner_latch = latch.clone();
    rt.block_on(async move {
        drop(R::spawn(async move {
            for _ in 0..n {
                let latch = spawner_latch.clone();
                drop(R::spawn(async move {
                    R::sleep(d).await;
                    latch.count_down();
                }));
            }
        }));
        latch.wait().await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn sleepers_wake_on_both_runtimes() {
        let tokio = Tokio::build(2).unwrap();
        let start = Instant::now();
        sleeps(&tokio, 1000, Duration::from_millis(5));
        assert!(start.elapsed() >= Duration::from_millis(5));
        if let Ok(rb) = Ringbolt::build(2) {
            let start = Instant::now();
            sleeps(&rb, 1000, Duration::from_millis(5));
            assert!(start.elapsed() >= Duration::from_millis(5));
        }
    }

    #[test]
    fn run_records_memory() {
        let rt = AnyRuntime::Tokio(Tokio::build(1).unwrap());
        let s = Timers::Sleeps100k.run(&rt, 0.01);
        assert!(s.rss_growth.is_some());
        assert_eq!(Timers::Sleeps1m.ops_per_iter(1.0), Some(1_000_000));
    }
}
