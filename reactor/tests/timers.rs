//! Sleeps: ordering, never early, cross-thread drop, a million sleeps.
mod common;

use common::{block_on, configs};
use ringbolt_reactor::time::{sleep, sleep_until};
use ringbolt_reactor::Reactor;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

#[test]
fn sleeps_end_in_order_and_never_early() {
    for cfg in configs() {
        let reactor = Reactor::new(&cfg).unwrap();
        let _e = reactor.enter();
        let start = Instant::now();
        let delays = [30u64, 1, 17, 5, 0, 45, 2];
        let mut sleeps: Vec<_> = delays
            .iter()
            .map(|&d| (d, sleep(Duration::from_millis(d))))
            .collect();
        let mut order = Vec::new();
        let mut cx = Context::from_waker(Waker::noop());
        let mut pass = 0;
        while !sleeps.is_empty() {
            pass += 1;
            let mut i = 0;
            while i < sleeps.len() {
                if Pin::new(&mut sleeps[i].1).poll(&mut cx).is_ready() {
                    let (d, s) = sleeps.remove(i);
                    assert!(
                        Instant::now() >= s.deadline(),
                        "sleep ended before its deadline"
                    );
                    assert!(
                        start.elapsed() >= Duration::from_millis(d),
                        "{d} ms sleep ended early"
                    );
                    order.push((d, pass));
                } else {
                    i += 1;
                }
            }
            if !sleeps.is_empty() {
                reactor.park(None);
            }
        }
        // A shorter sleep never ends in a later pass than a longer one (two
        // may end in the same pass when the machine is slow).
        let mut by_delay = order.clone();
        by_delay.sort();
        assert!(
            by_delay.windows(2).all(|w| w[0].1 <= w[1].1),
            "out of order: {order:?}"
        );
        assert_eq!(order.len(), delays.len());
        assert_eq!(reactor.metrics().snapshot().timers_pending, 0);
    }
}

#[test]
fn park_wakes_for_the_nearest_timer() {
    let reactor = Reactor::new(&Default::default()).unwrap();
    let t = Instant::now();
    block_on(&reactor, sleep(Duration::from_millis(20)));
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(20) && took < Duration::from_secs(2),
        "{took:?}"
    );
}

#[test]
fn reset_moves_the_deadline() {
    let reactor = Reactor::new(&Default::default()).unwrap();
    let t = Instant::now();
    block_on(&reactor, async {
        let mut s = sleep(Duration::from_secs(3600));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(Pin::new(&mut s).poll(&mut cx).is_pending());
        s.reset(Instant::now() + Duration::from_millis(10));
        s.await;
    });
    assert!(t.elapsed() < Duration::from_secs(60));
}

/// A million 60 s sleeps created and dropped on the home thread: the wheel
/// goes back to empty and its memory does not grow with the churn.
#[test]
fn million_sleeps_created_and_dropped() {
    let reactor = Reactor::new(&Default::default()).unwrap();
    let _e = reactor.enter();
    let metrics = reactor.metrics();
    let mut cx = Context::from_waker(Waker::noop());
    let deadline = Instant::now() + Duration::from_secs(60);
    for _ in 0..1_000_000 {
        let mut s = sleep_until(deadline);
        assert!(Pin::new(&mut s).poll(&mut cx).is_pending());
        drop(s);
    }
    assert_eq!(metrics.snapshot().timers_pending, 0);
    // A million pending at once, then all dropped.
    let mut many: Vec<_> = (0..1_000_000).map(|_| sleep_until(deadline)).collect();
    for s in &mut many {
        assert!(Pin::new(s).poll(&mut cx).is_pending());
    }
    assert_eq!(metrics.snapshot().timers_pending, 1_000_000);
    drop(many);
    assert_eq!(metrics.snapshot().timers_pending, 0);
}

/// A sleep dropped on another thread is removed by its home through the
/// mailbox; only the home touches its wheel.
#[test]
fn sleep_dropped_on_other_thread_leaves_the_wheel() {
    for cfg in configs() {
        let reactor = Reactor::new(&cfg).unwrap();
        let _e = reactor.enter();
        let mut cx = Context::from_waker(Waker::noop());
        let mut sleeps: Vec<_> = (0..100).map(|_| sleep(Duration::from_secs(60))).collect();
        for s in &mut sleeps {
            assert!(Pin::new(s).poll(&mut cx).is_pending());
        }
        assert_eq!(reactor.metrics().snapshot().timers_pending, 100);
        std::thread::spawn(move || drop(sleeps)).join().unwrap();
        reactor.poll();
        assert_eq!(reactor.metrics().snapshot().timers_pending, 0);
    }
}

/// A sleep that moved to another thread's reactor is still woken by its home.
#[test]
fn sleep_polled_elsewhere_is_woken_by_home() {
    let reactor = Reactor::new(&Default::default()).unwrap();
    let mut s = {
        let _e = reactor.enter();
        let mut s = sleep(Duration::from_millis(10));
        assert!(Pin::new(&mut s)
            .poll(&mut Context::from_waker(Waker::noop()))
            .is_pending());
        s
    };
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let other = std::thread::spawn(move || {
        let r2 = Reactor::new(&Default::default()).unwrap();
        let t = Instant::now();
        block_on(&r2, std::future::poll_fn(|cx| Pin::new(&mut s).poll(cx)));
        stop2.store(true, std::sync::atomic::Ordering::SeqCst);
        t.elapsed()
    });
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        reactor.park(Some(Duration::from_millis(5)));
    }
    let took = other.join().unwrap();
    assert!(took < Duration::from_secs(5), "{took:?}");
}
