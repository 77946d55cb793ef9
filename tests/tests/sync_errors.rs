//! Bad use of the sync primitives gives a clear error, not a hang.

use std::sync::Arc;

use ringbolt::sync::{broadcast, mpsc, oneshot, watch, Semaphore, TryAcquireError};

fn rt() -> ringbolt::Runtime {
    ringbolt::runtime::Builder::new()
        .worker_threads(2)
        .build()
        .expect("io_uring runtime")
}

#[test]
fn send_on_closed_channels_returns_the_value() {
    rt().block_on(async {
        let (tx, rx) = mpsc::channel::<String>(4);
        drop(rx);
        assert!(tx.is_closed());
        let err = tx.send("lost".to_string()).await.unwrap_err();
        assert_eq!(err.0, "lost");
        assert!(matches!(tx.try_send("x".into()), Err(mpsc::TrySendError::Closed(v)) if v == "x"));

        let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
        rx.close();
        assert_eq!(tx.send(9).unwrap_err().0, 9);
        assert_eq!(rx.recv().await, None);

        let (tx, rx) = oneshot::channel::<u8>();
        drop(rx);
        assert_eq!(tx.send(3), Err(3));

        let (tx, rx) = broadcast::channel::<u8>(2);
        drop(rx);
        assert_eq!(tx.send(4).unwrap_err().0, 4);
        let mut rx = tx.subscribe();
        assert_eq!(tx.send(5), Ok(1));
        assert_eq!(rx.recv().await, Ok(5));

        let (tx, rx) = watch::channel(0u8);
        drop(rx);
        assert_eq!(tx.send(6).unwrap_err().0, 6);
    });
}

#[test]
fn recv_on_dropped_senders_errors() {
    rt().block_on(async {
        let (tx, rx) = oneshot::channel::<u8>();
        let waiter = ringbolt::spawn(rx);
        ringbolt::time::sleep(std::time::Duration::from_millis(5)).await;
        drop(tx);
        let err = waiter.await.unwrap().unwrap_err();
        assert!(err.to_string().contains("dropped"), "{err}");

        let (tx, mut rx) = oneshot::channel::<u8>();
        assert_eq!(rx.try_recv(), Err(oneshot::TryRecvError::Empty));
        drop(tx);
        assert_eq!(rx.try_recv(), Err(oneshot::TryRecvError::Closed));

        let (tx, mut rx) = mpsc::channel::<u8>(1);
        tx.send(1).await.unwrap();
        drop(tx);
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, None);

        let (tx, mut rx) = watch::channel(0u8);
        drop(tx);
        assert!(rx.changed().await.is_err());
        assert_eq!(*rx.borrow(), 0);
    });
}

#[test]
fn broadcast_lagging_receiver_is_told_how_many_it_missed() {
    rt().block_on(async {
        let (tx, mut rx) = broadcast::channel(2);
        for i in 0..5 {
            tx.send(i).unwrap();
        }
        assert_eq!(rx.recv().await, Err(broadcast::RecvError::Lagged(3)));
        assert_eq!(rx.recv().await, Ok(3));
        assert_eq!(rx.recv().await, Ok(4));
        drop(tx);
        assert_eq!(rx.recv().await, Err(broadcast::RecvError::Closed));
    });
}

#[test]
fn acquiring_a_closed_semaphore_errors() {
    rt().block_on(async {
        let sem = Arc::new(Semaphore::new(1));
        let held = sem.acquire().await.unwrap();
        // A waiter already queued is woken by close and fails.
        let s = Arc::clone(&sem);
        let waiter = ringbolt::spawn(async move { s.acquire_owned().await.map(drop) });
        ringbolt::time::sleep(std::time::Duration::from_millis(5)).await;
        sem.close();
        let err = waiter.await.unwrap().unwrap_err();
        assert_eq!(err.to_string(), "semaphore closed");
        assert!(sem.acquire().await.is_err());
        assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
        drop(held);
        assert!(Arc::clone(&sem).acquire_owned().await.is_err());
    });
}

#[test]
fn notify_one_before_wait_stores_one_permit() {
    rt().block_on(async {
        let notify = ringbolt::sync::Notify::new();
        notify.notify_one();
        notify.notify_one(); // permits do not add up
        notify.notified().await;
        let second =
            ringbolt::time::timeout(std::time::Duration::from_millis(20), notify.notified()).await;
        assert!(second.is_err(), "a second permit was stored");
        // notify_waiters stores nothing but wakes futures created before it.
        let early = notify.notified();
        notify.notify_waiters();
        early.await;
    });
}
