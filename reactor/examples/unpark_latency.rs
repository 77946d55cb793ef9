//! One-way latency of waking a parked reactor from another thread, for each
//! wake mechanism (and `std::thread::unpark` as a baseline).
//!
//! Run: `cargo run --release -p ringbolt-reactor --example unpark_latency [rounds]`
//!
//! Each round the owner thread parks with no timeout; the other thread waits
//! until the owner has announced the round, sleeps 300 µs so the owner is
//! really asleep in `io_uring_enter`, stamps the time and unparks. The owner
//! measures stamp → return from park.

use ringbolt_reactor::{Reactor, RingConfig, WakeMechanism};
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

fn measure(rounds: u64, mechanism: Option<WakeMechanism>) -> Vec<u64> {
    let base = Instant::now();
    let ready = Arc::new(AtomicU64::new(0));
    let stamp = Arc::new(AtomicU64::new(0));
    let (tx, rx) = mpsc::channel::<Box<dyn Fn() + Send>>();
    let (ready2, stamp2) = (ready.clone(), stamp.clone());
    let waker = std::thread::spawn(move || {
        let unpark = rx.recv().unwrap();
        for i in 1..=rounds {
            while ready2.load(SeqCst) < i {
                std::hint::spin_loop();
            }
            std::thread::sleep(Duration::from_micros(300));
            stamp2.store(base.elapsed().as_nanos() as u64, SeqCst);
            unpark();
        }
    });
    let mut samples = Vec::with_capacity(rounds as usize);
    match mechanism {
        Some(m) => {
            let reactor = Reactor::with_wake_mechanism(&RingConfig::default(), m).unwrap();
            assert_eq!(reactor.wake_mechanism(), m, "{m:?} not supported here");
            let u = reactor.unparker();
            tx.send(Box::new(move || u.unpark())).unwrap();
            for i in 1..=rounds {
                ready.store(i, SeqCst);
                loop {
                    reactor.park(None);
                    let s = stamp.load(SeqCst);
                    if s != 0 {
                        samples.push(base.elapsed().as_nanos() as u64 - s);
                        stamp.store(0, SeqCst);
                        break;
                    }
                }
            }
        }
        None => {
            let me = std::thread::current();
            tx.send(Box::new(move || me.unpark())).unwrap();
            for i in 1..=rounds {
                ready.store(i, SeqCst);
                loop {
                    std::thread::park();
                    let s = stamp.load(SeqCst);
                    if s != 0 {
                        samples.push(base.elapsed().as_nanos() as u64 - s);
                        stamp.store(0, SeqCst);
                        break;
                    }
                }
            }
        }
    }
    waker.join().unwrap();
    samples.sort_unstable();
    samples
}

fn main() {
    let rounds = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000);
    for (name, m) in [
        (
            "IORING_REGISTER_SEND_MSG_RING",
            Some(WakeMechanism::MsgRing),
        ),
        ("eventfd write + armed read", Some(WakeMechanism::EventFd)),
        ("std::thread::unpark (baseline)", None),
    ] {
        let s = measure(rounds, m);
        let pct = |p: usize| s[s.len() * p / 100] as f64 / 1000.0;
        println!(
            "{name:34} median {:7.1} µs  p10 {:7.1}  p90 {:7.1}  ({rounds} rounds)",
            pct(50),
            pct(10),
            pct(90)
        );
    }
}
