//! The readiness driver on its own: socket ops retried on readiness, file
//! ops on an offload, cancellation without lost bytes, descriptors never
//! leaked, and another thread delivering a stuck owner's events.
mod common;

use common::{block_on, fd_count, fd_lock};
use ringbolt_reactor::op::{Accept, Connect, OpenAt, Read, Recv, Send, Socket, Write};
use ringbolt_reactor::{submit, DriverKind, Offload, Reactor, SharedFd};
use std::future::Future;
use std::io::Write as _;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// A thread per job.
fn threads() -> Offload {
    Offload::new(|job| {
        std::thread::spawn(job);
    })
}

fn reactor() -> Reactor {
    let reactor = Reactor::epoll(threads()).unwrap();
    assert_eq!(reactor.driver(), DriverKind::Epoll);
    reactor
}

/// A connected loopback pair: (ours, as a `SharedFd` in blocking mode,
/// as `net` makes them; the peer, a std stream).
fn pair() -> (SharedFd, std::net::TcpStream) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let ours = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (peer, _) = listener.accept().unwrap();
    (SharedFd::new(OwnedFd::from(ours)), peer)
}

#[test]
fn a_receive_waits_for_readiness_and_a_send_goes_out() {
    // Every test: one of them counts descriptors.
    let _fds = fd_lock();
    let reactor = reactor();
    let (fd, mut peer) = pair();
    let (go, wait_go) = std::sync::mpsc::channel::<()>();
    let writer = std::thread::spawn(move || {
        wait_go.recv().unwrap();
        peer.write_all(b"ping").unwrap();
        let mut back = [0u8; 4];
        std::io::Read::read_exact(&mut peer, &mut back).unwrap();
        back
    });
    // Nothing was sent yet: the receive must wait for readiness.
    let mut recv = submit(Recv::new(&fd, Vec::with_capacity(16), 0));
    {
        let _enter = reactor.enter();
        let mut cx = Context::from_waker(Waker::noop());
        assert!(std::pin::Pin::new(&mut recv).poll(&mut cx).is_pending());
        assert_eq!(reactor.metrics().snapshot().ops_in_flight, 1);
    }
    go.send(()).unwrap();
    let (n, buf) = block_on(&reactor, recv);
    assert_eq!(&buf[..n.unwrap()], b"ping");
    let (n, _) = block_on(&reactor, submit(Send::new(&fd, b"pong".to_vec(), 0)));
    assert_eq!(n.unwrap(), 4);
    assert_eq!(&writer.join().unwrap(), b"pong");
    assert_eq!(reactor.metrics().snapshot().ops_in_flight, 0);
}

#[test]
fn socket_connect_and_accept_without_a_ring() {
    // Every test: one of them counts descriptors.
    let _fds = fd_lock();
    let reactor = reactor();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let listener = SharedFd::new(OwnedFd::from(listener));
    block_on(&reactor, async {
        let sock = submit(Socket::new(libc::AF_INET, libc::SOCK_STREAM, 0))
            .await
            .unwrap();
        let sock = SharedFd::new(sock);
        let accept = submit(Accept::new(&listener));
        let connect = submit(Connect::new(&sock, addr));
        let (accepted, connected) = futures_util::future::join(accept, connect).await;
        connected.unwrap();
        let (conn, peer) = accepted.unwrap();
        assert_eq!(
            peer.unwrap(),
            std::net::TcpStream::from(sock.try_unwrap().unwrap())
                .local_addr()
                .unwrap()
        );
        drop(conn);
    });
}

#[test]
fn a_refused_connect_reports_the_error() {
    // Every test: one of them counts descriptors.
    let _fds = fd_lock();
    let reactor = reactor();
    // A port nobody listens on: bind, note, close.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err = block_on(&reactor, async {
        let sock = submit(Socket::new(libc::AF_INET, libc::SOCK_STREAM, 0))
            .await
            .unwrap();
        submit(Connect::new(&SharedFd::new(sock), addr)).await
    })
    .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
}

