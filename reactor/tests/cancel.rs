//! Rules 4, 5, 7, 9: cancellation by drop (home thread and mailbox),
//! shutdown draining, fds never leaked, multishot ops, SharedFd::close.
mod common;

use common::{block_on, configs, fd_count, fd_lock, pipe, Counted};
use ringbolt_reactor::op::{OpenAt, PollMulti, Read, TimeoutMulti};
use ringbolt_reactor::{submit, submit_multishot, Reactor, SharedFd};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

fn counted(drops: &Arc<AtomicUsize>) -> Counted {
    Counted {
        buf: Vec::with_capacity(64),
        drops: drops.clone(),
    }
}

fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

fn park_until_idle(reactor: &Reactor) {
    let m = reactor.metrics();
    let start = std::time::Instant::now();
    while m.snapshot().ops_in_flight > 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "ops never drained"
        );
        reactor.park(Some(Duration::from_millis(100)));
    }
}

/// A read on a pipe nobody writes, dropped on its home thread: cancelled,
/// its buffer freed, its cell gone, no fd leaked.
#[test]
fn drop_on_home_thread_cancels() {
    let _fds = fd_lock();
    for cfg in configs() {
        let before = fd_count();
        let drops = Arc::new(AtomicUsize::new(0));
        {
            let reactor = Reactor::new(&cfg).unwrap();
            let _e = reactor.enter();
            let (r, _w) = pipe();
            let r = SharedFd::new(r);
            let mut op = submit(Read::new(&r, counted(&drops), 0));
            assert!(poll_once(&mut op).is_pending());
            reactor.poll();
            assert_eq!(reactor.metrics().snapshot().ops_in_flight, 1);
            drop(op);
            park_until_idle(&reactor);
            assert_eq!(drops.load(Ordering::SeqCst), 1, "buffer not freed");
        }
        assert_eq!(fd_count(), before, "fd leaked");
    }
}

/// The same read dropped on another thread: the cancel travels through the
/// home ring's mailbox and an unpark wakes the parked home thread.
#[test]
fn drop_on_other_thread_cancels_via_mailbox() {
    let _fds = fd_lock();
    for cfg in configs() {
        let before = fd_count();
        let drops = Arc::new(AtomicUsize::new(0));
        {
            let reactor = Reactor::new(&cfg).unwrap();
            let _e = reactor.enter();
            let (r, _w) = pipe();
            let r = SharedFd::new(r);
            let mut op = submit(Read::new(&r, counted(&drops), 0));
            assert!(poll_once(&mut op).is_pending());
            reactor.poll();
            let dropper = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(20));
                drop(op);
            });
            // Sleeps until the dropper's unpark (no timeout: a lost wake hangs).
            while reactor.metrics().snapshot().ops_in_flight > 0 {
                reactor.park(None);
            }
            dropper.join().unwrap();
            assert_eq!(drops.load(Ordering::SeqCst), 1, "buffer not freed");
            assert!(reactor.metrics().snapshot().unparks_sent >= 1);
        }
        assert_eq!(fd_count(), before, "fd leaked");
    }
}

/// Rule 7: 10,000 reads in flight, abandoned, then shutdown: every buffer is
/// freed before shutdown returns (fails if shutdown does not cancel and
/// wait), and live futures get ECANCELED with their buffer back.
#[test]
fn shutdown_drains_ten_thousand_ops() {
    let _fds = fd_lock();
    for cfg in configs() {
        let before = fd_count();
        let drops = Arc::new(AtomicUsize::new(0));
        let reactor = Reactor::new(&cfg).unwrap();
        let (r, w) = pipe();
        let r = SharedFd::new(r);
        let mut live = Vec::new();
        {
            let _e = reactor.enter();
            for i in 0..10_000 {
                let mut op = submit(Read::new(&r, counted(&drops), 0));
                assert!(poll_once(&mut op).is_pending());
                if i % 2 == 0 {
                    live.push(op);
                }
            }
            reactor.poll();
        }
        drop(r);
        assert!(reactor.metrics().snapshot().ops_in_flight > 0);
        reactor.shutdown();
        assert_eq!(reactor.metrics().snapshot().ops_in_flight, 0);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            5_000,
            "abandoned buffers not freed by shutdown"
        );
        for mut op in live {
            let Poll::Ready((res, buf)) = poll_once(&mut op) else {
                panic!("not completed by shutdown")
            };
            assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
            drop(buf);
        }
        assert_eq!(drops.load(Ordering::SeqCst), 10_000);
        drop(w);
        drop(reactor);
        assert_eq!(
            fd_count(),
            before,
            "fd leaked (pipe read end held by an op?)"
        );
    }
}

