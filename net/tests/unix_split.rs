//! Owned halves of a Unix stream against `std` peers: both directions at
//! once from different tasks, futures-io through the halves, reunite (and a
//! mismatched reunite), and the end of stream a write-half shutdown or drop
//! gives the peer.

use futures::io::AsyncWriteExt;
use ringbolt::net::unix::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
use ringbolt::net::{UnixListener, UnixStream};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream as StdUnixStream;
use std::thread::JoinHandle;

/// Deterministic test bytes (xorshift).
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// A ringbolt stream and its `std` peer, connected by `socketpair(2)`.
fn pair() -> (UnixStream, StdUnixStream) {
    let (ours, theirs) = StdUnixStream::pair().unwrap();
    (UnixStream::from_std(ours).unwrap(), theirs)
}

/// Joins a `std` thread without blocking a worker (whose ring may hold
/// ops another task waits on).
async fn join<T: Send + 'static>(thread: JoinHandle<T>) -> T {
    ringbolt::spawn_blocking(move || thread.join().unwrap())
        .await
        .unwrap()
}

/// Reads exactly `len` bytes (failing on an early end of stream).
async fn read_exact(rd: &mut OwnedReadHalf, len: usize) -> Vec<u8> {
    let mut got = Vec::with_capacity(len);
    while got.len() < len {
        let (n, b) = rd.read(Vec::with_capacity(len - got.len())).await;
        let n = n.unwrap();
        assert_ne!(n, 0, "end of stream after {} of {len} bytes", got.len());
        got.extend_from_slice(&b[..n]);
    }
    got
}

/// Reads until end of stream.
async fn read_to_end(rd: &mut OwnedReadHalf) -> Vec<u8> {
    let mut got = Vec::new();
    loop {
        let (n, b) = rd.read(Vec::with_capacity(64 * 1024)).await;
        let n = n.unwrap();
        if n == 0 {
            return got;
        }
        got.extend_from_slice(&b[..n]);
    }
}

/// Reads one byte from a `std` peer, which must see end of stream.
fn assert_eof(peer: &mut StdUnixStream) {
    let mut byte = [0u8; 1];
    assert_eq!(peer.read(&mut byte).unwrap(), 0, "expected end of stream");
}

#[test]
fn halves_are_send_and_the_error_is_an_error() {
    fn send<T: Send + 'static>() {}
    fn error<T: std::error::Error + Send + 'static>() {}
    send::<OwnedReadHalf>();
    send::<OwnedWriteHalf>();
    error::<ReuniteError>();
}

/// More than the socket buffers hold, so each direction waits on the other
/// side's reader while the opposite direction runs.
const PUMP_BYTES: usize = 4 << 20;

#[ringbolt::test(worker_threads = 2)]
async fn halves_pump_both_ways_from_different_tasks() {
    let (stream, peer) = pair();
    let (mut rd, mut wr) = stream.into_split();
    let to_peer = pattern(PUMP_BYTES, 1);
    let from_peer = pattern(PUMP_BYTES, 2);

    // The peer writes and reads on two threads, so neither direction waits
    // for the other.
    let mut peer_wr = peer.try_clone().unwrap();
    let mut peer_rd = peer;
    let sent = from_peer.clone();
    let peer_writer = std::thread::spawn(move || {
        for chunk in sent.chunks(100_000) {
            peer_wr.write_all(chunk).unwrap();
        }
        peer_wr.shutdown(std::net::Shutdown::Write).unwrap();
    });
    let peer_reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        peer_rd.read_to_end(&mut got).unwrap();
        got
    });

    let expected = to_peer.clone();
    let writer = ringbolt::spawn(async move {
        // Chunks of uneven sizes, through write and write_all.
        let mut rest = &to_peer[..];
        let mut turn = 0usize;
        while !rest.is_empty() {
            let take = rest.len().min(1 + (turn * 7919) % 65_536);
            let chunk = rest[..take].to_vec();
            if turn.is_multiple_of(2) {
                let (res, _) = wr.write_all(chunk).await;
                res.unwrap();
                rest = &rest[take..];
            } else {
                let (n, _) = wr.write(chunk).await;
                rest = &rest[n.unwrap()..];
            }
            turn += 1;
        }
        wr.shutdown().await.unwrap();
        wr
    });
    let reader = ringbolt::spawn(async move {
        let got = read_to_end(&mut rd).await;
        (rd, got)
    });

    let wr = writer.await.unwrap();
    let (rd, got) = reader.await.unwrap();
    assert!(got == from_peer, "bytes from the peer differ");
    join(peer_writer).await;
    assert!(
        join(peer_reader).await == expected,
        "bytes to the peer differ"
    );
    assert!(rd.reunite(wr).is_ok());
}

