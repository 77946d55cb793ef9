//! Descriptors in and out: every socket and listener through `OwnedFd`, raw
//! fds and `socket2::Socket` and back, blocking or not; options set through
//! `socket2`; and rule 9 when the descriptor is taken out while ops still
//! hold it (the caller gets a duplicate, the original outlives the ops).

use ringbolt::net::{
    TcpListener, TcpSocket, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream,
};
use socket2::SockRef;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::os::unix::fs::MetadataExt;
use std::pin::pin;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

fn localhost() -> SocketAddr {
    ([127, 0, 0, 1], 0).into()
}

/// The inode of what descriptor `fd` of this process names, if it is open.
fn inode(fd: RawFd) -> Option<u64> {
    std::fs::metadata(format!("/proc/self/fd/{fd}"))
        .ok()
        .map(|m| m.ino())
}

/// Polls `fut` once (so its op is submitted on this thread's ring) and
/// drops it, leaving whatever it started to the socket.
fn poll_once<F: std::future::Future>(fut: F) {
    let fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    assert!(fut.poll(&mut cx).is_pending(), "nothing to wait for");
}

/// A connected ringbolt stream and its `std` peer.
async fn tcp_pair() -> (TcpStream, std::net::TcpStream) {
    let listener = std::net::TcpListener::bind(localhost()).unwrap();
    let stream = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    (stream, listener.accept().unwrap().0)
}

async fn read_some(stream: &mut TcpStream) -> Vec<u8> {
    let (n, mut buf) = stream.read(Vec::with_capacity(64)).await;
    buf.truncate(n.unwrap());
    buf
}

#[ringbolt::test(worker_threads = 2)]
async fn a_stream_goes_out_to_socket2_and_back() {
    let (stream, mut peer) = tcp_pair().await;
    let raw = stream.as_raw_fd();
    // No op holds it: the descriptor itself comes out.
    let socket = socket2::Socket::from(stream);
    assert_eq!(socket.as_raw_fd(), raw);
    socket.set_recv_buffer_size(256 * 1024).unwrap();
    socket.set_keepalive(true).unwrap();
    let mut stream = TcpStream::from(socket);
    assert!(SockRef::from(&stream).keepalive().unwrap());
    peer.write_all(b"back again").unwrap();
    assert_eq!(read_some(&mut stream).await, b"back again");

    // Through a raw fd, then an OwnedFd, then `std`.
    let raw = stream.into_raw_fd();
    // SAFETY: `into_raw_fd` gave us the only handle to this open socket.
    let stream = unsafe { TcpStream::from_raw_fd(raw) };
    let mut stream = TcpStream::from(OwnedFd::from(stream));
    peer.write_all(b"raw").unwrap();
    assert_eq!(read_some(&mut stream).await, b"raw");
    let mut std_stream = stream.into_std().unwrap();
    std_stream.write_all(b"from std").unwrap();
    let mut got = [0; 8];
    peer.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"from std");
}

#[ringbolt::test(worker_threads = 2)]
async fn nonblocking_descriptors_still_wait_in_the_ring() {
    // A listener taken over in non-blocking mode: the accept waits for the
    // connection that comes later instead of failing with WouldBlock.
    let std_listener = std::net::TcpListener::bind(localhost()).unwrap();
    std_listener.set_nonblocking(true).unwrap();
    let addr = std_listener.local_addr().unwrap();
    let listener = TcpListener::from(OwnedFd::from(std_listener));
    let connector = ringbolt::spawn(async move {
        ringbolt::time::sleep(Duration::from_millis(20)).await;
        TcpStream::connect(addr).await
    });
    let (mut accepted, _) = listener.accept().await.unwrap();
    let mut client = connector.await.unwrap().unwrap();
    SockRef::from(&client).set_nonblocking(true).unwrap();
    // The same for a read that must wait for its bytes.
    let reader = ringbolt::spawn(async move { read_some(&mut accepted).await });
    ringbolt::time::sleep(Duration::from_millis(20)).await;
    let (res, _) = client.write_all(b"late".to_vec()).await;
    res.unwrap();
    assert_eq!(reader.await.unwrap(), b"late");

    let std_udp = std::net::UdpSocket::bind(localhost()).unwrap();
    std_udp.set_nonblocking(true).unwrap();
    let udp = UdpSocket::from(socket2::Socket::from(std_udp));
    let to = udp.local_addr().unwrap();
    let sender = ringbolt::spawn(async move {
        ringbolt::time::sleep(Duration::from_millis(20)).await;
        let s = std::net::UdpSocket::bind(localhost()).unwrap();
        s.send_to(b"dgram", to).unwrap();
    });
    let (res, buf) = udp.recv_from(Vec::with_capacity(16)).await;
    assert_eq!(&buf[..res.unwrap().0], b"dgram");
    sender.await.unwrap();
}

