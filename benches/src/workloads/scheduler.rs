//! Scheduler workloads: spawning, yielding, waking, stealing.
//!
//! No I/O at all: these measure the task system (queues, wakeups, parking,
//! stealing). Completion is signalled with the runtime-agnostic
//! [`Latch`] and channels from `futures`, so only the
//! scheduler differs between the two runtimes.
//!
//! Each function runs one full iteration (it blocks until the work is done);
//! the criterion bench `benches/scheduler.rs` and the `ringbolt-bench` binary
//! both call [`Scheduler::run_on`].

use std::hint::black_box;
use std::sync::Arc;

use futures::channel::mpsc;
use futures::StreamExt;

use super::{scaled, Sample, Workload};
use crate::latch::Latch;
use crate::runtimes::{AnyRuntime, BenchRuntime};

/// Tasks spawned per iteration of `spawn_many` and `spawn_many_remote`.
pub const SPAWN_MANY_TASKS: usize = 100_000;
/// Tasks in `yield_many`.
pub const YIELD_TASKS: usize = 200;
/// `yield_now` calls per task in `yield_many`.
pub const YIELDS_PER_TASK: usize = 1_000;
/// Round trips in `ping_pong`.
pub const PING_PONG_ROUND_TRIPS: usize = 100_000;
/// Length of the spawn chain in `chained_spawn`.
pub const CHAIN_LENGTH: usize = 1_000;
/// Tasks in `cpu_imbalance`.
pub const CPU_TASKS: usize = 20;
/// Values each `cpu_imbalance` task sums.
pub const CPU_VALUES_PER_TASK: u64 = 10_000_000;

/// The scheduler workloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheduler {
    /// From inside a task, spawn 100,000 tasks that each count down a latch.
    SpawnMany,
    /// The same 100,000 spawns, from the bench thread (`Runtime::spawn`).
    SpawnManyRemote,
    /// 200 tasks × 1,000 `yield_now()`.
    YieldMany,
    /// Two tasks bouncing a message over two channels.
    PingPong,
    /// Each task spawns the next, 1,000 deep; the last one signals.
    ChainedSpawn,
    /// 20 CPU-bound tasks spawned from one task: stealing must spread them.
    CpuImbalance,
}

impl Scheduler {
    /// Every scheduler workload, in report order.
    pub const ALL: [Scheduler; 6] = [
        Scheduler::SpawnMany,
        Scheduler::SpawnManyRemote,
        Scheduler::YieldMany,
        Scheduler::PingPong,
        Scheduler::ChainedSpawn,
        Scheduler::CpuImbalance,
    ];

    /// Runs one iteration on `rt` at size multiplier `scale`, blocking the
    /// calling thread until it is done.
    pub fn run_on<R: BenchRuntime>(self, rt: &R, scale: f64) {
        match self {
            Scheduler::SpawnMany => spawn_many(rt, scaled(SPAWN_MANY_TASKS, scale)),
            Scheduler::SpawnManyRemote => spawn_many_remote(rt, scaled(SPAWN_MANY_TASKS, scale)),
            Scheduler::YieldMany => yield_many(rt, YIELD_TASKS, scaled(YIELDS_PER_TASK, scale)),
            Scheduler::PingPong => ping_pong(rt, scaled(PING_PONG_ROUND_TRIPS, scale)),
            Scheduler::ChainedSpawn => chained_spawn(rt, scaled(CHAIN_LENGTH, scale)),
            Scheduler::CpuImbalance => {
                black_box(cpu_imbalance(
                    rt,
                    CPU_TASKS,
                    (CPU_VALUES_PER_TASK as f64 * scale).max(1.0) as u64,
                ));
            }
        }
    }
}

impl Workload for Scheduler {
    fn name(&self) -> &'static str {
        match self {
            Scheduler::SpawnMany => "spawn_many",
            Scheduler::SpawnManyRemote => "spawn_many_remote",
            Scheduler::YieldMany => "yield_many",
            Scheduler::PingPong => "ping_pong",
            Scheduler::ChainedSpawn => "chained_spawn",
            Scheduler::CpuImbalance => "cpu_imbalance",
        }
    }

    fn family(&self) -> &'static str {
        "scheduler"
    }

    fn description(&self) -> &'static str {
        match self {
            Scheduler::SpawnMany => "from a task, spawn 100k tasks that each bump a counter",
            Scheduler::SpawnManyRemote => "spawn 100k tasks from outside the runtime",
            Scheduler::YieldMany => "200 tasks x 1k yield_now()",
            Scheduler::PingPong => "100k round trips between two tasks over futures mpsc",
            Scheduler::ChainedSpawn => "1k nested spawns, each task spawns the next",
            Scheduler::CpuImbalance => "20 tasks x 10M wrapping i*i, spawned from one task",
        }
    }

    fn ops_per_iter(&self, scale: f64) -> Option<u64> {
        let n = match self {
            Scheduler::SpawnMany | Scheduler::SpawnManyRemote => scaled(SPAWN_MANY_TASKS, scale),
            Scheduler::YieldMany => YIELD_TASKS * scaled(YIELDS_PER_TASK, scale),
            Scheduler::PingPong => scaled(PING_PONG_ROUND_TRIPS, scale),
            Scheduler::ChainedSpawn => scaled(CHAIN_LENGTH, scale),
            Scheduler::CpuImbalance => return None,
        };
        Some(n as u64)
    }

    fn run(&self, rt: &AnyRuntime, scale: f64) -> Sample {
        Sample::time(|| crate::with_runtime!(rt, |r| self.run_on(r, scale)))
    }
}

/// The scheduler workloads as registry entries.
pub fn all() -> Vec<Box<dyn Workload>> {
    Scheduler::ALL
        .iter()
        .map(|&w| Box::new(w) as Box<dyn Workload>)
        .collect()
}

