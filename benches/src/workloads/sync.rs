//! Sync-primitive workloads: ringbolt's `sync` against tokio's, each on its
//! own runtime with the same worker count.
//!
//! The same task bodies run on both sides (one macro expands them over
//! `ringbolt::sync` and `tokio::sync`), so only the primitives and the
//! scheduler differ.

use std::future::Future;
use std::sync::Arc;

use super::{scaled, Sample, Workload};
use crate::runtimes::{AnyRuntime, BenchRuntime, Ringbolt, Tokio};

/// Messages per iteration of the mpsc workloads (split over the producers).
pub const MPSC_MESSAGES: usize = 200_000;
/// Capacity of the bounded channel.
pub const MPSC_CAPACITY: usize = 1024;
/// Tasks contending for the mutex or the semaphore.
pub const CONTENDING_TASKS: usize = 8;
/// Lock (or acquire) cycles per contending task.
pub const CYCLES_PER_TASK: usize = 20_000;
/// Permits of the semaphore in `semaphore`.
pub const SEMAPHORE_PERMITS: usize = 4;

/// The sync primitives of one runtime, as the workloads use them.
pub trait SyncRuntime: BenchRuntime {
    /// `producers` tasks send `per_producer` messages each into one bounded
    /// channel; the returned future receives them all.
    fn mpsc(producers: usize, per_producer: usize) -> impl Future<Output = u64> + Send;
    /// `tasks` tasks each lock and increment a shared counter `cycles` times.
    fn mutex(tasks: usize, cycles: usize) -> impl Future<Output = u64> + Send;
    /// `tasks` tasks each acquire and release one of `permits` permits
    /// `cycles` times, yielding while holding it.
    fn semaphore(tasks: usize, permits: usize, cycles: usize) -> impl Future<Output = ()> + Send;
}

macro_rules! sync_runtime {
    ($rt:ty, $sync:path, $spawn:path, $yield_now:path) => {
        impl SyncRuntime for $rt {
            fn mpsc(producers: usize, per_producer: usize) -> impl Future<Output = u64> + Send {
                use $sync as sync;
                async move {
                    let (tx, mut rx) = sync::mpsc::channel::<u64>(MPSC_CAPACITY);
                    for p in 0..producers {
                        let tx = tx.clone();
                        $spawn(async move {
                            for i in 0..per_producer {
                                if tx.send((p * per_producer + i) as u64).await.is_err() {
                                    panic!("receiver dropped");
                                }
                            }
                        });
                    }
                    drop(tx);
                    let mut sum = 0u64;
                    while let Some(v) = rx.recv().await {
                        sum = sum.wrapping_add(v);
                    }
                    sum
                }
            }

            fn mutex(tasks: usize, cycles: usize) -> impl Future<Output = u64> + Send {
                use $sync as sync;
                async move {
                    let counter = Arc::new(sync::Mutex::new(0u64));
                    let handles: Vec<_> = (0..tasks)
                        .map(|_| {
                            let counter = Arc::clone(&counter);
                            $spawn(async move {
                                for _ in 0..cycles {
                                    *counter.lock().await += 1;
                                }
                            })
                        })
                        .collect();
                    for h in handles {
                        h.await.expect("mutex task");
                    }
                    let total = *counter.lock().await;
                    total
                }
            }

            fn semaphore(
                tasks: usize,
                permits: usize,
                cycles: usize,
            ) -> impl Future<Output = ()> + Send {
                use $sync as sync;
                async move {
                    let sem = Arc::new(sync::Semaphore::new(permits));
                    let handles: Vec<_> = (0..tasks)
                        .map(|_| {
                            let sem = Arc::clone(&sem);
                            $spawn(async move {
                                for i in 0..cycles {
                                    let permit = sem.acquire().await.expect("semaphore open");
                                    if i % 16 == 0 {
                                        $yield_now().await;
                                    }
                                    drop(permit);
                                }
                            })
                        })
                        .collect();
                    for h in handles {
                        h.await.expect("semaphore task");
                    }
                }
            }
        }
    };
}

