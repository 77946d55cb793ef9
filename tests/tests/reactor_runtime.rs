//! The reactor inside the runtime: ops across workers, cancellation from
//! other threads, shutdown with ops in flight. Each test runs at the default
//! ring size and at SQ 2 / CQ 4.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use ringbolt::task::yield_now;
use ringbolt_reactor::op::{Read, Recv};
use ringbolt_reactor::{submit, SharedFd};

type BoxedRead = Pin<Box<dyn Future<Output = ringbolt::buf::BufResult<usize, Vec<u8>>> + Send>>;

#[test]
fn a_stolen_task_gets_its_ops_result() {
    for (name, rt) in runtimes(2) {
        let result = rt.block_on(rt.spawn(async {
            let (r, w) = pipe();
            let fd = SharedFd::new(r);
            let mut op = Box::pin(submit(Read::new(&fd, vec![0u8; 16], u64::MAX)));
            // First poll: submitted on this worker's ring, its home.
            assert!(futures::poll!(op.as_mut()).is_pending());
            let home = ringbolt::task::worker_index().unwrap();
            // Keep the home worker busy in hogs so the other worker steals us.
            let moved = Arc::new(AtomicBool::new(false));
            let mut hops = 0;
            while ringbolt::task::worker_index() == Some(home) {
                hops += 1;
                assert!(hops < 10_000, "the task was never stolen");
                let moved = Arc::clone(&moved);
                ringbolt::spawn(async move {
                    let start = Instant::now();
                    while !moved.load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(2)
                    {
                        std::hint::spin_loop();
                    }
                });
                yield_now().await;
            }
            moved.store(true, Ordering::Relaxed);
            let thief = ringbolt::task::worker_index().unwrap();
            std::io::Write::write_all(&mut std::fs::File::from(w), b"stolen").unwrap();
            let (n, buf) = op.await;
            (home, thief, buf[..n.unwrap()].to_vec())
        }));
        let (home, thief, bytes) = result.unwrap();
        assert_ne!(home, thief, "{name}");
        assert_eq!(bytes, b"stolen", "{name}");
    }
}

#[test]
fn reads_dropped_on_other_threads_are_cancelled_without_leaks() {
    const PIPES: usize = 500;
    const READS_PER_PIPE: usize = 200; // 100,000 reads in flight
    for (name, rt) in runtimes(2) {
        let fds_before = open_fds();
        let h = rt.handle().clone();
        let (tx, rx) = std::sync::mpsc::channel::<Vec<BoxedRead>>();
        let dropper = std::thread::spawn(move || {
            let mut dropped = 0;
            for batch in rx {
                dropped += batch.len();
                drop(batch); // not a home ring: cancels go through mailboxes
            }
            dropped
        });
        let writers = rt.block_on(async move {
            let mut writers = Vec::new();
            let mut tasks = Vec::new();
            for _ in 0..PIPES {
                let (r, w) = socket_pair();
                writers.push(w);
                let tx = tx.clone();
                tasks.push(ringbolt::spawn(async move {
                    let fd = SharedFd::new(r);
                    let mut ops: Vec<BoxedRead> = Vec::with_capacity(READS_PER_PIPE);
                    for _ in 0..READS_PER_PIPE {
                        let mut op: BoxedRead = Box::pin(submit(Recv::new(&fd, vec![0u8; 64], 0)));
                        assert!(futures::poll!(op.as_mut()).is_pending());
                        ops.push(op);
                    }
                    tx.send(ops).unwrap();
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
            writers
        });
        assert_eq!(dropper.join().unwrap(), PIPES * READS_PER_PIPE, "{name}");
        assert!(
            eventually(2000, || ops_in_flight(&h) == 0),
            "{name}: {} ops still in flight after every future was dropped",
            ops_in_flight(&h)
        );
        drop(writers);
        assert!(
            eventually(2000, || open_fds() <= fds_before),
            "{name}: fds leaked: {} before, {} after",
            fds_before,
            open_fds()
        );
        let overflow: u64 = h
            .metrics()
            .workers
            .iter()
            .map(|w| w.ring.sq_full + w.ring.cq_overflow)
            .sum();
        // Ring sizes mean nothing to the readiness driver.
        if name.starts_with("tiny") && h.driver() == ringbolt::runtime::Driver::IoUring {
            assert!(
                overflow > 0,
                "tiny rings never filled: the test did not reach SQ-full / CQ-overflow"
            );
        }
    }
}

#[test]
fn shutdown_with_10k_ops_in_flight_drains_and_frees_everything() {
    for (name, rt) in runtimes(2) {
        let fds_before = open_fds();
        let h = rt.handle().clone();
        let (r, w) = socket_pair();
        rt.block_on(async move {
            let fd = SharedFd::new(r);
            let mut tasks = Vec::new();
            for _ in 0..100 {
                let fd = fd.clone();
                tasks.push(ringbolt::spawn(async move {
                    // Each task keeps 100 reads in flight and waits forever.
                    let ops: Vec<_> = (0..100)
                        .map(|_| Box::pin(submit(Recv::new(&fd, vec![0u8; 32], 0))))
                        .collect();
                    futures::future::join_all(ops).await
                }));
            }
            // Let every task submit.
            while ops_in_flight(&ringbolt::Handle::current()) < 10_000 {
                ringbolt::time::sleep(Duration::from_millis(1)).await;
            }
            for t in tasks {
                drop(t); // detach
            }
        });
        assert!(ops_in_flight(&h) >= 10_000, "{name}");
        drop(rt);
        assert_eq!(ops_in_flight(&h), 0, "{name}: shutdown left ops in flight");
        assert_eq!(
            h.metrics().alive_tasks,
            0,
            "{name}: shutdown left tasks alive"
        );
        drop(w);
        assert!(open_fds() <= fds_before, "{name}: fds leaked by shutdown");
    }
}

#[test]
fn io_polled_outside_a_runtime_panics_with_a_clear_message() {
    let err = std::panic::catch_unwind(|| {
        futures::executor::block_on(ringbolt::time::sleep(Duration::from_millis(1)))
    })
    .unwrap_err();
    let msg = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(msg.contains("outside a ringbolt runtime"), "{msg}");
}

/// A `block_on` future that queues an op and then keeps yielding (waking
/// itself) never lets its thread park, so its queued SQE must be submitted
/// without a park; the op completes and the loop ends. Bounded: 1M yields.
#[test]
fn block_on_a_yielding_future_gets_its_op_submitted() {
    for (name, rt) in runtimes(2) {
        let done = rt.block_on(async {
            let mut op = submit(ringbolt_reactor::op::Nop);
            let waker = std::task::Waker::noop();
            let mut cx = std::task::Context::from_waker(waker);
            for _ in 0..1_000_000 {
                if let std::task::Poll::Ready(res) = Pin::new(&mut op).poll(&mut cx) {
                    res.unwrap();
                    return true;
                }
                yield_now().await;
            }
            false
        });
        assert!(done, "{name}: the NOP was never submitted");
    }
}