/// Rule 4: an openat whose future is dropped (in flight, or completed but
/// never collected) has its fd closed by the reactor.
#[test]
fn abandoned_openat_closes_its_fd() {
    let _fds = fd_lock();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::write(&path, b"x").unwrap();
    for cfg in configs() {
        let reactor = Reactor::new(&cfg).unwrap();
        let _e = reactor.enter();
        let before = fd_count();
        for _ in 0..50 {
            // In flight when dropped.
            let mut op = submit(OpenAt::new(None, &path, libc::O_RDONLY, 0).unwrap());
            assert!(poll_once(&mut op).is_pending());
            drop(op);
            // Completed but never collected.
            let mut op = submit(OpenAt::new(None, &path, libc::O_RDONLY, 0).unwrap());
            assert!(poll_once(&mut op).is_pending());
            park_until_idle(&reactor);
            drop(op);
        }
        park_until_idle(&reactor);
        assert_eq!(fd_count(), before, "abandoned openat leaked an fd");
    }
}

/// Rule 5 with a multishot timeout: CQEs with F_MORE are queued, the final
/// one ends the stream.
#[test]
fn multishot_timeout_yields_each_expiry_then_ends() {
    let _fds = fd_lock();
    for cfg in configs() {
        let reactor = Reactor::new(&cfg).unwrap();
        let items = block_on(&reactor, async {
            let mut timer = submit_multishot(TimeoutMulti::new(Duration::from_millis(2), 4));
            let mut items = 0;
            while let Some(item) = timer.next().await {
                item.unwrap();
                items += 1;
            }
            items
        });
        assert_eq!(items, 4);
        assert_eq!(reactor.metrics().snapshot().ops_in_flight, 0);
    }
}

/// Rule 5 with a multishot poll, dropped mid-stream from another thread.
#[test]
fn multishot_poll_then_cancel_by_drop() {
    let _fds = fd_lock();
    for cfg in configs() {
        let reactor = Reactor::new(&cfg).unwrap();
        let (r, w) = pipe();
        let r = SharedFd::new(r);
        let mut stream = submit_multishot(PollMulti::new(&r, libc::POLLIN as u32));
        block_on(&reactor, async {
            for _ in 0..3 {
                common::write_byte(&w, b'x');
                let revents = stream.next().await.unwrap().unwrap();
                assert_ne!(revents & libc::POLLIN as u32, 0);
                let mut b = [0u8; 1];
                // SAFETY: reads one byte into a live local.
                assert_eq!(unsafe { libc::read(r.raw(), b.as_mut_ptr().cast(), 1) }, 1);
            }
        });
        assert_eq!(reactor.metrics().snapshot().ops_in_flight, 1);
        std::thread::spawn(move || drop(stream)).join().unwrap();
        park_until_idle(&reactor);
    }
}

/// Rule 9: close() waits for the in-flight op holding the fd, then closes it.
#[test]
fn shared_fd_close_waits_for_ops() {
    let _fds = fd_lock();
    let reactor = Reactor::new(&Default::default()).unwrap();
    let (r, w) = pipe();
    let r = SharedFd::new(r);
    let raw = r.raw();
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        common::write_byte(&w, b'y');
        w
    });
    let (o1, o2) = (order.clone(), order.clone());
    let read = submit(Read::new(&r, vec![0u8; 4], 0));
    block_on(&reactor, async move {
        let read = async move {
            let (n, buf) = read.await;
            assert_eq!(&buf[..n.unwrap()], b"y");
            o1.lock().unwrap().push("read");
        };
        let close = async move {
            r.close().await.unwrap();
            o2.lock().unwrap().push("close");
        };
        futures_util::join!(read, close);
    });
    assert_eq!(*order.lock().unwrap(), ["read", "close"]);
    assert!(!common::is_open(raw), "fd still open");
    drop(writer.join().unwrap());
}
