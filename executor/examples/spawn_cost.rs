//! Counts what a spawn and a ping-pong round cost the scheduler alone
//! (thread parkers, no ring), for instruction-count profiling:
//!
//! ```sh
//! cargo build --release -p ringbolt-executor --example spawn_cost
//! valgrind --tool=callgrind target/release/examples/spawn_cost spawn 100000
//! ```
//!
//! `spawn N`: from inside a task, spawn N tasks that each bump a counter
//! and wait for all; `pingpong N`: N round trips between two tasks over a
//! pair of futures channels. Prints the wall time per operation too.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use ringbolt_executor::Executor;

fn main() {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "spawn".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let workers: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(2);
    let ex = Executor::with_thread_parks(workers).expect("executor");
    let handle = ex.handle().clone();
    let start = Instant::now();
    match what.as_str() {
        "spawn" => {
            let done = Arc::new(AtomicUsize::new(0));
            let d = Arc::clone(&done);
            let h = handle.clone();
            handle
                .block_on_thread(handle.spawn(async move {
                    let tasks: Vec<_> = (0..n)
                        .map(|_| {
                            let d = Arc::clone(&d);
                            h.spawn(async move {
                                d.fetch_add(1, Ordering::Relaxed);
                            })
                        })
                        .collect();
                    for t in tasks {
                        t.await.expect("task");
                    }
                }))
                .expect("spawner");
            assert_eq!(done.load(Ordering::Relaxed), n);
        }
        "pingpong" => {
            let (mut a_tx, mut a_rx) = mpsc::channel::<usize>(1);
            let (mut b_tx, mut b_rx) = mpsc::channel::<usize>(1);
            let pong = handle.spawn(async move {
                while let Some(i) = a_rx.next().await {
                    if b_tx.send(i).await.is_err() {
                        break;
                    }
                }
            });
            handle
                .block_on_thread(handle.spawn(async move {
                    for i in 0..n {
                        a_tx.send(i).await.expect("send");
                        assert_eq!(b_rx.next().await, Some(i));
                    }
                }))
                .expect("ping");
            handle.block_on_thread(pong).expect("pong");
        }
        other => panic!("unknown workload {other}: spawn or pingpong"),
    }
    let per_op = start.elapsed() / n as u32;
    println!("{what}: {n} ops on {workers} workers, {per_op:?} per op");
}
