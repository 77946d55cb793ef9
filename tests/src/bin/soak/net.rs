//! Echo jobs: sessions over TCP and Unix sockets with cancelled reads,
//! writes and flushes, and sessions abandoned with ops in flight.

use std::net::SocketAddr;
use std::sync::atomic::Ordering::Relaxed;

use futures::{AsyncReadExt, AsyncWriteExt};
use ringbolt::net::{TcpStream, UnixStream};
use ringbolt::time::{sleep, timeout};

use crate::{check, cut, fill, Stats};

/// The most an echo session sends.
const MAX_ECHO: usize = 256 * 1024;

/// The TCP echo server's side of a connection: owned-buffer reads and
/// writes, until the end of the stream or an error (an abandoned client).
pub(crate) async fn echo_owned(mut stream: TcpStream) {
    let mut buf = Vec::with_capacity(16 * 1024);
    loop {
        let (n, b) = stream.read(buf).await;
        match n {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let (res, b) = stream.write_all(b).await;
        if res.is_err() {
            return;
        }
        buf = b;
    }
}

/// One echo session: `Some(addr)` over TCP to the server, `None` over a
/// Unix socket pair whose other end runs `futures::io::copy`.
pub(crate) async fn echo(job: u64, addr: Option<SocketAddr>, stats: &Stats) {
    let mut rng = fastrand::Rng::with_seed(job);
    let total = rng.usize(1..MAX_ECHO);
    match addr {
        Some(addr) => {
            let stream = TcpStream::connect(addr).await.expect("connect");
            let (r, w) = stream.into_split();
            exchange(job, total, r, w, stats).await;
        }
        None => {
            let (mine, theirs) = UnixStream::pair().expect("socket pair");
            let copier = ringbolt::spawn(async move {
                let (r, mut w) = theirs.into_split();
                let copied = futures::io::copy(futures::io::BufReader::new(r), &mut w)
                    .await
                    .expect("copy");
                w.close().await.expect("close after copy");
                copied
            });
            let (r, w) = mine.into_split();
            exchange(job, total, r, w, stats).await;
            assert_eq!(copier.await.expect("copier"), total as u64);
        }
    }
    stats.echo_sessions.fetch_add(1, Relaxed);
    stats.echo_bytes.fetch_add(total as u64, Relaxed);
}

/// Sends `total` bytes of stream `job` through `w` from a writer task and
/// checks every echoed byte read from `r`, with random timeouts cancelling
/// reads, writes and flushes; then expects the end of the stream.
async fn exchange<R, W>(job: u64, total: usize, mut r: R, w: W, stats: &Stats)
where
    R: futures::AsyncRead + Unpin,
    W: futures::AsyncWrite + Unpin + Send + 'static,
{
    let mut wrng = fastrand::Rng::with_seed(job ^ 1);
    let writer = ringbolt::spawn(async move {
        let mut w = w;
        let mut cancelled = 0u64;
        let mut sent = 0;
        while sent < total {
            let n = wrng.usize(1..32 * 1024).min(total - sent);
            let chunk = fill(job, sent, sent + n);
            let mut off = 0;
            while off < n {
                match timeout(cut(&mut wrng, 2000), w.write(&chunk[off..])).await {
                    Ok(res) => off += res.expect("write"),
                    Err(_) => cancelled += 1,
                }
            }
            sent += n;
        }
        match wrng.u8(0..3) {
            0 => {
                while timeout(cut(&mut wrng, 2000), w.flush()).await.is_err() {
                    cancelled += 1;
                }
                drop(w);
            }
            1 => w.close().await.expect("close"),
            // Dropped with bytes maybe unsent: they still reach the peer.
            _ => drop(w),
        }
        cancelled
    });
    let mut rrng = fastrand::Rng::with_seed(job ^ 2);
    let mut buf = vec![0u8; 64 * 1024];
    let mut got = 0;
    let mut cancelled = 0;
    while got < total {
        let want = rrng.usize(1..buf.len());
        match timeout(cut(&mut rrng, 2000), r.read(&mut buf[..want])).await {
            Err(_) => cancelled += 1,
            Ok(n) => {
                let n = n.expect("read");
                assert!(n > 0, "stream {job:#x} ended at {got} of {total}");
                check(job, got, &buf[..n], "echoed stream");
                got += n;
            }
        }
    }
    assert_eq!(
        r.read(&mut buf).await.expect("read the end"),
        0,
        "bytes past the end"
    );
    cancelled += writer.await.expect("writer");
    stats.cancelled_io.fetch_add(cancelled, Relaxed);
}

/// A session dropped midway, ops in flight on both directions: nothing may
/// leak (checked at the end) and the server's side ends.
pub(crate) async fn abandoned_echo(job: u64, addr: SocketAddr, stats: &Stats) {
    let mut rng = fastrand::Rng::with_seed(job);
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut r, mut w) = stream.into_split();
    let data = fill(job, 0, rng.usize(1..MAX_ECHO));
    let writer = ringbolt::spawn(async move {
        let _ = w.write_all(data).await;
    });
    let reader = ringbolt::spawn(async move {
        let mut buf = Vec::with_capacity(4096);
        loop {
            let (n, b) = r.read(buf).await;
            if !matches!(n, Ok(1..)) {
                break;
            }
            buf = b;
        }
    });
    sleep(cut(&mut rng, 3000)).await;
    writer.abort();
    reader.abort();
    let _ = writer.await;
    let _ = reader.await;
    stats.abandoned_sessions.fetch_add(1, Relaxed);
}
