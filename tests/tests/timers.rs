//! Timers at scale: a million sleeps, a million dropped timeouts, and the
//! never-early rule.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use ringbolt::time::{sleep, timeout};

#[test]
fn a_million_concurrent_sleeps_complete() {
    const N: usize = 1_000_000;
    let rt = ringbolt::runtime::Builder::new()
        .worker_threads(2)
        .build()
        .unwrap();
    let done = Arc::new(AtomicUsize::new(0));
    let d = Arc::clone(&done);
    rt.block_on(async move {
        let deadline = Instant::now() + Duration::from_millis(200);
        let tasks: Vec<_> = (0..N)
            .map(|i| {
                let d = Arc::clone(&d);
                ringbolt::spawn(async move {
                    // Spread the deadlines over 50 ms after a common start.
                    ringbolt::time::sleep_until(
                        deadline + Duration::from_micros((i % 50_000) as u64),
                    )
                    .await;
                    assert!(Instant::now() >= deadline);
                    d.fetch_add(1, Ordering::Relaxed);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(done.load(Ordering::Relaxed), N);
    assert_eq!(timers_pending(rt.handle()), 0);
}

#[test]
fn sleeps_dropped_on_another_thread_leave_the_wheel() {
    for (name, rt) in runtimes(2) {
        let h = rt.handle().clone();
        let sleeps = rt
            .block_on(rt.spawn(async {
                let mut v = Vec::new();
                for _ in 0..10_000 {
                    let mut s = Box::pin(sleep(Duration::from_secs(60)));
                    assert!(futures::poll!(s.as_mut()).is_pending());
                    v.push(s);
                }
                v
            }))
            .unwrap();
        assert_eq!(timers_pending(&h), 10_000, "{name}");
        std::thread::spawn(move || drop(sleeps)).join().unwrap();
        // The home workers remove them on their next turn; nudge them.
        rt.block_on(async {
            for _ in 0..4 {
                ringbolt::spawn(async {}).await.unwrap();
            }
        });
        assert!(
            eventually(2000, || timers_pending(&h) == 0),
            "{name}: {} timers left after a cross-thread drop",
            timers_pending(&h)
        );
    }
}

#[test]
fn a_10ms_sleep_never_wakes_early() {
    let rt = ringbolt::runtime::Builder::new()
        .worker_threads(2)
        .build()
        .unwrap();
    let mut overshoots: Vec<Duration> = rt.block_on(async {
        let mut v = Vec::new();
        for _ in 0..30 {
            let t = ringbolt::spawn(async {
                let start = Instant::now();
                sleep(Duration::from_millis(10)).await;
                start.elapsed()
            });
            let elapsed = t.await.unwrap();
            assert!(
                elapsed >= Duration::from_millis(10),
                "woke after {elapsed:?}"
            );
            v.push(elapsed - Duration::from_millis(10));
        }
        v
    });
    overshoots.sort();
    // Reported, not asserted: this machine is shared and noisy.
    println!(
        "10 ms sleep: median overshoot {:?}",
        overshoots[overshoots.len() / 2]
    );
}

#[test]
fn timeout_and_interval_behave_like_tokio() {
    let rt = ringbolt::Runtime::new().unwrap();
    rt.block_on(async {
        assert_eq!(timeout(Duration::from_secs(5), async { 3 }).await, Ok(3));
        let err = timeout(Duration::from_millis(5), sleep(Duration::from_secs(60)))
            .await
            .unwrap_err();
        assert_eq!(
            std::io::Error::from(err).kind(),
            std::io::ErrorKind::TimedOut
        );

        let start = Instant::now();
        let mut iv = ringbolt::time::interval(Duration::from_millis(5));
        let t0 = iv.tick().await; // first tick at once
        let t1 = iv.tick().await;
        let t2 = iv.tick().await;
        assert!(
            t0 >= start
                && t1 - t0 == Duration::from_millis(5)
                && t2 - t1 == Duration::from_millis(5)
        );
        assert!(Instant::now() >= t2);
    });
}
