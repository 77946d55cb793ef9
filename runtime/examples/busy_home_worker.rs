//! Measures what happens to an op whose home worker is busy.
//!
//! A task submits a read on a pipe (so the op's home is its worker's ring)
//! and waits. A second task then spins for 100 ms in one poll on that same
//! worker while a foreign thread writes the pipe 10 ms in. The other worker
//! sees the busy one's beats stand still, submits what its ring had queued,
//! reaps the read's completion and runs the waiting task, so it resumes
//! shortly after the write instead of when the spin ends. The comparison
//! binary's `busy_home_read` workload measures the same against tokio.
//!
//! Run: `cargo run --release -p ringbolt --example busy_home_worker`

use std::io::Write;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ringbolt_reactor::op::Read;
use ringbolt_reactor::{submit, SharedFd};

fn main() -> std::io::Result<()> {
    let rt = ringbolt::runtime::Builder::new()
        .worker_threads(2)
        .build()?;
    let mut delays = Vec::new();
    let mut attempts = 0;
    while delays.len() < 10 && attempts < 100 {
        attempts += 1;
        let (r, w) = std::io::pipe()?;
        let (ready_tx, ready_rx) = mpsc::channel();
        let waiter = rt.spawn(async move {
            let fd = SharedFd::new(r.into());
            let mut op = Box::pin(submit(Read::new(&fd, vec![0u8; 8], u64::MAX)));
            assert!(futures::poll!(op.as_mut()).is_pending());
            let home = ringbolt::task::worker_index().unwrap();
            // The hog goes to this worker's queue; it runs here unless stolen.
            let hog = ringbolt::spawn(async move {
                let start = Instant::now();
                while start.elapsed() < Duration::from_millis(100) {
                    std::hint::spin_loop();
                }
                ringbolt::task::worker_index().unwrap()
            });
            ready_tx.send(()).unwrap();
            let _ = op.await;
            let resumed = Instant::now();
            (home, hog.await.unwrap(), resumed)
        });
        ready_rx.recv().unwrap();
        std::thread::sleep(Duration::from_millis(10));
        let written = Instant::now();
        {
            let mut w = w;
            w.write_all(b"x")?;
        }
        let (home, hog_worker, resumed) = rt.block_on(waiter).unwrap();
        if home == hog_worker {
            delays.push(resumed - written);
        }
    }
    delays.sort();
    println!(
        "op completed while its home worker spun 100 ms: task resumed after median {:?} (min {:?}, max {:?}, {} samples)",
        delays[delays.len() / 2],
        delays[0],
        delays[delays.len() - 1],
        delays.len()
    );
    Ok(())
}
