//! `SharedFd::close` waits for the other handles and is woken by the last
//! one's release, even when the closer is polled in the middle of that
//! release (from inside the wake, as a closer on another thread may be).
mod common;

use common::{block_on, pipe};
use ringbolt_reactor::{Reactor, SharedFd};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

type CloseFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

/// Records a wake.
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A waker that, when woken, polls the close future at once with the
/// `Flag` waker: the closer runs while the releasing handle is still
/// inside its drop.
struct PollOnWake {
    fut: Arc<Mutex<Option<CloseFuture>>>,
    flag: Arc<Flag>,
    result: Arc<Mutex<Option<io::Result<()>>>>,
}

impl Wake for PollOnWake {
    fn wake(self: Arc<Self>) {
        let mut slot = self.fut.lock().unwrap();
        if let Some(fut) = slot.as_mut() {
            let waker = Waker::from(self.flag.clone());
            if let Poll::Ready(res) = fut.as_mut().poll(&mut Context::from_waker(&waker)) {
                *self.result.lock().unwrap() = Some(res);
                *slot = None;
            }
        }
    }
}

#[test]
fn close_is_woken_when_polled_during_the_last_release() {
    let reactor = Reactor::new(&Default::default()).unwrap();
    block_on(&reactor, async {
        let (r, _w) = pipe();
        let fd = SharedFd::new(r);
        // Stands for an op still in flight on the descriptor.
        let op_handle = fd.clone();

        let fut: Arc<Mutex<Option<CloseFuture>>> = Arc::new(Mutex::new(Some(Box::pin(fd.close()))));
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let result = Arc::new(Mutex::new(None));
        let outer = Waker::from(Arc::new(PollOnWake {
            fut: fut.clone(),
            flag: flag.clone(),
            result: result.clone(),
        }));
        {
            let mut slot = fut.lock().unwrap();
            let poll = slot
                .as_mut()
                .unwrap()
                .as_mut()
                .poll(&mut Context::from_waker(&outer));
            assert!(
                poll.is_pending(),
                "another handle is alive: close must wait"
            );
        }

        // The op ends: its release wakes the closer, which is polled
        // from inside the wake.
        drop(op_handle);

        // The closer must now be done, or be waiting on something that
        // will wake it (the close op's completion).
        let deadline = Instant::now() + Duration::from_secs(10);
        while result.lock().unwrap().is_none() {
            assert!(
                Instant::now() < deadline,
                "the closer was left pending with nobody to wake it"
            );
            if flag.0.swap(false, Ordering::SeqCst) {
                let mut slot = fut.lock().unwrap();
                let waker = Waker::from(flag.clone());
                let fut = slot.as_mut().expect("the result is not in yet");
                if let Poll::Ready(res) = fut.as_mut().poll(&mut Context::from_waker(&waker)) {
                    *result.lock().unwrap() = Some(res);
                    *slot = None;
                }
            } else {
                // Let the reactor reap (the close op's CQE).
                ringbolt_reactor::time::sleep(Duration::from_millis(1)).await;
            }
        }
        result.lock().unwrap().take().unwrap().unwrap();
    });
}

/// Two clones closing at once: one closes, the other is told when the
/// descriptor is handed over (they used to wait for each other forever).
#[test]
fn clones_closing_together_both_finish() {
    let (tx, rx) = std::sync::mpsc::channel();
    // On its own thread, so a hang fails the test instead of stalling it.
    std::thread::spawn(move || {
        let reactor = Reactor::new(&Default::default()).unwrap();
        let res = block_on(&reactor, async {
            let (r, _w) = pipe();
            let a = SharedFd::new(r);
            let b = a.clone();
            futures_util::join!(a.close(), b.close())
        });
        let _ = tx.send(res);
    });
    let (ra, rb) = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("two closes of one descriptor never finished");
    ra.unwrap();
    rb.unwrap();
}

/// A close that is dropped while it waits leaves the descriptor to the last
/// release, which closes it (nothing leaks).
#[test]
fn a_dropped_close_still_closes_on_the_last_release() {
    use std::io::Write;
    let (r, w) = pipe();
    let fd = SharedFd::new(r);
    let op_handle = fd.clone();
    let mut close = Box::pin(fd.close());
    let poll = close.as_mut().poll(&mut Context::from_waker(Waker::noop()));
    assert!(poll.is_pending());
    drop(close);
    let mut w = std::fs::File::from(w);
    w.write_all(b"x").expect("the read end is still open");
    drop(op_handle);
    let e = w.write_all(b"x").unwrap_err();
    assert_eq!(
        e.kind(),
        io::ErrorKind::BrokenPipe,
        "the read end was closed"
    );
}
