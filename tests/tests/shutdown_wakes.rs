//! Shutting a runtime down while its tasks wake each other from their
//! destructors. A channel's sender dropped with its task wakes the task
//! waiting on the receiver while the channel holds its lock; that task's
//! future must not be dropped right there (its destructor needs the same
//! lock to leave the channel's wait list), or the shutdown deadlocks.

use std::sync::mpsc;
use std::time::Duration;

/// Runs `f` on a thread and fails if it has not returned within `limit`
/// (a deadlock would otherwise hang the test binary).
fn within(limit: Duration, f: impl FnOnce() + Send + 'static) {
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        f();
        let _ = done_tx.send(());
    });
    assert!(
        done_rx.recv_timeout(limit).is_ok(),
        "the runtime's shutdown did not finish in {limit:?} (deadlocked?)"
    );
}

#[test]
fn a_wake_from_a_dropped_task_under_a_lock_does_not_deadlock_shutdown() {
    for workers in [1, 2] {
        within(Duration::from_secs(20), move || {
            for _ in 0..20 {
                let rt = ringbolt::runtime::Builder::new()
                    .worker_threads(workers)
                    .build()
                    .unwrap();
                let (ready_tx, ready_rx) = mpsc::channel();
                rt.block_on(async move {
                    let (tx, mut rx) = ringbolt::sync::mpsc::channel::<u32>(1);
                    let ready = ready_tx.clone();
                    // Holds the only sender, pending for ever: dropping it at
                    // shutdown closes the channel and wakes the receiver.
                    ringbolt::spawn(async move {
                        let _tx = tx;
                        let _ = ready.send(());
                        std::future::pending::<()>().await;
                    });
                    // Waits on the receiver: its future holds a listener in
                    // the channel's wait list.
                    ringbolt::spawn(async move {
                        let mut recv = Box::pin(rx.recv());
                        assert!(futures::poll!(recv.as_mut()).is_pending());
                        let _ = ready_tx.send(());
                        let _ = recv.await;
                    });
                });
                ready_rx.recv().unwrap();
                ready_rx.recv().unwrap();
                drop(rt);
            }
        });
    }
}
