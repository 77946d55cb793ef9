//! Task jobs: spawn and abort churn, `JoinSet`, `TaskGroup`, sleeps and
//! timeouts, `spawn_blocking`.

use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use ringbolt::task::{JoinSet, TaskGroup};
use ringbolt::time::{sleep, timeout};

use crate::{cut, fill, pattern, Stats};

/// Spawn and abort churn, `JoinSet::abort_all`, a failing `TaskGroup`.
pub(crate) async fn churn(job: u64, stats: &Stats) {
    let mut rng = fastrand::Rng::with_seed(job);
    // Single tasks, some aborted idle or running.
    let mut handles = Vec::new();
    for i in 0..rng.u64(1..32) {
        let d = cut(&mut rng, 2000);
        let spin = rng.u8(0..8) == 0;
        handles.push((
            i,
            ringbolt::spawn(async move {
                if spin {
                    let start = Instant::now();
                    while start.elapsed() < Duration::from_micros(200) {
                        std::hint::spin_loop();
                    }
                }
                sleep(d).await;
                i * 3
            }),
        ));
    }
    let abort_after = cut(&mut rng, 1000);
    sleep(abort_after).await;
    let mut aborted = 0;
    for (i, h) in handles {
        let abort = rng.bool();
        if abort {
            h.abort();
        }
        match h.await {
            Ok(v) => assert_eq!(v, i * 3),
            Err(e) => {
                assert!(abort && e.is_cancelled(), "task {i}: {e:?}");
                aborted += 1;
            }
        }
    }
    // A set, maybe aborted as a whole; tasks that spawn tasks.
    let mut set = JoinSet::new();
    let n = rng.u64(1..16);
    for i in 0..n {
        let d = cut(&mut rng, 1000);
        set.spawn(async move {
            let inner = ringbolt::spawn(async move {
                sleep(d).await;
                i
            });
            inner.await.expect("inner task")
        });
    }
    let abort_all = rng.bool();
    if abort_all {
        sleep(cut(&mut rng, 500)).await;
        set.abort_all();
    }
    let mut sum = 0;
    let mut complete = true;
    while let Some(r) = set.join_next().await {
        match r {
            Ok(i) => sum += i,
            Err(e) => {
                assert!(abort_all && e.is_cancelled(), "{e:?}");
                complete = false;
                aborted += 1;
            }
        }
    }
    if complete {
        assert_eq!(sum, n * (n - 1) / 2);
    }
    // A group: the first failure cancels the siblings.
    let mut group: TaskGroup<u64, u64> = TaskGroup::new();
    let failing = rng.u64(0..6);
    for i in 0..6 {
        let d = cut(&mut rng, 1000);
        group.spawn(async move {
            sleep(d).await;
            if i == failing {
                return Err(i);
            }
            std::future::pending::<()>().await;
            Ok(i)
        });
    }
    let err = group.join().await.expect_err("a task fails");
    assert_eq!(err.errors().copied().collect::<Vec<_>>(), [failing]);
    stats.tasks.fetch_add(n * 2 + 6, Relaxed);
    stats.aborted.fetch_add(aborted, Relaxed);
}

/// Sleeps and timeouts: never shorter than asked.
pub(crate) async fn sleeps(job: u64, stats: &Stats) {
    let mut rng = fastrand::Rng::with_seed(job);
    let mut set = JoinSet::new();
    let n = rng.u64(1..16);
    for _ in 0..n {
        let d = cut(&mut rng, 5000);
        let limit = cut(&mut rng, 5000);
        set.spawn(async move {
            let start = Instant::now();
            match timeout(limit, sleep(d)).await {
                Ok(()) => assert!(start.elapsed() >= d, "a sleep of {d:?} ended early"),
                Err(_) => assert!(start.elapsed() >= limit, "a {limit:?} timeout fired early"),
            }
        });
    }
    while let Some(r) = set.join_next().await {
        r.expect("sleeper");
    }
    stats.sleeps.fetch_add(n, Relaxed);
}

/// Checksums on the blocking pool.
pub(crate) async fn blocking(job: u64, stats: &Stats) {
    let mut rng = fastrand::Rng::with_seed(job);
    let n = rng.u64(1..8);
    let mut set = JoinSet::new();
    for i in 0..n {
        let len = rng.usize(0..256 * 1024);
        set.spawn_blocking(move || {
            let data = fill(job ^ i, 0, len);
            (i, len, data.iter().map(|&b| u64::from(b)).sum::<u64>())
        });
    }
    while let Some(r) = set.join_next().await {
        let (i, len, sum) = r.expect("blocking job");
        let want: u64 = (0..len as u64)
            .map(|o| u64::from(pattern(job ^ i, o)))
            .sum();
        assert_eq!(sum, want, "checksum of {len} bytes");
    }
    stats.blocking.fetch_add(n, Relaxed);
}