/// Receives dropped while waiting, again and again while bytes arrive:
/// every byte the peer sent is read exactly once, in order (rule 10).
#[test]
fn dropped_receives_lose_no_bytes() {
    // Every test: one of them counts descriptors.
    let _fds = fd_lock();
    let reactor = reactor();
    let _enter = reactor.enter();
    let (fd, mut peer) = pair();
    const TOTAL: usize = 64 * 1024;
    let writer = std::thread::spawn(move || {
        for chunk in (0..TOTAL).map(|i| i as u8).collect::<Vec<_>>().chunks(97) {
            peer.write_all(chunk).unwrap();
            if chunk[0] % 7 == 0 {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
        peer
    });
    let mut got = Vec::with_capacity(TOTAL);
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut polls = 0u64;
    while got.len() < TOTAL {
        assert!(Instant::now() < deadline, "stalled at {} bytes", got.len());
        let mut op = submit(Recv::new(&fd, Vec::with_capacity(61), 0));
        // Every other receive is dropped after one poll, whatever it found.
        polls += 1;
        match std::pin::Pin::new(&mut op).poll(&mut cx) {
            Poll::Ready((n, buf)) => got.extend_from_slice(&buf[..n.unwrap()]),
            Poll::Pending if polls.is_multiple_of(2) => drop(op),
            Poll::Pending => {
                got.extend_from_slice(&{
                    let (n, buf) = block_on(&reactor, op);
                    buf[..n.unwrap()].to_vec()
                });
            }
        }
        reactor.poll();
    }
    drop(writer.join().unwrap());
    assert_eq!(got, (0..TOTAL).map(|i| i as u8).collect::<Vec<_>>());
    assert_eq!(reactor.metrics().snapshot().ops_in_flight, 0);
}

#[test]
fn file_ops_run_on_the_offload_and_report_like_cqes() {
    // Every test: one of them counts descriptors.
    let _fds = fd_lock();
    let reactor = reactor();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    block_on(&reactor, async {
        let flags = libc::O_CREAT | libc::O_RDWR;
        let fd = SharedFd::new(
            submit(OpenAt::new(None, &path, flags, 0o600).unwrap())
                .await
                .unwrap(),
        );
        let (n, _) = submit(Write::new(&fd, b"hello readiness".to_vec(), 0)).await;
        assert_eq!(n.unwrap(), 15);
        let (n, buf) = submit(Read::new(&fd, Vec::with_capacity(64), 6)).await;
        assert_eq!(&buf[..n.unwrap()], b"readiness");
        let missing = dir.path().join("missing");
        let e = submit(OpenAt::new(None, &missing, libc::O_RDONLY, 0).unwrap())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
    });
    assert_eq!(reactor.metrics().snapshot().ops_in_flight, 0);
}

/// An open abandoned while its call runs: the fd it produced is closed by
/// the pool thread (rule 4 through rule 11), none leaks.
#[test]
fn an_abandoned_open_leaks_no_fd() {
    // Every test: one of them counts descriptors.
    let _fds = fd_lock();
    // Jobs wait until released, so every future is dropped first.
    let held: Arc<Mutex<Vec<ringbolt_reactor::Job>>> = Arc::default();
    let queue = held.clone();
    let reactor = Reactor::epoll(Offload::new(move |job| queue.lock().unwrap().push(job))).unwrap();
    let _enter = reactor.enter();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::write(&path, b"x").unwrap();
    let base = fd_count();
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    for _ in 0..50 {
        let mut op = submit(OpenAt::new(None, &path, libc::O_RDONLY, 0).unwrap());
        assert!(std::pin::Pin::new(&mut op).poll(&mut cx).is_pending());
        drop(op);
    }
    assert_eq!(reactor.metrics().snapshot().ops_in_flight, 50);
    let jobs = std::mem::take(&mut *held.lock().unwrap());
    for job in jobs {
        job();
    }
    assert_eq!(fd_count(), base, "an abandoned open's fd leaked");
    assert_eq!(reactor.metrics().snapshot().ops_in_flight, 0);
}

/// A job the pool drops unrun (its shutdown) completes its op with
/// `ECANCELED` instead of leaving the future pending for ever.
#[test]
fn a_job_dropped_unrun_cancels_its_op() {
    // Every test: one of them counts descriptors.
    let _fds = fd_lock();
    let reactor = Reactor::epoll(Offload::new(drop)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let e = block_on(&reactor, async {
        submit(OpenAt::new(None, dir.path(), libc::O_RDONLY, 0).unwrap()).await
    })
    .unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::ECANCELED));
}

/// The owner never turns its poller; a helper thread does, and the
/// waiting receive is woken with its bytes.
#[test]
fn a_helper_delivers_a_stuck_owners_events() {
    // Every test: one of them counts descriptors.
    let _fds = fd_lock();
    let reactor = reactor();
    let _enter = reactor.enter();
    let (fd, mut peer) = pair();
    let woken = Arc::new(AtomicUsize::new(0));
    struct Count(Arc<AtomicUsize>);
    impl std::task::Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let waker = Waker::from(Arc::new(Count(woken.clone())));
    let mut cx = Context::from_waker(&waker);
    let mut op = submit(Recv::new(&fd, Vec::with_capacity(8), 0));
    assert!(std::pin::Pin::new(&mut op).poll(&mut cx).is_pending());
    peer.write_all(b"hi").unwrap();
    let handle = reactor.ring_handle();
    let helper = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut delivered = 0;
        while delivered == 0 && Instant::now() < deadline {
            delivered += handle.help();
            std::thread::sleep(Duration::from_millis(1));
        }
        delivered
    });
    assert_eq!(helper.join().unwrap(), 1, "the helper delivered nothing");
    assert_eq!(woken.load(Ordering::SeqCst), 1);
    let Poll::Ready((n, buf)) = std::pin::Pin::new(&mut op).poll(&mut cx) else {
        panic!("woken but not ready");
    };
    assert_eq!(&buf[..n.unwrap()], b"hi");
    assert!(reactor.metrics().snapshot().cqes_helped >= 1);
}

