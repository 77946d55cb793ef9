//! Bytes `AsyncWrite::poll_write` accepted reach the peer even when the
//! stream, or its write half, is dropped before a flush; the peer then sees
//! the end of the stream. A peer that never reads does not hold the
//! runtime's shutdown.

use futures::io::AsyncWriteExt;
use ringbolt::net::{TcpStream, UnixStream};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream as StdUnixStream;
use std::time::Duration;

/// One `poll_write`'s worth: more than the socket buffers hold, so the
/// send cannot finish before the peer reads.
const BYTES: usize = 256 * 1024;

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

/// Reads the peer to its end on a thread of its own.
fn read_to_end_on_thread<R: Read + Send + 'static>(
    mut peer: R,
) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut got = Vec::new();
        peer.read_to_end(&mut got).unwrap();
        got
    })
}

/// Joins a `std` thread without blocking a worker.
async fn join<T: Send + 'static>(thread: std::thread::JoinHandle<T>) -> T {
    ringbolt::spawn_blocking(move || thread.join().unwrap())
        .await
        .unwrap()
}

fn check(got: &[u8], sent: &[u8]) {
    assert!(
        got == sent,
        "the peer got {} of {} bytes (or different ones) before the end of stream",
        got.len(),
        sent.len()
    );
}

#[ringbolt::test(worker_threads = 2)]
async fn dropped_unix_stream_sends_its_write_behind() {
    let (ours, peer) = StdUnixStream::pair().unwrap();
    let mut stream = UnixStream::from_std(ours).unwrap();
    let data = pattern(BYTES, 1);
    let n = AsyncWriteExt::write(&mut stream, &data).await.unwrap();
    assert_eq!(n, BYTES, "one poll_write takes 256 KiB");
    drop(stream);
    // The peer starts reading only now: the send was still in flight.
    let got = join(read_to_end_on_thread(peer)).await;
    check(&got, &data);
}

#[ringbolt::test(worker_threads = 2)]
async fn dropped_tcp_stream_sends_its_write_behind() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (ours, _) = listener.accept().unwrap();
    // Small buffers on both sides, so 256 KiB cannot all be queued.
    socket2::SockRef::from(&ours)
        .set_send_buffer_size(16 * 1024)
        .unwrap();
    socket2::SockRef::from(&peer)
        .set_recv_buffer_size(16 * 1024)
        .unwrap();
    let mut stream = TcpStream::from_std(ours).unwrap();
    let data = pattern(BYTES, 2);
    assert_eq!(
        AsyncWriteExt::write(&mut stream, &data).await.unwrap(),
        BYTES
    );
    drop(stream);
    let got = join(read_to_end_on_thread(peer)).await;
    check(&got, &data);
}

#[ringbolt::test(worker_threads = 2)]
async fn dropped_write_half_sends_its_write_behind_and_the_read_half_lives_on() {
    let (ours, peer) = StdUnixStream::pair().unwrap();
    let (mut rd, mut wr) = UnixStream::from_std(ours).unwrap().into_split();
    let data = pattern(BYTES, 3);
    assert_eq!(AsyncWriteExt::write(&mut wr, &data).await.unwrap(), BYTES);
    drop(wr);
    let mut peer_wr = peer.try_clone().unwrap();
    let got = join(read_to_end_on_thread(peer)).await;
    check(&got, &data);
    // Only the write direction was shut down.
    peer_wr.write_all(b"still open").unwrap();
    let (n, buf) = rd.read(Vec::with_capacity(64)).await;
    assert_eq!(&buf[..n.unwrap()], b"still open");
}

/// A peer that never reads: the task finishing the dropped stream's send
/// is dropped by the runtime's shutdown, which does not wait for it, and
/// the peer then sees a prefix of the bytes and the end of the stream.
#[test]
fn a_peer_that_never_reads_does_not_hold_the_shutdown() {
    let (ours, mut peer) = StdUnixStream::pair().unwrap();
    let data = pattern(BYTES, 4);
    let sent = data.clone();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    // On its own thread, so a hang fails the test instead of stalling it.
    std::thread::spawn(move || {
        let rt = ringbolt::Runtime::new().unwrap();
        rt.block_on(async move {
            let mut stream = UnixStream::from_std(ours).unwrap();
            assert_eq!(
                AsyncWriteExt::write(&mut stream, &sent).await.unwrap(),
                BYTES
            );
            drop(stream);
            // Let the send start and stall on the full socket buffer.
            ringbolt::time::sleep(Duration::from_millis(20)).await;
        });
        drop(rt);
        let _ = done_tx.send(());
    });
    done_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the runtime's shutdown waited for a peer that never reads");
    let mut got = Vec::new();
    peer.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    peer.read_to_end(&mut got).expect("the end of the stream");
    assert!(got.len() < BYTES && got == data[..got.len()]);
}
