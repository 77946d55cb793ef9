//! UDP, Unix sockets and `lookup_host`.

use futures::io::{AsyncReadExt, AsyncWriteExt};
use ringbolt::net::{lookup_host, UdpSocket, UnixDatagram, UnixListener, UnixStream};
use std::net::SocketAddr;

fn st(b: &'static [u8]) -> &'static [u8] {
    b
}

#[ringbolt::test(worker_threads = 2)]
async fn udp_send_to_recv_from_and_connected() {
    let a = UdpSocket::bind(([127, 0, 0, 1], 0)).unwrap();
    let b = UdpSocket::bind(([127, 0, 0, 1], 0)).unwrap();
    let (aa, ba) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    // A std peer in one direction.
    let std_peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    std_peer.send_to(b"from std", aa).unwrap();
    let (res, buf) = a.recv_from(Vec::with_capacity(64)).await;
    let (n, from) = res.unwrap();
    assert_eq!(
        (&buf[..n], from),
        (&b"from std"[..], std_peer.local_addr().unwrap())
    );
    // And back to it: sendmsg carries the destination.
    let (res, _) = a.send_to(st(b"to std"), from).await;
    assert_eq!(res.unwrap(), 6);
    let mut sbuf = [0u8; 16];
    let (n, from_ring) = std_peer.recv_from(&mut sbuf).unwrap();
    assert_eq!((&sbuf[..n], from_ring), (&b"to std"[..], aa));
    // Receive first (the recvmsg waits in the kernel), then send.
    let recv = ringbolt::spawn(async move {
        let (res, buf) = b.recv_from(Vec::with_capacity(64)).await;
        let (n, from) = res.unwrap();
        (buf[..n].to_vec(), from, b)
    });
    ringbolt::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(a.send_to(st(b"hi"), ba).await.0.unwrap(), 2);
    let (got, from, b) = recv.await.unwrap();
    assert_eq!((got.as_slice(), from), (&b"hi"[..], aa));
    // A datagram longer than the buffer is truncated to it.
    a.send_to(st(b"0123456789"), ba).await.0.unwrap();
    let (res, buf) = b.recv_from(vec![0u8; 4]).await;
    assert_eq!((res.unwrap().0, &buf[..]), (4, &b"0123"[..]));
    a.connect(ba).unwrap();
    b.connect(aa).unwrap();
    assert_eq!(a.peer_addr().unwrap(), ba);
    b.send(st(b"back")).await.0.unwrap();
    let (n, buf) = a.recv(Vec::with_capacity(64)).await;
    assert_eq!(&buf[..n.unwrap()], b"back");
}

#[ringbolt::test(worker_threads = 2)]
async fn udp_v6_loopback() {
    let Ok(a) = UdpSocket::bind("[::1]:0".parse::<SocketAddr>().unwrap()) else {
        return; // no IPv6 loopback here
    };
    let b = UdpSocket::bind("[::1]:0".parse::<SocketAddr>().unwrap()).unwrap();
    let (aa, ba) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    a.send_to(st(b"six"), ba).await.0.unwrap();
    let (res, buf) = b.recv_from(Vec::with_capacity(8)).await;
    let (n, from) = res.unwrap();
    assert_eq!((&buf[..n], from), (&b"six"[..], aa));
    assert!(from.is_ipv6());
    // And the reply, to the address recv_from reported.
    b.send_to(buf, from).await.0.unwrap();
    let (res, buf) = a.recv_from(Vec::with_capacity(8)).await;
    assert_eq!(
        (&buf[..res.as_ref().unwrap().0], res.unwrap().1),
        (&b"six"[..], ba)
    );
}

#[ringbolt::test(worker_threads = 2)]
async fn unix_stream_listener_and_std_peer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sock");
    let listener = UnixListener::bind(&path).unwrap();
    assert_eq!(
        listener.local_addr().unwrap().as_pathname(),
        Some(path.as_path())
    );
    let server = ringbolt::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut line = Vec::new();
        s.read_to_end(&mut line).await.unwrap();
        AsyncWriteExt::write_all(&mut s, &line).await.unwrap();
        s.close().await.unwrap();
        listener
    });
    let mut c = UnixStream::connect(&path).await.unwrap();
    let (res, _) = c.write_all(b"over unix" as &'static [u8]).await;
    res.unwrap();
    c.shutdown(std::net::Shutdown::Write).await.unwrap();
    let mut back = Vec::new();
    loop {
        let (n, b) = c.read(Vec::with_capacity(4)).await;
        let n = n.unwrap();
        if n == 0 {
            break;
        }
        back.extend_from_slice(&b[..n]);
    }
    assert_eq!(back, b"over unix");
    let listener = server.await.unwrap();
    // A std client against the ringbolt listener.
    let t = std::thread::spawn(move || {
        use std::io::Write;
        let mut s = std::os::unix::net::UnixStream::connect(&path).unwrap();
        s.write_all(b"std").unwrap();
    });
    let (mut s, _) = listener.accept().await.unwrap();
    let mut got = Vec::new();
    s.read_to_end(&mut got).await.unwrap();
    assert_eq!(got, b"std");
    t.join().unwrap();
    // Connecting to a path nobody listens on.
    let err = UnixStream::connect(dir.path().join("none"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
}

#[ringbolt::test(worker_threads = 2)]
async fn unix_pair_and_datagrams() {
    let (mut a, mut b) = UnixStream::pair().unwrap();
    let (res, _) = a.write_vectored(vec![b"a".to_vec(), b"bc".to_vec()]).await;
    assert_eq!(res.unwrap(), 3);
    let (n, buf) = b.read(Vec::with_capacity(8)).await;
    assert_eq!(&buf[..n.unwrap()], b"abc");

    let dir = tempfile::tempdir().unwrap();
    let (pa, pb) = (dir.path().join("a"), dir.path().join("b"));
    let (da, db) = (
        UnixDatagram::bind(&pa).unwrap(),
        UnixDatagram::bind(&pb).unwrap(),
    );
    da.send_to(st(b"dgram"), &pb).await.0.unwrap();
    let (res, buf) = db.recv_from(Vec::with_capacity(16)).await;
    let (n, from) = res.unwrap();
    assert_eq!(&buf[..n], b"dgram");
    assert_eq!(from.as_pathname(), Some(pa.as_path()));
    // From an unbound socket: the sender is unnamed.
    let anon = UnixDatagram::unbound().unwrap();
    anon.send_to(st(b"anon"), &pb).await.0.unwrap();
    let (res, _) = db.recv_from(Vec::with_capacity(16)).await;
    let (n, from) = res.unwrap();
    assert_eq!((n, from.is_unnamed()), (4, true));
    // A path nobody bound.
    let (res, _) = da.send_to(st(b"x"), dir.path().join("none")).await;
    assert_eq!(res.unwrap_err().kind(), std::io::ErrorKind::NotFound);
    let (x, y) = UnixDatagram::pair().unwrap();
    x.send(st(b"p")).await.0.unwrap();
    assert_eq!(y.recv(Vec::with_capacity(4)).await.0.unwrap(), 1);
}

#[ringbolt::test(worker_threads = 2)]
async fn lookup_host_resolves_literals_and_localhost() {
    let addrs: Vec<_> = lookup_host("127.0.0.1:80").await.unwrap().collect();
    assert_eq!(addrs, vec!["127.0.0.1:80".parse::<SocketAddr>().unwrap()]);
    let addrs: Vec<_> = lookup_host("localhost:1").await.unwrap().collect();
    assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 1));
    let err = lookup_host("no port here").await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}