/// Dropping a socket removes its registration before closing it, and a
/// shut-down poller wakes its waiters, whose next try fails cleanly.
#[test]
fn shutdown_wakes_waiters_and_refuses_new_ops() {
    // Every test: one of them counts descriptors.
    let _fds = fd_lock();
    let reactor = reactor();
    let _enter = reactor.enter();
    let (fd, _peer) = pair();
    let woken = Arc::new(common::Flag {
        woken: Default::default(),
        unparker: reactor.unparker(),
    });
    let waker = Waker::from(woken.clone());
    let mut cx = Context::from_waker(&waker);
    let mut op = submit(Recv::new(&fd, Vec::with_capacity(8), 0));
    assert!(std::pin::Pin::new(&mut op).poll(&mut cx).is_pending());
    reactor.shutdown();
    assert!(
        woken.woken.load(Ordering::SeqCst),
        "a waiter slept through shutdown"
    );
    let Poll::Ready((res, _)) = std::pin::Pin::new(&mut op).poll(&mut cx) else {
        panic!("an op on a shut-down poller stayed pending");
    };
    assert!(res.unwrap_err().to_string().contains("shut down"));
}

/// A socket follows its task (readiness rule 7): a receive that parks on
/// another thread's reactor moves the socket's registration there, so that
/// reactor's own turns deliver its readiness.
#[test]
fn a_socket_registration_follows_the_thread_that_waits() {
    let _fds = fd_lock();
    let a = reactor();
    let (fd, mut peer) = pair();
    {
        let _enter = a.enter();
        let mut cx = Context::from_waker(Waker::noop());
        let mut op = submit(Recv::new(&fd, Vec::with_capacity(8), 0));
        assert!(std::pin::Pin::new(&mut op).poll(&mut cx).is_pending());
        assert_eq!(a.metrics().snapshot().ops_in_flight, 1);
    }
    assert_eq!(a.metrics().snapshot().ops_in_flight, 0);
    let (parked_tx, parked_rx) = std::sync::mpsc::channel();
    let b = std::thread::spawn(move || {
        let b = reactor();
        let _enter = b.enter();
        let flag = Arc::new(common::Flag {
            woken: Default::default(),
            unparker: b.unparker(),
        });
        let waker = Waker::from(flag.clone());
        let mut cx = Context::from_waker(&waker);
        let mut op = submit(Recv::new(&fd, Vec::with_capacity(8), 0));
        assert!(std::pin::Pin::new(&mut op).poll(&mut cx).is_pending());
        parked_tx
            .send(b.metrics().snapshot().ops_in_flight)
            .unwrap();
        // Only this thread's reactor turns from here on.
        for _ in 0..3000 {
            if let Poll::Ready((n, buf)) = std::pin::Pin::new(&mut op).poll(&mut cx) {
                return Some(buf[..n.unwrap()].to_vec());
            }
            b.park(Some(Duration::from_millis(10)));
        }
        None
    });
    assert_eq!(parked_rx.recv().unwrap(), 1, "the receive parked elsewhere");
    assert_eq!(a.metrics().snapshot().ops_in_flight, 0);
    peer.write_all(b"moved").unwrap();
    let got = b.join().unwrap();
    assert_eq!(
        got.as_deref(),
        Some(&b"moved"[..]),
        "the moved registration got no event"
    );
}
