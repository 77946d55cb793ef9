//! Every primitive under contention from both workers: no lost wake-up, no
//! deadlock. Each test is bounded by a timeout, so a lost wake-up fails
//! instead of hanging.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ringbolt::sync::{broadcast, mpsc, oneshot, watch, Barrier, Mutex, Notify, RwLock, Semaphore};

const ROUNDS: usize = 10_000;
const TASKS: usize = 8;

fn run<F: std::future::Future<Output = ()> + Send + 'static>(f: F) {
    let rt = ringbolt::runtime::Builder::new()
        .worker_threads(2)
        .build()
        .expect("io_uring runtime");
    rt.block_on(async move {
        ringbolt::time::timeout(Duration::from_secs(60), ringbolt::spawn(f))
            .await
            .expect("deadlock or lost wake-up: timed out")
            .unwrap();
    });
}

#[test]
fn mutex_and_rwlock() {
    run(async {
        let m = Arc::new(Mutex::new(0usize));
        let rw = Arc::new(RwLock::new(0usize));
        let tasks: Vec<_> = (0..TASKS)
            .map(|i| {
                let (m, rw) = (Arc::clone(&m), Arc::clone(&rw));
                ringbolt::spawn(async move {
                    for r in 0..ROUNDS / TASKS {
                        *m.lock().await += 1;
                        if (i + r) % 4 == 0 {
                            *rw.write().await += 1;
                        } else {
                            let _ = *rw.read().await;
                        }
                        if r % 16 == 0 {
                            ringbolt::task::yield_now().await;
                        }
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*m.lock().await, ROUNDS / TASKS * TASKS);
    });
}

#[test]
fn semaphore_bounds_concurrency() {
    run(async {
        let sem = Arc::new(Semaphore::new(3));
        let inside = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let (sem, inside) = (Arc::clone(&sem), Arc::clone(&inside));
                ringbolt::spawn(async move {
                    for _ in 0..ROUNDS / TASKS {
                        let _permit = Arc::clone(&sem).acquire_owned().await.unwrap();
                        let n = inside.fetch_add(1, Ordering::SeqCst);
                        assert!(n < 3, "{} holders of 3 permits", n + 1);
                        ringbolt::task::yield_now().await;
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(sem.available_permits(), 3);
    });
}

#[test]
fn mpsc_bounded_and_unbounded() {
    run(async {
        let (tx, mut rx) = mpsc::channel::<usize>(4);
        let (utx, mut urx) = mpsc::unbounded_channel::<usize>();
        for p in 0..TASKS {
            let (tx, utx) = (tx.clone(), utx.clone());
            ringbolt::spawn(async move {
                for i in 0..ROUNDS / TASKS {
                    tx.send(p * ROUNDS + i).await.unwrap();
                    utx.send(i).unwrap();
                }
            });
        }
        drop((tx, utx));
        let (mut n, mut last) = (0, vec![None::<usize>; TASKS]);
        while let Some(v) = rx.recv().await {
            // Per-producer FIFO order.
            let (p, i) = (v / ROUNDS, v % ROUNDS);
            assert!(last[p].is_none_or(|l| l < i));
            last[p] = Some(i);
            n += 1;
        }
        assert_eq!(n, ROUNDS / TASKS * TASKS);
        let mut m = 0;
        while urx.recv().await.is_some() {
            m += 1;
        }
        assert_eq!(m, n);
    });
}

#[test]
fn oneshot_ping_pong() {
    run(async {
        for i in 0..ROUNDS {
            let (tx, rx) = oneshot::channel();
            let (back_tx, back_rx) = oneshot::channel();
            ringbolt::spawn(async move { back_tx.send(rx.await.unwrap() + 1).unwrap() });
            tx.send(i).unwrap();
            assert_eq!(back_rx.await.unwrap(), i + 1);
        }
    });
}

#[test]
fn notify_one_ping_pong() {
    run(async {
        let (ping, pong) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
        let (p, q) = (Arc::clone(&ping), Arc::clone(&pong));
        let other = ringbolt::spawn(async move {
            for _ in 0..ROUNDS {
                p.notified().await;
                q.notify_one();
            }
        });
        for _ in 0..ROUNDS {
            ping.notify_one();
            pong.notified().await;
        }
        other.await.unwrap();
    });
}

#[test]
fn barrier_rounds() {
    run(async {
        let barrier = Arc::new(Barrier::new(4));
        let leaders = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let (barrier, leaders) = (Arc::clone(&barrier), Arc::clone(&leaders));
                ringbolt::spawn(async move {
                    for _ in 0..ROUNDS / 4 {
                        if barrier.wait().await.is_leader() {
                            leaders.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(leaders.load(Ordering::SeqCst), ROUNDS / 4);
    });
}

#[test]
fn watch_and_broadcast_deliver_the_last_value() {
    run(async {
        let (tx, rx) = watch::channel(0usize);
        let (btx, _) = broadcast::channel::<usize>(ROUNDS);
        let watchers: Vec<_> = (0..4)
            .map(|_| {
                let mut rx = rx.clone();
                let mut brx = btx.subscribe();
                ringbolt::spawn(async move {
                    let mut expect = 0;
                    loop {
                        let v = brx.recv().await.unwrap();
                        assert_eq!(v, expect, "broadcast reordered or lost a value");
                        expect += 1;
                        if v == ROUNDS - 1 {
                            break;
                        }
                    }
                    while *rx.borrow_and_update() != ROUNDS {
                        rx.changed().await.unwrap();
                    }
                })
            })
            .collect();
        for i in 0..ROUNDS {
            btx.send(i).unwrap();
            tx.send(i + 1).unwrap();
            if i % 64 == 0 {
                ringbolt::task::yield_now().await;
            }
        }
        for w in watchers {
            w.await.unwrap();
        }
    });
}
