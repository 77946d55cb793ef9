//! `write_all` of large buffers goes through zero-copy sends on TCP and
//! falls back to plain sends where the socket refuses them (Unix): either
//! way every byte arrives, in order, and the buffer comes back whole.

use ringbolt::net::{TcpListener, UnixStream};
use std::io::Read;
use std::net::SocketAddr;

/// Deterministic test bytes.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i.wrapping_mul(31) % 253) as u8).collect()
}

/// Reads everything from `peer` on a plain thread until end of stream.
fn drain(mut peer: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut got = Vec::new();
        peer.read_to_end(&mut got).unwrap();
        got
    })
}

#[ringbolt::test(worker_threads = 2)]
async fn large_tcp_writes_arrive_whole() {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = std::net::TcpStream::connect(addr).unwrap();
    let reader = drain(peer);
    let (mut stream, _) = listener.accept().await.unwrap();
    // 300 KiB (one zero-copy send and a plain tail), then 8 MiB.
    let mut expected = Vec::new();
    for len in [300 * 1024, 8 << 20] {
        let data = pattern(len);
        let (res, back) = stream.write_all(data.clone()).await;
        res.unwrap();
        assert_eq!(back, data, "the buffer comes back whole");
        expected.extend_from_slice(&data);
    }
    drop(stream);
    assert_eq!(reader.join().unwrap(), expected);
}

#[ringbolt::test(worker_threads = 2)]
async fn large_unix_writes_fall_back_to_plain_sends() {
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    let reader = drain(b);
    let mut stream = UnixStream::from_std(a).unwrap();
    let data = pattern(2 << 20);
    for _ in 0..2 {
        let (res, back) = stream.write_all(data.clone()).await;
        res.unwrap();
        assert_eq!(back, data);
    }
    drop(stream);
    let got = reader.join().unwrap();
    assert_eq!(got.len(), 4 << 20);
    assert_eq!(&got[..2 << 20], &data[..]);
    assert_eq!(&got[2 << 20..], &data[..]);
}

#[ringbolt::test(worker_threads = 2)]
async fn a_large_write_to_a_closed_peer_is_an_error_not_a_signal() {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = std::net::TcpStream::connect(addr).unwrap();
    let (mut stream, _) = listener.accept().await.unwrap();
    drop(peer);
    let data = pattern(1 << 20);
    let mut failed = false;
    // The first writes may land in the socket buffer; the reset shows
    // within a few.
    for _ in 0..64 {
        let (res, _) = stream.write_all(data.clone()).await;
        if let Err(e) = res {
            assert!(
                matches!(
                    e.kind(),
                    std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
                ),
                "{e}"
            );
            failed = true;
            break;
        }
    }
    assert!(failed, "writing to a closed peer never failed");
}
