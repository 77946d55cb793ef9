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
//!
//! That growth is not a program's memory per task, for two reasons. It
//! leaves out what the process holds before the iteration (the binary, the
//! runtime's threads and rings, the allocator's arenas, here shared with
//! the other runtime of the same process), and a 1 ms sampler can miss a
//! short peak. And the tasks are detached: spawning 100k takes longer than
//! 10 ms, so the first ones have finished and been freed before the last
//! are spawned, and the peak holds only part of them. So
//! `sleeps_100k_peak_rss` measures what "N concurrent tasks" memory
//! benchmarks measure: each iteration runs in a fresh child process that
//! builds only that runtime ([`child`](crate::child), `--peak-rss`) and
//! spawns the 100k sleepers from one task keeping every join handle, then
//! awaits them ([`sleeps_joined`]: every task's cell lives until then);
//! it reports the process's peak resident set (`VmHWM`, kept by the
//! kernel, so no peak is missed) and its resident set once the runtime
//! was built, hence what each task adds.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
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
    let mut all: Vec<Box<dyn Workload>> = Timers::ALL
        .iter()
        .map(|&w| Box::new(w) as Box<dyn Workload>)
        .collect();
    all.push(Box::new(SleepsPeakRss::default()));
    all
}

/// How long the parent waits for one `--peak-rss` child.
const PEAK_RSS_CHILD_LIMIT: Duration = Duration::from_secs(60);

/// `sleeps_100k_peak_rss`: [`sleeps_joined`] of 100k tasks in a fresh
/// child process per iteration that runs only the runtime under test; the
/// sample carries the child's peak and base resident set.
#[derive(Debug, Default)]
pub struct SleepsPeakRss {
    /// Worker count the driver asked for, recorded by
    /// [`Workload::workers`] for the child; 0 until then (1 worker).
    workers: AtomicUsize,
    /// The `ringbolt-bench` executable to run; `None`: this process's own.
    exe: Option<PathBuf>,
}

impl SleepsPeakRss {
    /// The workload with `exe` (a `ringbolt-bench` binary) as the child
    /// instead of the running executable.
    pub fn with_exe(exe: impl Into<PathBuf>) -> SleepsPeakRss {
        SleepsPeakRss {
            workers: AtomicUsize::new(0),
            exe: Some(exe.into()),
        }
    }
}

impl Workload for SleepsPeakRss {
    fn name(&self) -> &'static str {
        "sleeps_100k_peak_rss"
    }

    fn family(&self) -> &'static str {
        "timers"
    }

    fn description(&self) -> &'static str {
        "100k tasks x sleep(10 ms), handles kept, in a fresh process running only that runtime; \
         + its peak RSS (VmHWM)"
    }

    fn ops_per_iter(&self, scale: f64) -> Option<u64> {
        Some(scaled(SLEEPS_100K, scale) as u64)
    }

    fn workers(&self, requested: usize) -> usize {
        self.workers.store(requested, Ordering::Relaxed);
        requested
    }

    fn run(&self, rt: &AnyRuntime, scale: f64) -> Sample {
        let exe = match &self.exe {
            Some(exe) => exe.clone(),
            None => crate::child::bench_exe()
                .unwrap_or_else(|e| panic!("sleeps_100k_peak_rss: own executable: {e}")),
        };
        let args = [
            crate::child::PEAK_RSS.to_string(),
            rt.kind().name().to_string(),
            self.workers.load(Ordering::Relaxed).max(1).to_string(),
            scaled(SLEEPS_100K, scale).to_string(),
        ];
        let sample = crate::child::run_child(&exe, &args, PEAK_RSS_CHILD_LIMIT)
            .unwrap_or_else(|e| panic!("sleeps_100k_peak_rss: {e}"));
        assert!(
            sample.peak_rss.is_some() && sample.base_rss.is_some(),
            "sleeps_100k_peak_rss: the child reported no resident set"
        );
        sample
    }
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

/// From inside a task, spawns `n` tasks that each sleep `d`, keeping
/// every join handle, then awaits them all: the usual "N concurrent
/// tasks" memory benchmark. Every task's cell stays allocated until its
/// handle is awaited, so the peak holds all `n` of them.
pub fn sleeps_joined<R: TimerRuntime>(rt: &R, n: usize, d: Duration) {
    rt.block_on(async move {
        let spawner = R::spawn(async move {
            let handles: Vec<_> = (0..n).map(|_| R::spawn(R::sleep(d))).collect();
            for h in handles {
                h.await.expect("sleeping task failed");
            }
        });
        spawner.await.expect("spawning task failed");
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
    fn joined_sleepers_wake_on_both_runtimes() {
        let tokio = Tokio::build(2).unwrap();
        let start = Instant::now();
        sleeps_joined(&tokio, 1000, Duration::from_millis(5));
        assert!(start.elapsed() >= Duration::from_millis(5));
        if let Ok(rb) = Ringbolt::build(2) {
            let start = Instant::now();
            sleeps_joined(&rb, 1000, Duration::from_millis(5));
            assert!(start.elapsed() >= Duration::from_millis(5));
        }
        let w = SleepsPeakRss::default();
        assert_eq!(w.workers(3), 3);
        assert_eq!(w.ops_per_iter(0.5), Some(50_000));
        // A child that fails is reported, not hidden.
        let rt = AnyRuntime::Tokio(tokio);
        let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            SleepsPeakRss::with_exe("false").run(&rt, 0.01)
        }));
        assert!(failed.is_err());
    }

    #[test]
    fn run_records_memory() {
        let rt = AnyRuntime::Tokio(Tokio::build(1).unwrap());
        let s = Timers::Sleeps100k.run(&rt, 0.01);
        assert!(s.rss_growth.is_some());
        assert_eq!(Timers::Sleeps1m.ops_per_iter(1.0), Some(1_000_000));
    }
}
