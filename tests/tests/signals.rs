//! Signals observed as futures (the process sends them to itself), and
//! `Runtime::shutdown_timeout`.
//!
//! Each test uses its own signal number: handlers are process-wide and the
//! tests of this file run in one process.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ringbolt::signal::{signal, SignalKind};
use ringbolt::time::timeout;

/// Long enough for the slowest machine; a missed signal fails instead of
/// hanging.
const PATIENCE: Duration = Duration::from_secs(20);

#[ringbolt::test]
async fn ctrl_c_is_observed_when_the_process_sends_itself_sigint() {
    // The handler is installed by the call: without it SIGINT's default
    // action ends this test process.
    let ctrl_c = ringbolt::signal::ctrl_c();
    signal_hook::low_level::raise(libc::SIGINT).unwrap();
    timeout(PATIENCE, ctrl_c)
        .await
        .expect("SIGINT was not observed")
        .unwrap();
}

#[ringbolt::test(worker_threads = 2)]
async fn every_listener_sees_sigterm_and_a_dropped_reader_loses_nothing() {
    let mut first = signal(SignalKind::terminate()).unwrap();
    let mut second = signal(SignalKind::terminate()).unwrap();
    // A recv that starts reading, then is dropped mid-read: its ring read
    // stays parked and the next reader must finish it.
    {
        let dropped = first.recv();
        assert!(timeout(Duration::from_millis(20), dropped).await.is_err());
    }
    let waiter = ringbolt::spawn(async move { timeout(PATIENCE, second.recv()).await });
    // Let the waiter start listening (it may also become the reader).
    ringbolt::time::sleep(Duration::from_millis(20)).await;
    signal_hook::low_level::raise(libc::SIGTERM).unwrap();
    timeout(PATIENCE, first.recv())
        .await
        .expect("the first listener missed SIGTERM")
        .unwrap();
    waiter
        .await
        .unwrap()
        .expect("the second listener missed SIGTERM")
        .unwrap();
    // A listener made afterwards waits for the next one.
    let mut late = signal(SignalKind::terminate()).unwrap();
    assert!(timeout(Duration::from_millis(20), late.recv())
        .await
        .is_err());
}

#[ringbolt::test]
async fn signals_that_cannot_be_handled_are_invalid_input() {
    for signum in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, 0, -3, 1000] {
        let err = signal(SignalKind::from_raw(signum)).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{signum}");
    }
}

#[test]
fn shutdown_timeout_returns_while_a_task_holds_its_worker() {
    let rt = ringbolt::runtime::Builder::new()
        .worker_threads(1)
        .build()
        .unwrap();
    let release = Arc::new(AtomicBool::new(false));
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let r = Arc::clone(&release);
    rt.spawn(async move {
        started_tx.send(()).unwrap();
        // One poll that never yields, bounded so the test always ends.
        for _ in 0..60_000 {
            if r.load(Ordering::Acquire) {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    });
    started_rx.recv_timeout(PATIENCE).unwrap();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let finished = rt.shutdown_timeout(Duration::from_millis(50));
        let _ = done_tx.send(finished);
    });
    let finished = done_rx.recv_timeout(PATIENCE);
    release.store(true, Ordering::Release);
    assert_eq!(
        finished,
        Ok(false),
        "shutdown_timeout did not return while the worker was held"
    );
}

#[test]
fn shutdown_timeout_finishes_an_idle_runtime() {
    let rt = ringbolt::Runtime::new().unwrap();
    rt.spawn(ringbolt::time::sleep(Duration::from_secs(3600)));
    assert!(rt.shutdown_timeout(PATIENCE));
}

#[test]
fn a_runtime_with_tasks_waiting_on_a_signal_shuts_down() {
    let rt = ringbolt::runtime::Builder::new()
        .worker_threads(2)
        .build()
        .unwrap();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    for _ in 0..4 {
        let started_tx = started_tx.clone();
        rt.spawn(async move {
            let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
            started_tx.send(()).unwrap();
            let _ = usr1.recv().await;
        });
    }
    for _ in 0..4 {
        started_rx.recv_timeout(PATIENCE).unwrap();
    }
    // One task reads, the others wait for it; shutdown drops them all, and
    // each drop wakes the next waiter.
    std::thread::sleep(Duration::from_millis(50));
    assert!(
        rt.shutdown_timeout(PATIENCE),
        "shutdown hung on the signal's waiters"
    );
}
