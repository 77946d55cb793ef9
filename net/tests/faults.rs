//! Bad input and faults: refused, timed out, address in use, peer reset.

use ringbolt::net::{TcpListener, TcpSocket, TcpStream};
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

fn localhost() -> SocketAddr {
    ([127, 0, 0, 1], 0).into()
}

#[ringbolt::test(worker_threads = 2)]
async fn connect_to_a_closed_port_is_refused() {
    // Bind then drop, so the port is (almost certainly) closed.
    let addr = std::net::TcpListener::bind(localhost())
        .unwrap()
        .local_addr()
        .unwrap();
    let err = TcpStream::connect(addr).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
}

#[ringbolt::test(worker_threads = 2)]
async fn connect_to_a_full_backlog_times_out() {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(localhost()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    // Fill the accept queue (never accepted); the kernel then drops SYNs.
    let mut held = Vec::new();
    let mut timed_out = false;
    for _ in 0..16 {
        match ringbolt::time::timeout(Duration::from_millis(300), TcpStream::connect(addr)).await {
            Ok(stream) => held.push(stream.unwrap()),
            Err(elapsed) => {
                let err = std::io::Error::from(elapsed);
                assert_eq!(err.kind(), ErrorKind::TimedOut);
                timed_out = true;
                break;
            }
        }
    }
    assert!(timed_out, "{} connects all succeeded", held.len());
    drop(listener);
}

#[ringbolt::test(worker_threads = 2)]
async fn binding_an_address_in_use_fails() {
    let first = TcpListener::bind(localhost()).unwrap();
    let addr = first.local_addr().unwrap();
    let err = TcpListener::bind(addr).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AddrInUse, "{err}");
    // Without SO_REUSEPORT on both, a builder gets the same answer.
    let socket = TcpSocket::new_v4().unwrap();
    let err = socket
        .bind(addr)
        .and_then(|()| socket.listen(8).map(drop))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AddrInUse, "{err}");
    let err = ringbolt::net::UdpSocket::bind(
        ringbolt::net::UdpSocket::bind(localhost())
            .unwrap()
            .local_addr()
            .unwrap(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AddrInUse, "{err}");
}

#[ringbolt::test(worker_threads = 2)]
async fn reuseport_listeners_share_a_port() {
    let a = TcpSocket::new_v4().unwrap();
    a.set_reuseport(true).unwrap();
    a.bind(localhost()).unwrap();
    let addr = a.local_addr().unwrap();
    let b = TcpSocket::new_v4().unwrap();
    b.set_reuseport(true).unwrap();
    b.set_reuseaddr(true).unwrap();
    b.bind(addr).unwrap();
    let (a, b) = (a.listen(16).unwrap(), b.listen(16).unwrap());
    assert_eq!(a.local_addr().unwrap(), b.local_addr().unwrap());
    let _c = TcpStream::connect(addr).await.unwrap();
}

#[ringbolt::test(worker_threads = 2)]
async fn a_peer_reset_mid_write_is_an_error_not_a_signal() {
    let listener = std::net::TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let (peer, _) = listener.accept().unwrap();
    let peer = socket2::Socket::from(peer);
    peer.set_linger(Some(Duration::ZERO)).unwrap();
    let writer = ringbolt::spawn(async move {
        let chunk = vec![7u8; 1 << 20];
        let mut buf = chunk;
        for _ in 0..1000 {
            let (res, b) = stream.write_all(buf).await;
            if let Err(e) = res {
                return (stream, e);
            }
            buf = b;
        }
        panic!("1 GiB written to a reset peer");
    });
    ringbolt::time::sleep(Duration::from_millis(50)).await;
    drop(peer); // RST: SO_LINGER 0 and close with unread data.
    let (mut stream, err) = ringbolt::time::timeout(Duration::from_secs(10), writer)
        .await
        .expect("the writer saw the reset")
        .unwrap();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
        ),
        "{err}"
    );
    // Writing again after the reset: an error, and the process lives on.
    let (res, _) = stream.write(b"more" as &'static [u8]).await;
    let err = res.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
        ),
        "{err}"
    );
}