sync_runtime!(
    Ringbolt,
    ringbolt::sync,
    ringbolt::spawn,
    ringbolt::task::yield_now
);
sync_runtime!(Tokio, tokio::sync, tokio::spawn, tokio::task::yield_now);

/// The sync workloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sync {
    /// One producer, one consumer, bounded channel.
    Mpsc1,
    /// Eight producers, one consumer, bounded channel.
    Mpsc8,
    /// Eight tasks incrementing one counter behind an async mutex.
    Mutex,
    /// Eight tasks sharing four semaphore permits.
    Semaphore,
}

impl Sync {
    /// Every sync workload, in report order.
    pub const ALL: [Sync; 4] = [Sync::Mpsc1, Sync::Mpsc8, Sync::Mutex, Sync::Semaphore];

    /// Runs one iteration on `rt` (from a task, as user code would).
    pub fn run_on<R: SyncRuntime>(self, rt: &R, scale: f64) -> Sample {
        let n = scaled(MPSC_MESSAGES, scale);
        let cycles = scaled(CYCLES_PER_TASK, scale);
        Sample::time(|| match self {
            Sync::Mpsc1 => {
                let sum = rt
                    .block_on(rt.spawn_remote(R::mpsc(1, n)))
                    .expect("mpsc task");
                assert_eq!(sum, (n as u64 - 1) * n as u64 / 2);
            }
            Sync::Mpsc8 => {
                let per = n / 8;
                let total = (8 * per) as u64;
                let sum = rt
                    .block_on(rt.spawn_remote(R::mpsc(8, per)))
                    .expect("mpsc task");
                assert_eq!(sum, (total - 1) * total / 2);
            }
            Sync::Mutex => {
                let total = rt
                    .block_on(rt.spawn_remote(R::mutex(CONTENDING_TASKS, cycles)))
                    .expect("mutex task");
                assert_eq!(total, (CONTENDING_TASKS * cycles) as u64);
            }
            Sync::Semaphore => {
                rt.block_on(rt.spawn_remote(R::semaphore(
                    CONTENDING_TASKS,
                    SEMAPHORE_PERMITS,
                    cycles,
                )))
                .expect("semaphore task");
            }
        })
    }
}

impl Workload for Sync {
    fn name(&self) -> &'static str {
        match self {
            Sync::Mpsc1 => "mpsc_1_producer",
            Sync::Mpsc8 => "mpsc_8_producers",
            Sync::Mutex => "mutex_contended",
            Sync::Semaphore => "semaphore",
        }
    }

    fn family(&self) -> &'static str {
        "sync"
    }

    fn description(&self) -> &'static str {
        match self {
            Sync::Mpsc1 => "200k messages, 1 producer task, bounded(1024) channel",
            Sync::Mpsc8 => "200k messages, 8 producer tasks, bounded(1024) channel",
            Sync::Mutex => "8 tasks x 20k lock-increment cycles on one async mutex",
            Sync::Semaphore => "8 tasks x 20k acquire/release of 4 permits",
        }
    }

    fn ops_per_iter(&self, scale: f64) -> Option<u64> {
        Some(match self {
            Sync::Mpsc1 | Sync::Mpsc8 => scaled(MPSC_MESSAGES, scale) as u64,
            Sync::Mutex | Sync::Semaphore => {
                (CONTENDING_TASKS * scaled(CYCLES_PER_TASK, scale)) as u64
            }
        })
    }

    fn run(&self, rt: &AnyRuntime, scale: f64) -> Sample {
        crate::with_runtime!(rt, |r| self.run_on(r, scale))
    }
}

/// The sync workloads as registry entries.
pub fn all() -> Vec<Box<dyn Workload>> {
    Sync::ALL
        .iter()
        .map(|&w| Box::new(w) as Box<dyn Workload>)
        .collect()
}
