//! TCP against `std` peers in both directions, large echoes, many
//! connections, split halves, futures-io, and cancelled reads.

use futures::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use futures::StreamExt;
use ringbolt::net::{TcpListener, TcpSocket, TcpStream};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::time::{Duration, Instant};

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

fn fnv(hash: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *hash = (*hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
}

#[ringbolt::test(worker_threads = 2)]
async fn std_client_ringbolt_server() {
    let listener = TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    let client = std::thread::spawn(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.write_all(b"ping").unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        let mut back = Vec::new();
        s.read_to_end(&mut back).unwrap();
        back
    });
    let (mut stream, peer) = listener.accept().await.unwrap();
    assert_eq!(peer, stream.peer_addr().unwrap());
    assert_eq!(stream.local_addr().unwrap(), addr);
    let mut got = Vec::new();
    loop {
        let (n, buf) = stream.read(Vec::with_capacity(2)).await;
        let n = n.unwrap();
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, b"ping");
    let (res, _) = stream.write_all(b"pong" as &'static [u8]).await;
    res.unwrap();
    stream.shutdown(Shutdown::Write).await.unwrap();
    assert_eq!(client.join().unwrap(), b"pong");
}

/// `write_vectored` is one `sendmsg` straight from the caller's buffers:
/// three buffers of different sizes arrive whole and in order.
#[ringbolt::test(worker_threads = 2)]
async fn write_vectored_sends_three_buffers_intact() {
    let listener = std::net::TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    let parts = [pattern(1000, 1), pattern(70_000, 2), pattern(3, 3)];
    let want: Vec<u8> = parts.concat();
    let total = want.len();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap();
        got
    });
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut bufs: Vec<Vec<u8>> = parts.to_vec();
    let mut sent = 0;
    // A short send is legal: resend what is left, still as three views.
    while sent < total {
        let (n, back) = stream.write_vectored(bufs).await;
        sent += n.unwrap();
        let rest = want[sent..].to_vec();
        bufs = vec![rest, Vec::new(), Vec::new()];
        let _ = back;
    }
    stream.shutdown(Shutdown::Write).await.unwrap();
    assert_eq!(server.join().unwrap(), want);
}

#[ringbolt::test(worker_threads = 2)]
async fn ringbolt_client_std_server() {
    let listener = std::net::TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 5];
        s.read_exact(&mut buf).unwrap();
        s.write_all(&buf).unwrap();
    });
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    assert!(stream.nodelay().unwrap());
    assert_eq!(stream.peer_addr().unwrap(), addr);
    let (n, _) = stream
        .write_vectored(vec![b"he".to_vec(), b"llo".to_vec()])
        .await;
    assert_eq!(n.unwrap(), 5);
    let (n, buf) = stream.peek(Vec::with_capacity(16)).await;
    let n = n.unwrap();
    assert!(n > 0 && b"hello".starts_with(&buf[..n]));
    let mut got = Vec::new();
    while got.len() < 5 {
        let (n, buf) = stream.read(Vec::with_capacity(16)).await;
        got.extend_from_slice(&buf[..n.unwrap()]);
    }
    assert_eq!(got, b"hello");
    server.join().unwrap();
}

async fn echo(mut stream: TcpStream) {
    let mut buf = Vec::with_capacity(64 * 1024);
    loop {
        buf.clear();
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

/// 100 MiB: measured at about 6 s in a debug build on 2 cores, so no
/// smaller debug size is needed.
const ECHO_BYTES: usize = 100 << 20;

#[ringbolt::test(worker_threads = 2)]
async fn echo_checksums_every_byte() {
    let listener = TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    ringbolt::spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        echo(s).await;
    });
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let start = Instant::now();
    let writer = ringbolt::spawn(async move {
        let mut hash = 0xcbf2_9ce4_8422_2325u64;
        let mut sent = 0;
        let mut seed = 1;
        while sent < ECHO_BYTES {
            let chunk = pattern((ECHO_BYTES - sent).min(256 * 1024), seed);
            seed += 1;
            fnv(&mut hash, &chunk);
            sent += chunk.len();
            let (res, _) = wr.write_all(chunk).await;
            res.unwrap();
        }
        wr.shutdown().await.unwrap();
        hash
    });
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    let mut got = 0;
    let mut buf = Vec::with_capacity(128 * 1024);
    loop {
        buf.clear();
        let (n, b) = rd.read(buf).await;
        let n = n.unwrap();
        if n == 0 {
            break;
        }
        fnv(&mut hash, &b[..n]);
        got += n;
        buf = b;
    }
    assert_eq!(got, ECHO_BYTES);
    assert_eq!(hash, writer.await.unwrap());
    eprintln!("echoed {} MiB in {:?}", ECHO_BYTES >> 20, start.elapsed());
}

