//! Park/unpark token semantics across threads, for each wake mechanism.
mod common;

use ringbolt_reactor::{Reactor, RingConfig, WakeMechanism};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[test]
fn unpark_before_park_returns_at_once() {
    for mech in [WakeMechanism::MsgRing, WakeMechanism::EventFd] {
        let reactor = Reactor::with_wake_mechanism(&RingConfig::default(), mech).unwrap();
        let t = Instant::now();
        reactor.unparker().unpark();
        reactor.park(Some(Duration::from_secs(10)));
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "token lost ({mech:?})"
        );
        // The token is consumed: the next park times out.
        let t = Instant::now();
        reactor.park(Some(Duration::from_millis(30)));
        assert!(
            t.elapsed() >= Duration::from_millis(25),
            "token not consumed ({mech:?})"
        );
    }
}

/// 10,000 rounds of "other thread unparks, owner parks with no timeout":
/// a lost unpark would hang the test.
#[test]
fn ten_thousand_cross_thread_rounds() {
    for mech in [WakeMechanism::MsgRing, WakeMechanism::EventFd] {
        let reactor = Reactor::with_wake_mechanism(&RingConfig::default(), mech).unwrap();
        let unparker = reactor.unparker();
        let sent = Arc::new(AtomicU64::new(0));
        let seen = Arc::new(AtomicU64::new(0));
        let (sent2, seen2) = (sent.clone(), seen.clone());
        let other = std::thread::spawn(move || {
            for i in 1..=10_000u64 {
                sent2.store(i, Ordering::SeqCst);
                unparker.unpark();
                while seen2.load(Ordering::SeqCst) < i {
                    std::hint::spin_loop();
                }
            }
        });
        for i in 1..=10_000u64 {
            while sent.load(Ordering::SeqCst) < i {
                reactor.park(None);
            }
            seen.store(i, Ordering::SeqCst);
        }
        other.join().unwrap();
        let m = reactor.metrics().snapshot();
        assert!(m.unparks_sent <= 10_000);
        assert_eq!(reactor.wake_mechanism(), mech);
    }
}