#[ringbolt::test(worker_threads = 2)]
async fn futures_io_echo_through_halves() {
    let (stream, peer) = pair();
    // The ringbolt side echoes with futures::io::copy, then closes its
    // write half (futures-io `close`: flush and shut down writes).
    let echo = ringbolt::spawn(async move {
        let (rd, mut wr) = stream.into_split();
        let n = futures::io::copy(rd, &mut wr).await.unwrap();
        wr.close().await.unwrap();
        n
    });
    let data = pattern(1 << 20, 3);
    let mut peer_wr = peer.try_clone().unwrap();
    let mut peer_rd = peer;
    let sent = data.clone();
    let peer_writer = std::thread::spawn(move || {
        peer_wr.write_all(&sent).unwrap();
        peer_wr.shutdown(std::net::Shutdown::Write).unwrap();
    });
    let peer_reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        peer_rd.read_to_end(&mut got).unwrap();
        got
    });
    assert_eq!(echo.await.unwrap(), data.len() as u64);
    join(peer_writer).await;
    assert!(join(peer_reader).await == data, "echoed bytes differ");
}

#[ringbolt::test(worker_threads = 2)]
async fn reunite_gives_back_a_working_stream() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sock");
    let listener = UnixListener::bind(&path).unwrap();
    let peer_path = path.clone();
    let peer = std::thread::spawn(move || StdUnixStream::connect(peer_path).unwrap());
    let (stream, _) = listener.accept().await.unwrap();
    let mut peer = join(peer).await;

    let (mut rd, mut wr) = stream.into_split();
    assert_eq!(rd.local_addr().unwrap().as_pathname(), Some(path.as_path()));
    assert_eq!(wr.local_addr().unwrap().as_pathname(), Some(path.as_path()));
    assert!(rd.peer_addr().unwrap().is_unnamed());
    assert!(wr.peer_addr().unwrap().is_unnamed());

    // Each half on its own task; the peer's bytes are already queued.
    peer.write_all(b"to the read half").unwrap();
    let reader = ringbolt::spawn(async move {
        let got = read_exact(&mut rd, 16).await;
        (rd, got)
    });
    let writer = ringbolt::spawn(async move {
        let (res, _) = wr.write_all(b"from the write half" as &'static [u8]).await;
        res.unwrap();
        wr
    });
    let (rd, got) = reader.await.unwrap();
    let wr = writer.await.unwrap();
    assert_eq!(got, b"to the read half");
    let mut buf = [0u8; 19];
    peer.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"from the write half");

    // Reunited, the write direction is still open both ways.
    let mut stream = rd.reunite(wr).unwrap();
    let (res, _) = stream.write_all(b"whole again" as &'static [u8]).await;
    res.unwrap();
    let mut buf = [0u8; 11];
    peer.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"whole again");
    peer.write_all(b"ack").unwrap();
    let (n, b) = stream.read(Vec::with_capacity(8)).await;
    assert_eq!(&b[..n.unwrap()], b"ack");
    stream.shutdown(std::net::Shutdown::Write).await.unwrap();
    assert_eof(&mut peer);
}

#[ringbolt::test(worker_threads = 2)]
async fn mismatched_reunite_hands_both_halves_back() {
    let (a, mut peer_a) = pair();
    let (b, mut peer_b) = pair();
    let (rd_a, wr_a) = a.into_split();
    let (rd_b, wr_b) = b.into_split();

    let err = rd_a.reunite(wr_b).unwrap_err();
    assert_eq!(
        err.to_string(),
        "tried to reunite halves of different streams"
    );
    let ReuniteError(rd_a, wr_b) = *err;

    // The failed reunite shut nothing down: both streams come back whole.
    let mut a = rd_a.reunite(wr_a).unwrap();
    let mut b = rd_b.reunite(wr_b).unwrap();
    for (stream, peer, msg) in [
        (&mut a, &mut peer_a, b"to a" as &'static [u8]),
        (&mut b, &mut peer_b, b"to b"),
    ] {
        let (res, _) = stream.write_all(msg).await;
        res.unwrap();
        let mut buf = [0u8; 4];
        peer.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, msg);
        peer.write_all(msg).unwrap();
        let (n, got) = stream.read(Vec::with_capacity(4)).await;
        assert_eq!(&got[..n.unwrap()], msg);
    }
}

#[ringbolt::test(worker_threads = 2)]
async fn write_half_shutdown_is_end_of_stream_for_the_peer() {
    let (stream, mut peer) = pair();
    let (mut rd, mut wr) = stream.into_split();
    let (res, _) = wr.write_all(b"last words" as &'static [u8]).await;
    res.unwrap();
    wr.shutdown().await.unwrap();
    let mut got = Vec::new();
    peer.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"last words");

    // Only writes are shut: the read half still receives.
    peer.write_all(b"still heard").unwrap();
    peer.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(read_to_end(&mut rd).await, b"still heard");
    // Writing after shutdown fails instead of sending.
    let (res, _) = wr.write(b"too late" as &'static [u8]).await;
    assert_eq!(res.unwrap_err().kind(), std::io::ErrorKind::BrokenPipe);
}

#[ringbolt::test(worker_threads = 2)]
async fn dropping_the_write_half_is_end_of_stream_for_the_peer() {
    let (stream, mut peer) = pair();
    let (mut rd, wr) = stream.into_split();
    // Dropped on another task, while the read half lives on here.
    ringbolt::spawn(async move { drop(wr) }).await.unwrap();
    assert_eof(&mut peer);
    peer.write_all(b"reply").unwrap();
    assert_eq!(read_exact(&mut rd, 5).await, b"reply");
}