#[ringbolt::test(worker_threads = 2)]
async fn holds_a_thousand_connections() {
    const N: usize = 1000;
    let listener = TcpSocket::new_v4().unwrap();
    listener.bind(localhost()).unwrap();
    let listener = listener.listen(N as u32).unwrap();
    let addr = listener.local_addr().unwrap();
    let server = ringbolt::spawn(async move {
        let mut incoming = listener.incoming();
        for _ in 0..N {
            let s = incoming.next().await.unwrap().unwrap();
            ringbolt::spawn(echo(s));
        }
    });
    let deadline = Duration::from_secs(30);
    let clients = ringbolt::time::timeout(deadline, async {
        let mut clients = Vec::with_capacity(N);
        for _ in 0..N {
            clients.push(TcpStream::connect(addr).await.unwrap());
        }
        clients
    })
    .await
    .expect("1000 connects in 30 s");
    server.await.unwrap();
    // Every connection is open at once: each echoes its own number.
    let mut tasks = Vec::new();
    for (i, mut c) in clients.into_iter().enumerate() {
        tasks.push(ringbolt::spawn(async move {
            let msg = format!("conn {i}").into_bytes();
            let (res, msg) = c.write_all(msg).await;
            res.unwrap();
            let mut got = Vec::new();
            while got.len() < msg.len() {
                let (n, b) = c.read(Vec::with_capacity(32)).await;
                got.extend_from_slice(&b[..n.unwrap()]);
            }
            assert_eq!(got, msg);
            c
        }));
    }
    let mut held = Vec::new();
    for t in tasks {
        held.push(ringbolt::time::timeout(deadline, t).await.unwrap().unwrap());
    }
    assert_eq!(held.len(), N);
}

#[ringbolt::test(worker_threads = 2)]
async fn split_halves_work_in_different_tasks() {
    let listener = TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    ringbolt::spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        echo(s).await;
    });
    let (mut rd, mut wr) = TcpStream::connect(addr).await.unwrap().into_split();
    let reader = ringbolt::spawn(async move {
        let mut got = Vec::new();
        while got.len() < 300 {
            let (n, b) = rd.read(Vec::with_capacity(64)).await;
            got.extend_from_slice(&b[..n.unwrap()]);
        }
        (rd, got)
    });
    let writer = ringbolt::spawn(async move {
        for i in 0..3u8 {
            let (res, _) = wr.write_all(vec![i; 100]).await;
            res.unwrap();
        }
        wr
    });
    let wr = writer.await.unwrap();
    let (rd, got) = reader.await.unwrap();
    let want: Vec<u8> = (0..3u8).flat_map(|i| [i; 100]).collect();
    assert_eq!(got, want);
    let stream = rd.reunite(wr).unwrap();
    assert_eq!(stream.peer_addr().unwrap(), addr);
}

#[ringbolt::test(worker_threads = 2)]
async fn futures_io_copy_and_lines() {
    let listener = TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    // Server: futures::io::copy echo through split halves.
    ringbolt::spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        let (rd, mut wr) = s.into_split();
        futures::io::copy(rd, &mut wr).await.unwrap();
        wr.close().await.unwrap();
    });
    let stream = TcpStream::connect(addr).await.unwrap();
    let (rd, mut wr) = stream.into_split();
    let data = pattern(3 << 20, 7);
    let lines = ringbolt::spawn(async move {
        for i in 0..100 {
            AsyncWriteExt::write_all(&mut wr, format!("line {i}\n").as_bytes())
                .await
                .unwrap();
        }
        AsyncWriteExt::write_all(&mut wr, &data).await.unwrap();
        wr.close().await.unwrap();
        data
    });
    let mut reader = BufReader::new(rd);
    let mut line = String::new();
    for i in 0..100 {
        line.clear();
        reader.read_line(&mut line).await.unwrap();
        assert_eq!(line, format!("line {i}\n"));
    }
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).await.unwrap();
    assert_eq!(rest, lines.await.unwrap());
}

/// Moves the current task to another worker by keeping this one busy.
async fn move_to_another_worker() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let Some(home) = ringbolt::task::worker_index() else {
        return;
    };
    let moved = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    while ringbolt::task::worker_index() == Some(home) {
        assert!(start.elapsed() < Duration::from_secs(10), "never stolen");
        let moved = moved.clone();
        ringbolt::spawn(async move {
            let t = Instant::now();
            while !moved.load(Ordering::Relaxed) && t.elapsed() < Duration::from_millis(200) {
                std::hint::spin_loop();
            }
        });
        ringbolt::task::yield_now().await;
    }
    moved.store(true, Ordering::Relaxed);
}

