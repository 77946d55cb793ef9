//! Memory of dropped timeouts, alone in its own test binary so that no
//! other test's allocations show up in this process's resident size.

mod common;

use std::time::Duration;

use common::*;
use ringbolt::time::timeout;

#[test]
fn a_million_dropped_60s_timeouts_keep_memory_bounded() {
    // Bound: the timer wheel must not keep dropped entries, so after warm-up
    // a million create/drop cycles may add at most 16 MiB of resident memory
    // (a leak of even 32 bytes per timeout would add 30 MiB), and the wheel
    // ends empty.
    let rt = ringbolt::runtime::Builder::new()
        .worker_threads(2)
        .build()
        .unwrap();
    let h = rt.handle().clone();
    let growth = rt
        .block_on(rt.spawn(async move {
            let one_round = |n: usize| async move {
                for _ in 0..n {
                    let mut t = Box::pin(timeout(
                        Duration::from_secs(60),
                        std::future::pending::<()>(),
                    ));
                    assert!(futures::poll!(t.as_mut()).is_pending());
                }
            };
            one_round(10_000).await; // warm-up: allocator and wheel reach steady state
            let before = rss_kib();
            one_round(1_000_000).await;
            rss_kib().saturating_sub(before)
        }))
        .unwrap();
    assert!(
        growth < 16 * 1024,
        "RSS grew {growth} KiB over a million dropped timeouts"
    );
    assert!(eventually(1000, || timers_pending(&h) == 0));
}
