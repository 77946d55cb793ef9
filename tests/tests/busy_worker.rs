//! No completion waits behind a busy worker: a worker stuck in one long poll
//! has its completions delivered (and its queued SQEs submitted) by another
//! worker, and a worker that keeps running a self-yielding hog still turns
//! its ring on time. Each test runs at the default ring size and at SQ 2 /
//! CQ 4.

mod common;

use std::io::Write;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use common::*;
use ringbolt::runtime::Builder;
use ringbolt_reactor::op::Recv;
use ringbolt_reactor::{submit, SharedFd};

/// Spins for `d` in one poll (no yield, no syscall but the clock's).
fn spin(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

/// Writes one byte to `w` (our end's peer) once `go` fires.
fn write_when(go: mpsc::Receiver<()>, w: OwnedFd) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        if go.recv().is_ok() {
            std::fs::File::from(w).write_all(b"x").unwrap();
        }
    })
}

/// A task starts a socket receive (its home: this worker's ring or
/// poller) and pins a hog to the same worker that spins 200 ms in one
/// poll; 20 ms into the spin a foreign thread writes the socket. The
/// receive's completion must reach its task on the other worker before
/// the hog's poll ends. Without the watch (the
/// other worker submitting the stuck ring's queued SQE and reaping its CQ),
/// the task resumes only after the spin.
#[test]
fn a_completion_on_a_stuck_worker_reaches_its_task_on_another_worker() {
    for (name, rt) in runtimes(2) {
        let (r, w) = socket_pair();
        let (go_tx, go_rx) = mpsc::channel();
        let writer = write_when(go_rx, w);
        let report = rt.block_on(rt.spawn(async move {
            let fd = SharedFd::new(r);
            let mut op = Box::pin(submit(Recv::new(&fd, vec![0u8; 8], 0)));
            // First poll: queued on this worker's ring, its home.
            assert!(futures::poll!(op.as_mut()).is_pending());
            let home = ringbolt::task::worker_index().unwrap();
            let hog = ringbolt::task::spawn_local(async move {
                let start = Instant::now();
                let go = std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(20));
                    let _ = go_tx.send(());
                });
                spin(Duration::from_millis(200));
                let end = Instant::now();
                go.join().unwrap();
                (start, end)
            });
            let res = op.await;
            let resumed = Instant::now();
            assert_eq!(res.0.expect("the read"), 1);
            let resumed_on = ringbolt::task::worker_index().unwrap();
            let (hog_start, hog_end) = hog.await.unwrap();
            (home, resumed_on, hog_start, hog_end, resumed)
        }));
        let (home, resumed_on, hog_start, hog_end, resumed) = report.unwrap();
        writer.join().unwrap();
        assert!(
            resumed < hog_end,
            "{name}: the read's task resumed {:?} after the hog started, only when its \
             200 ms poll ended ({:?})",
            resumed - hog_start,
            hog_end - hog_start
        );
        assert_ne!(
            resumed_on, home,
            "{name}: the task resumed on its stuck home worker"
        );
        let helps: u64 = rt
            .handle()
            .metrics()
            .workers
            .iter()
            .map(|w| w.scheduler.helps)
            .sum();
        assert!(helps >= 1, "{name}: no worker helped");
    }
}

/// One worker, a hog that computes in slices and yields between them, and
/// a task waiting for a socket receive that a foreign thread writes while the
/// hog runs. The worker must turn its ring on time: the read's task runs
/// within a few slices of the write, not after 61 of them (the tick count
/// between turns of a worker whose queue never runs dry). Slices of 300 µs
/// exercise the turn on time; slices of 2 ms also the turn before a poll
/// known to run long.
#[test]
fn a_self_yielding_hog_does_not_hold_its_workers_completions() {
    for slice in [Duration::from_micros(300), Duration::from_millis(2)] {
        for (name, rt) in [
            (
                "default rings",
                Builder::new().worker_threads(1).build().unwrap(),
            ),
            (
                "tiny rings (SQ 2, CQ 4)",
                Builder::new()
                    .worker_threads(1)
                    .sq_entries(2)
                    .cq_entries(4)
                    .build()
                    .unwrap(),
            ),
        ] {
            let waited = slices_waited(&rt, slice);
            // The next turn after the write (after the slice running then,
            // or the one after if the CQE landed late in it) wakes the task.
            assert!(
                waited <= 3,
                "{name}, {slice:?} slices: the read's task waited {waited} hog slices \
                 after the write"
            );
        }
    }
}

/// Hog slices between the socket write and the reading task's resumption.
fn slices_waited(rt: &ringbolt::Runtime, slice: Duration) -> u32 {
    let (r, w) = socket_pair();
    let slices = Arc::new(AtomicU32::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let writer_slices = Arc::clone(&slices);
    let writer = std::thread::spawn(move || {
        go_rx.recv().unwrap();
        std::fs::File::from(w).write_all(b"x").unwrap();
        // Counted from here: a writer thread scheduled late costs nothing.
        writer_slices.load(Ordering::SeqCst)
    });
    let (hog_slices, hog_stop) = (Arc::clone(&slices), Arc::clone(&stop));
    let hog = rt.spawn(async move {
        // Bounded: at most 10,000 slices even if the reader hangs.
        for _ in 0..10_000 {
            if hog_stop.load(Ordering::Relaxed) {
                break;
            }
            spin(slice);
            hog_slices.fetch_add(1, Ordering::SeqCst);
            ringbolt::task::yield_now().await;
        }
    });
    let reader_slices = Arc::clone(&slices);
    let reader = rt.spawn(async move {
        let fd = SharedFd::new(r);
        let mut read = Box::pin(submit(Recv::new(&fd, vec![0u8; 8], 0)));
        assert!(futures::poll!(read.as_mut()).is_pending());
        // Let the hog run a few slices, then have the socket written.
        while reader_slices.load(Ordering::Relaxed) < 5 {
            ringbolt::task::yield_now().await;
        }
        go_tx.send(()).unwrap();
        let (res, _) = read.await;
        assert_eq!(res.expect("the read"), 1);
        reader_slices.load(Ordering::SeqCst)
    });
    let resumed_at = rt.block_on(reader).unwrap();
    stop.store(true, Ordering::Relaxed);
    rt.block_on(hog).unwrap();
    let written_at = writer.join().unwrap();
    resumed_at.saturating_sub(written_at)
}