#[ringbolt::test(worker_threads = 2)]
async fn a_cancelled_read_loses_no_bytes() {
    let listener = std::net::TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    // Case 1: the data arrives into the op's buffer, then the future is
    // dropped. Case 2: the future is dropped before any data arrives.
    for (round, data_first) in [(0u8, true), (1, false), (2, true)] {
        let want: Vec<u8> = (0..10).map(|i| round * 10 + i).collect();
        let first_worker = ringbolt::task::worker_index();
        {
            let mut read = Box::pin(stream.read(Vec::with_capacity(4)));
            assert!(futures::poll!(read.as_mut()).is_pending());
            if data_first {
                peer.write_all(&want).unwrap();
                // Let the recv complete into the parked buffer.
                ringbolt::time::sleep(Duration::from_millis(50)).await;
            }
            // Dropped here: mid-flight or completed but not collected.
        }
        if !data_first {
            peer.write_all(&want).unwrap();
        }
        move_to_another_worker().await;
        if first_worker.is_some() {
            assert_ne!(ringbolt::task::worker_index(), first_worker);
        }
        let mut got = Vec::new();
        let all = async {
            while got.len() < want.len() {
                let (n, b) = stream.read(Vec::with_capacity(3)).await;
                got.extend_from_slice(&b[..n.unwrap()]);
            }
        };
        let lost = ringbolt::time::timeout(Duration::from_secs(2), all)
            .await
            .is_err();
        assert!(!lost, "round {round}: bytes lost, got {got:?}");
        assert_eq!(got, want, "round {round}");
    }
}

/// A `Vec` reused for reads holds exactly the last read's bytes: its length
/// is the count, also after a shorter read, and also when the bytes come
/// from a read that was cancelled earlier (the stash).
#[ringbolt::test]
async fn a_reused_read_buffer_holds_exactly_the_last_read() {
    use ringbolt::net::ReadBuf;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (ours, _) = listener.accept().unwrap();
    let mut stream = TcpStream::from_std(ours).unwrap();
    let mut buf = Vec::with_capacity(64);
    for msg in [&b"a longer message"[..], b"abc", b"xy"] {
        peer.write_all(msg).unwrap();
        let (n, b) = stream.read(buf).await;
        assert_eq!(n.unwrap(), msg.len());
        assert_eq!(b, msg, "the buffer is exactly what this read got");
        buf = b;
    }
    // What a receive into a buffer from the stash does.
    let mut v = b"0123456789".to_vec();
    assert_eq!(v.fill_from(b"abc"), 3);
    assert_eq!(v, b"abc");
    let mut m = bytes::BytesMut::from(&b"0123456789"[..]);
    assert_eq!(m.fill_from(b"ab"), 2);
    assert_eq!(&m[..], b"ab");
}

#[ringbolt::test(worker_threads = 2)]
async fn buf_read_lends_the_stash_and_mixes_with_owned_reads() {
    use futures::io::AsyncBufRead;
    let listener = std::net::TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    // A fill_buf dropped before its bytes arrive leaves its recv parked.
    {
        let mut fill = std::pin::pin!(futures::future::poll_fn(|cx| {
            std::pin::Pin::new(&mut stream)
                .poll_fill_buf(cx)
                .map_ok(|b| b.len())
        }));
        assert!(futures::poll!(fill.as_mut()).is_pending());
    }
    let want = pattern(100_000, 3);
    let writer = std::thread::spawn(move || {
        peer.write_all(&want).unwrap();
        peer.shutdown(Shutdown::Write).unwrap();
        want
    });
    let mut got = Vec::new();
    for round in 0.. {
        assert!(round < 1_000_000, "never reached the end of the stream");
        if round % 3 == 2 {
            // An owned read takes its bytes from the same stash.
            let (n, b) = stream.read(Vec::with_capacity(777)).await;
            let n = n.unwrap();
            got.extend_from_slice(&b[..n]);
            if n == 0 {
                break;
            }
            continue;
        }
        let chunk = stream.fill_buf().await.unwrap();
        if chunk.is_empty() {
            break;
        }
        // Consume part of what was lent: the rest must come next.
        let n = chunk.len().min(1000);
        got.extend_from_slice(&chunk[..n]);
        std::pin::Pin::new(&mut stream).consume(n);
    }
    assert_eq!(got, writer.join().unwrap());
}
