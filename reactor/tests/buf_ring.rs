//! Provided-buffer rings and multishot receive against the kernel: pool
//! starvation (`ENOBUFS`) and re-arm, buffers dropped on another thread
//! going home, and shutdown with a multishot receive in flight.
mod common;

use common::block_on;
use ringbolt_reactor::op::RecvMultiStream;
use ringbolt_reactor::{BufRingConfig, Reactor, RingBuf, RingConfig, SharedFd};
use std::io::Write;
use std::net::{TcpListener, TcpStream};

/// A connected pair: the ring's end (blocking mode) and a std peer.
fn pair() -> (SharedFd, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let peer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (ours, _) = listener.accept().unwrap();
    (SharedFd::new(ours.into()), peer)
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

#[test]
fn a_tiny_pool_runs_dry_and_every_byte_still_arrives_in_order() {
    let reactor = Reactor::new(&RingConfig::default()).unwrap();
    let (fd, mut peer) = pair();
    let want = pattern(64 * 1024);
    let sent = want.clone();
    let writer = std::thread::spawn(move || {
        peer.write_all(&sent).unwrap();
    });
    let config = BufRingConfig {
        buf_count: 2,
        buf_size: 64,
    };
    let got = block_on(&reactor, async {
        let mut stream = RecvMultiStream::new(&fd, config);
        let mut got = Vec::new();
        while got.len() < want.len() {
            let buf = stream.next().await.unwrap().unwrap();
            assert!(buf.is_pooled() && buf.len() <= 64);
            got.extend_from_slice(&buf);
        }
        got
    });
    writer.join().unwrap();
    assert!(got == want, "bytes lost or reordered");
    let m = reactor.metrics().snapshot();
    assert!(m.provided_bufs_starved > 0, "the pool never ran dry: {m:?}");
    assert_eq!(m.provided_bufs_out, 0);
}

#[test]
fn ring_bufs_dropped_on_another_thread_go_home() {
    let reactor = Reactor::new(&RingConfig::default()).unwrap();
    let (fd, mut peer) = pair();
    let config = BufRingConfig {
        buf_count: 8,
        buf_size: 64,
    };
    let mut stream = RecvMultiStream::new(&fd, config);
    peer.write_all(&[1; 256]).unwrap();
    let held: Vec<RingBuf> = block_on(&reactor, async {
        let mut held = Vec::new();
        let mut n = 0;
        while n < 256 {
            let buf = stream.next().await.unwrap().unwrap();
            n += buf.len();
            held.push(buf);
        }
        held
    });
    let out = held.len() as u64;
    assert_eq!(reactor.metrics().snapshot().provided_bufs_out, out);
    std::thread::spawn(move || drop(held)).join().unwrap();
    // Posted to the mailbox: home until the reactor turns.
    assert_eq!(reactor.metrics().snapshot().provided_bufs_out, out);
    reactor.poll();
    assert_eq!(reactor.metrics().snapshot().provided_bufs_out, 0);
    // The returned buffers are filled again: 4 KiB through 8 × 64 B.
    let want = pattern(4096);
    let sent = want.clone();
    let writer = std::thread::spawn(move || peer.write_all(&sent).unwrap());
    let got = block_on(&reactor, async {
        let mut got = Vec::new();
        while got.len() < want.len() {
            got.extend_from_slice(&stream.next().await.unwrap().unwrap());
        }
        got
    });
    writer.join().unwrap();
    assert!(got == want);
}

#[test]
fn shutdown_with_a_multishot_receive_in_flight_drains() {
    let reactor = Reactor::new(&RingConfig::default()).unwrap();
    let (fd, mut peer) = pair();
    let config = BufRingConfig {
        buf_count: 4,
        buf_size: 16,
    };
    let mut stream = RecvMultiStream::new(&fd, config);
    peer.write_all(&[7; 40]).unwrap();
    let first = block_on(&reactor, async { stream.next().await.unwrap().unwrap() });
    // Let the other CQEs land in the stream's queue, then shut down.
    reactor.poll();
    reactor.shutdown();
    let m = reactor.metrics().snapshot();
    assert_eq!(m.ops_in_flight, 0, "shutdown left the receive in flight");
    // What was received still comes out, then the cancel, then the end.
    let mut n = first.len();
    drop(first);
    let _enter = reactor.enter();
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    loop {
        match stream.poll_next(&mut cx) {
            std::task::Poll::Ready(Some(Ok(buf))) => n += buf.len(),
            std::task::Poll::Ready(Some(Err(e))) => {
                assert_eq!(e.raw_os_error(), Some(libc::ECANCELED), "{e}");
            }
            std::task::Poll::Ready(None) => break,
            std::task::Poll::Pending => panic!("a shut-down reactor's stream must not wait"),
        }
    }
    assert!(n <= 40);
    drop(stream);
    // `first` was dropped off the reactor: its buffer went by the mailbox.
    reactor.poll();
    assert_eq!(
        reactor.metrics().snapshot().provided_bufs_out,
        0,
        "buffers leaked"
    );
}

#[test]
fn bad_pool_shapes_are_invalid_input() {
    let reactor = Reactor::new(&RingConfig::default()).unwrap();
    let (fd, _peer) = pair();
    for (buf_count, buf_size) in [(3, 64), (0, 64), (4, 0)] {
        let config = BufRingConfig {
            buf_count,
            buf_size,
        };
        let e = block_on(&reactor, async {
            RecvMultiStream::new(&fd, config)
                .next()
                .await
                .unwrap()
                .unwrap_err()
        });
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{config:?}");
    }
}