/// From inside a task, spawns `n` tasks that each count down a shared
/// latch, and waits for all of them.
pub fn spawn_many<R: BenchRuntime>(rt: &R, n: usize) {
    let latch = Arc::new(Latch::new(n));
    let spawner_latch = latch.clone();
    rt.block_on(async move {
        // The join handle is dropped: the spawner is detached, like the
        // tasks it spawns.
        drop(R::spawn(async move {
            for _ in 0..n {
                let latch = spawner_latch.clone();
                drop(R::spawn(async move { latch.count_down() }));
            }
        }));
        latch.wait().await;
    });
}

/// Spawns `n` tasks from the calling (non-runtime) thread, then waits for
/// all of them.
pub fn spawn_many_remote<R: BenchRuntime>(rt: &R, n: usize) {
    let latch = Arc::new(Latch::new(n));
    for _ in 0..n {
        let latch = latch.clone();
        drop(rt.spawn_remote(async move { latch.count_down() }));
    }
    rt.block_on(latch.wait());
}

/// From inside a task, spawns `tasks` tasks that each call `yield_now`
/// `yields` times, and waits for all of them.
pub fn yield_many<R: BenchRuntime>(rt: &R, tasks: usize, yields: usize) {
    let latch = Arc::new(Latch::new(tasks));
    let spawner_latch = latch.clone();
    rt.block_on(async move {
        drop(R::spawn(async move {
            for _ in 0..tasks {
                let latch = spawner_latch.clone();
                drop(R::spawn(async move {
                    for _ in 0..yields {
                        R::yield_now().await;
                    }
                    latch.count_down();
                }));
            }
        }));
        latch.wait().await;
    });
}

/// Two spawned tasks pass a counter back and forth `round_trips` times over
/// two unbounded `futures` channels.
pub fn ping_pong<R: BenchRuntime>(rt: &R, round_trips: usize) {
    rt.block_on(async move {
        let (ping_tx, mut ping_rx) = mpsc::unbounded::<usize>();
        let (pong_tx, mut pong_rx) = mpsc::unbounded::<usize>();
        let ponger = R::spawn(async move {
            while let Some(x) = ping_rx.next().await {
                if pong_tx.unbounded_send(x + 1).is_err() {
                    break;
                }
            }
        });
        let pinger = R::spawn(async move {
            let mut x = 0;
            for _ in 0..round_trips {
                ping_tx.unbounded_send(x).expect("ponger alive");
                x = pong_rx.next().await.expect("ponger alive");
            }
            x
        });
        let x = pinger.await.expect("pinger panicked");
        assert_eq!(x, round_trips);
        ponger.await.expect("ponger panicked");
    });
}

/// A chain of `length` tasks, each spawning the next; the last one opens
/// the latch the root waits on.
pub fn chained_spawn<R: BenchRuntime>(rt: &R, length: usize) {
    fn link<R: BenchRuntime>(left: usize, latch: Arc<Latch>) {
        if left == 0 {
            latch.count_down();
        } else {
            drop(R::spawn(async move { link::<R>(left - 1, latch) }));
        }
    }
    let latch = Arc::new(Latch::new(1));
    let first = latch.clone();
    rt.block_on(async move {
        drop(R::spawn(async move { link::<R>(length - 1, first) }));
        latch.wait().await;
    });
}

/// One task spawns `tasks` CPU-bound tasks, each summing `i * i` (wrapping)
/// over `values` values, and awaits them all; returns the combined sum.
pub fn cpu_imbalance<R: BenchRuntime>(rt: &R, tasks: usize, values: u64) -> u64 {
    rt.block_on(async move {
        R::spawn(async move {
            let handles: Vec<_> = (0..tasks)
                .map(|_| R::spawn(async move { sum_squares(values) }))
                .collect();
            let mut total = 0u64;
            for h in handles {
                total = total.wrapping_add(h.await.expect("cpu task panicked"));
            }
            total
        })
        .await
        .expect("spawner panicked")
    })
}

/// `Σ i*i` for `i in 0..n`, wrapping, with `black_box` on every term so the
/// loop is neither vectorized nor folded into a closed form.
///
/// Never inlined: both runtimes then run the very same machine code.
/// Inlined into each runtime's task, the loop's placement differed between
/// the two copies, and a tight loop's speed depends on its alignment: the
/// same build measured one copy 1.5× slower than the other, whichever
/// runtime it belonged to.
#[inline(never)]
pub fn sum_squares(n: u64) -> u64 {
    let mut acc = 0u64;
    for i in 0..n {
        let i = black_box(i);
        acc = acc.wrapping_add(i.wrapping_mul(i));
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtimes::Tokio;

    #[test]
    fn sum_squares_matches_closed_form() {
        let n = 1000u64;
        assert_eq!(sum_squares(n), (n - 1) * n * (2 * n - 1) / 6);
    }

    #[test]
    fn every_workload_completes_on_tokio_at_small_scale() {
        let rt = Tokio::build(2).unwrap();
        for w in Scheduler::ALL {
            w.run_on(&rt, 0.01);
        }
        assert_eq!(
            cpu_imbalance(&rt, 3, 1000),
            sum_squares(1000).wrapping_mul(3)
        );
    }

    #[test]
    fn ops_counts_follow_scale() {
        assert_eq!(Scheduler::SpawnMany.ops_per_iter(1.0), Some(100_000));
        assert_eq!(Scheduler::SpawnMany.ops_per_iter(0.5), Some(50_000));
        assert_eq!(Scheduler::YieldMany.ops_per_iter(1.0), Some(200_000));
        assert_eq!(Scheduler::CpuImbalance.ops_per_iter(1.0), None);
    }
}
