//! tokio's I/O traits (feature `tokio-io`) on TCP and Unix streams and
//! their halves: echo through `tokio::io::copy`, `AsyncBufRead` without a
//! `BufReader`, vectored writes, and the cancellation guarantee — a read
//! dropped after the kernel filled its buffer loses no bytes.
//!
//! The streams' own owned-buffer `read`, `write_all`, `shutdown`… take
//! precedence over the extension traits' methods of the same names, which
//! are called here as `AsyncReadExt::read(&mut stream, …)`.

use ringbolt::net::{TcpListener, TcpStream, UnixStream};
use std::io::{IoSlice, Write};
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Wake, Waker};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

fn localhost() -> SocketAddr {
    ([127, 0, 0, 1], 0).into()
}

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

async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    let connect = ringbolt::spawn(TcpStream::connect(addr));
    let (server, _) = listener.accept().await.unwrap();
    (connect.await.unwrap().unwrap(), server)
}

/// Sends `data` through `client` to an echo of `server` (split halves and
/// `tokio::io::copy` in another task) and returns what came back.
async fn echo_through<S, R, W>(mut client: S, server_halves: (R, W), data: Vec<u8>) -> Vec<u8>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (mut rd, mut wr) = server_halves;
    let echo = ringbolt::spawn(async move {
        let n = tokio::io::copy(&mut rd, &mut wr).await.unwrap();
        wr.shutdown().await.unwrap();
        n
    });
    let (mut client_rd, mut client_wr) = tokio::io::split(&mut client);
    let writer = async {
        // Uneven pieces, so reads and writes do not line up.
        for piece in data.chunks(7_919) {
            client_wr.write_all(piece).await.unwrap();
        }
        client_wr.shutdown().await.unwrap();
    };
    let mut back = Vec::new();
    let reader = client_rd.read_to_end(&mut back);
    let (_, n) = ringbolt::join!(writer, reader);
    n.unwrap();
    assert_eq!(echo.await.unwrap(), data.len() as u64);
    back
}

#[ringbolt::test(worker_threads = 2)]
async fn tcp_echo_through_tokio_copy() {
    let (client, server) = tcp_pair().await;
    let data = pattern(1 << 20, 1);
    let back = echo_through(client, server.into_split(), data.clone()).await;
    assert!(back == data, "echo differs ({} bytes back)", back.len());
}

#[ringbolt::test(worker_threads = 2)]
async fn unix_echo_through_tokio_copy() {
    let (client, server) = UnixStream::pair().unwrap();
    let data = pattern(300_000, 2);
    let back = echo_through(client, server.into_split(), data.clone()).await;
    assert!(back == data, "echo differs ({} bytes back)", back.len());
}

#[ringbolt::test(worker_threads = 2)]
async fn buf_read_serves_lines_from_the_stream_buffer() {
    let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let mut stream = UnixStream::from_std(ours).unwrap();
    let mut theirs = theirs;
    theirs.write_all(b"one\ntwo\nthr").unwrap();
    let mut line = String::new();
    stream.read_line(&mut line).await.unwrap();
    assert_eq!(line, "one\n");
    // The rest of the segment is in the stream's buffer, as it is.
    assert_eq!(stream.fill_buf().await.unwrap(), b"two\nthr");
    stream.consume(4);
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(10));
        theirs.write_all(b"ee\n").unwrap();
        theirs
    });
    line.clear();
    stream.read_line(&mut line).await.unwrap();
    assert_eq!(line, "three\n");
    drop(writer.join().unwrap());
    // End of stream: an empty buffer, then `read` of 0.
    assert!(stream.fill_buf().await.unwrap().is_empty());
    let n = AsyncReadExt::read(&mut stream, &mut [0; 8]).await.unwrap();
    assert_eq!(n, 0);
}

#[ringbolt::test(worker_threads = 2)]
async fn vectored_writes_keep_the_order() {
    let (mut client, mut server) = tcp_pair().await;
    let parts: [&[u8]; 4] = [b"alpha ", b"", b"beta ", b"gamma"];
    let slices: Vec<IoSlice<'_>> = parts.iter().map(|p| IoSlice::new(p)).collect();
    assert!(client.is_write_vectored());
    let n = AsyncWriteExt::write_vectored(&mut client, &slices)
        .await
        .unwrap();
    assert_eq!(n, 16, "all four slices fit one write");
    AsyncWriteExt::shutdown(&mut client).await.unwrap();
    let mut got = String::new();
    server.read_to_string(&mut got).await.unwrap();
    assert_eq!(got, "alpha beta gamma");
}

/// Records that it was woken.
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Polls `read` once, lets the peer's bytes land in the buffer of the op it
/// started (its completion wakes the flag), then drops it uncollected.
async fn drop_a_filled_read<F: std::future::Future>(read: F, send: impl FnOnce()) {
    let flag = Arc::new(Flag(AtomicBool::new(false)));
    let waker = Waker::from(flag.clone());
    let mut read = pin!(read);
    assert!(read
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    send();
    let start = Instant::now();
    while !flag.0.load(Ordering::SeqCst) {
        assert!(start.elapsed() < Duration::from_secs(10), "no completion");
        ringbolt::time::sleep(Duration::from_millis(2)).await;
    }
    // `read` is dropped here, its bytes received but never handed out.
}

#[ringbolt::test(worker_threads = 2)]
async fn a_dropped_tokio_read_loses_no_bytes() {
    let listener = std::net::TcpListener::bind(localhost()).unwrap();
    let mut stream = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    let mut buf = [0; 64];
    drop_a_filled_read(AsyncReadExt::read(&mut stream, &mut buf), || {
        peer.write_all(b"first").unwrap()
    })
    .await;
    let mut got = [0; 5];
    stream.read_exact(&mut got).await.unwrap();
    assert_eq!(&got, b"first");
    drop_a_filled_read(stream.fill_buf(), || peer.write_all(b"second").unwrap()).await;
    peer.write_all(b" third").unwrap();
    drop(peer);
    let mut got = String::new();
    stream.read_to_string(&mut got).await.unwrap();
    assert_eq!(got, "second third");

    // The same through a read half, its op moving with the half.
    let (ours, mut theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let (mut rd, _wr) = UnixStream::from_std(ours).unwrap().into_split();
    let mut buf = [0; 64];
    drop_a_filled_read(AsyncReadExt::read(&mut rd, &mut buf), || {
        theirs.write_all(b"half").unwrap()
    })
    .await;
    let got = ringbolt::spawn(async move {
        let mut got = [0; 4];
        rd.read_exact(&mut got).await.map(|_| got)
    });
    assert_eq!(&got.await.unwrap().unwrap(), b"half");
}