#[ringbolt::test(worker_threads = 2)]
async fn every_socket_and_listener_converts_both_ways() {
    let dir = tempfile::tempdir().unwrap();

    let listener = TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    let listener = TcpListener::from(socket2::Socket::from(listener));
    assert_eq!(listener.local_addr().unwrap(), addr);
    let std_listener = listener.into_std().unwrap();
    assert_eq!(std_listener.local_addr().unwrap(), addr);

    let socket = TcpSocket::new_v4().unwrap();
    let raw = socket.as_raw_fd();
    let socket = TcpSocket::from(OwnedFd::from(socket));
    assert_eq!(socket.as_raw_fd(), raw);
    socket.bind(localhost()).unwrap();
    let listener = TcpSocket::from(socket2::Socket::from(socket))
        .listen(8)
        .unwrap();
    assert!(listener.local_addr().unwrap().port() != 0);

    let udp = UdpSocket::bind(localhost()).unwrap();
    let addr = udp.local_addr().unwrap();
    let udp = UdpSocket::from(OwnedFd::from(udp));
    assert_eq!(udp.into_std().unwrap().local_addr().unwrap(), addr);

    let path = dir.path().join("listener");
    let unix_listener = UnixListener::bind(&path).unwrap();
    let unix_listener = UnixListener::from(socket2::Socket::from(unix_listener));
    let std_listener = unix_listener.into_std().unwrap();
    assert_eq!(
        std_listener.local_addr().unwrap().as_pathname(),
        Some(path.as_path())
    );

    let (a, b) = UnixStream::pair().unwrap();
    let mut a = UnixStream::from(OwnedFd::from(a));
    let mut b = b.into_std().unwrap();
    b.write_all(b"pair").unwrap();
    let (n, buf) = a.read(Vec::with_capacity(8)).await;
    assert_eq!(&buf[..n.unwrap()], b"pair");

    let (d1, d2) = UnixDatagram::pair().unwrap();
    let d1 = UnixDatagram::from(socket2::Socket::from(d1));
    let d2 = d2.into_std().unwrap();
    d2.send(b"datagram").unwrap();
    let (n, buf) = d1.recv(Vec::with_capacity(16)).await;
    assert_eq!(&buf[..n.unwrap()], b"datagram");

    // Halves lend their descriptor for options.
    let (stream, _peer) = tcp_pair().await;
    let raw = stream.as_raw_fd();
    let (rd, wr) = stream.into_split();
    assert_eq!((rd.as_raw_fd(), wr.as_raw_fd()), (raw, raw));
    SockRef::from(&wr).set_tcp_nodelay(true).unwrap();
    assert!(SockRef::from(&rd).tcp_nodelay().unwrap());
}

/// Waits (bounded) until descriptor `fd` no longer names inode `ino`: the
/// last op holding it has let go and it was closed.
async fn wait_closed(fd: RawFd, ino: u64) {
    let start = Instant::now();
    while inode(fd) == Some(ino) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "fd {fd} still open after its ops were cancelled"
        );
        ringbolt::time::sleep(Duration::from_millis(5)).await;
    }
}

#[ringbolt::test(worker_threads = 2)]
async fn taking_the_fd_out_under_an_op_hands_out_a_duplicate() {
    // A stream whose receive is in flight (parked by a dropped read).
    let (mut stream, peer) = tcp_pair().await;
    poll_once(stream.read(Vec::with_capacity(16)));
    let original = stream.as_raw_fd();
    let ino = inode(original).unwrap();
    if ringbolt::Handle::current().driver() == ringbolt::runtime::Driver::Epoll {
        // The readiness driver has nothing in the kernel: the parked
        // receive is dropped with the stream, and the descriptor itself
        // comes out, back in blocking mode.
        let fd = OwnedFd::from(stream);
        assert_eq!(fd.as_raw_fd(), original);
        assert!(!SockRef::from(&fd).nonblocking().unwrap());
        drop(peer);
        return;
    }
    // The receive still holds the original: we get another number for the
    // same socket.
    let dup = OwnedFd::from(stream);
    assert_ne!(dup.as_raw_fd(), original, "the fd an op works on came out");
    assert_eq!(inode(dup.as_raw_fd()), Some(ino));
    // Closing ours must not close the op's descriptor under it.
    drop(dup);
    assert_eq!(
        inode(original),
        Some(ino),
        "closing the descriptor taken out closed the op's"
    );
    // The cancelled receive ends; then the original is closed, not leaked.
    wait_closed(original, ino).await;
    drop(peer);

    // The same through `into_raw_fd`, keeping the duplicate: a working
    // socket once the op is gone.
    let (mut stream, mut peer) = tcp_pair().await;
    poll_once(stream.read(Vec::with_capacity(16)));
    let original = stream.as_raw_fd();
    let ino = inode(original).unwrap();
    let raw = stream.into_raw_fd();
    assert_ne!(raw, original);
    // SAFETY: `into_raw_fd` gave us the only handle to this open socket.
    let mut std_stream = unsafe { std::net::TcpStream::from_raw_fd(raw) };
    wait_closed(original, ino).await;
    peer.write_all(b"still here").unwrap();
    let mut got = [0; 10];
    std_stream.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"still here");

    // A listener whose dropped `incoming` stream left an abandoned
    // multishot accept in the kernel.
    let listener = TcpListener::bind(localhost()).unwrap();
    poll_once(futures::StreamExt::next(&mut listener.incoming()));
    let original = listener.as_raw_fd();
    let ino = inode(original).unwrap();
    let std_listener = listener.into_std().unwrap();
    assert_ne!(std_listener.as_raw_fd(), original);
    drop(std_listener);
    assert_eq!(inode(original), Some(ino));
    wait_closed(original, ino).await;
}
