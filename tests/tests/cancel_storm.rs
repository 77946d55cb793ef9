//! A cancellation storm on each driver: receives dropped in flight, reads
//! cut short by timeouts and `select!` while bytes flow, accepts and
//! connects abandoned, file opens aborted. Every byte sent is read exactly
//! once, in order; no op stays in flight; after the runtime is dropped no
//! descriptor is left open. One test (both drivers) in its own binary, so
//! no other test's descriptors are counted.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use futures::channel::oneshot;
use futures::FutureExt;
use ringbolt::net::{TcpListener, TcpStream};
use ringbolt::runtime::{Builder, Driver};
use ringbolt::time::timeout;

const CONNECTIONS: usize = 16;
const BYTES: usize = 64 * 1024;

/// The byte at `i` of connection `c`'s stream.
fn byte(c: usize, i: usize) -> u8 {
    (i.wrapping_mul(31) ^ c.wrapping_mul(7)) as u8
}

/// A deterministic sequence of short waits for the timeouts.
fn wait(seed: &mut u64) -> Duration {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    Duration::from_micros(*seed % 700)
}

type Gates = Arc<Mutex<Vec<Option<oneshot::Sender<()>>>>>;

/// Connection `c`: its number, then (once the reader opens its gate) its
/// stream in odd-sized pieces.
async fn send(mut stream: TcpStream, c: usize, go: oneshot::Receiver<()>) {
    stream
        .write_all((c as u32).to_le_bytes().to_vec())
        .await
        .0
        .unwrap();
    go.await.unwrap();
    let data: Vec<u8> = (0..BYTES).map(|i| byte(c, i)).collect();
    for piece in data.chunks(997) {
        stream.write_all(piece.to_vec()).await.0.unwrap();
    }
}

/// Reads one connection; returns (its number, every byte right, reads
/// cancelled by the timeouts and `select!`).
async fn receive(mut stream: TcpStream, gates: Gates, mut seed: u64) -> (usize, bool, u32) {
    let mut got = Vec::with_capacity(BYTES + 4);
    while got.len() < 4 {
        let (n, buf) = stream.read(Vec::with_capacity(4 - got.len())).await;
        got.extend_from_slice(&buf[..n.unwrap()]);
    }
    let c = u32::from_le_bytes(got[..4].try_into().unwrap()) as usize;
    // The sender waits at its gate: these receives are in flight (on a
    // ring, or parked on readiness) when they are dropped.
    for _ in 0..10 {
        let mut read = std::pin::pin!(stream.read(Vec::with_capacity(64)));
        assert!(futures::poll!(read.as_mut()).is_pending());
    }
    let gate = gates.lock().unwrap()[c]
        .take()
        .expect("one reader per connection");
    gate.send(()).unwrap();
    let mut cancelled = 0u32;
    while got.len() < BYTES + 4 {
        let read = stream.read(Vec::with_capacity(512));
        let out = if cancelled.is_multiple_of(2) {
            timeout(wait(&mut seed), read).await.ok()
        } else {
            futures::select! {
                out = read.fuse() => Some(out),
                () = ringbolt::time::sleep(wait(&mut seed)).fuse() => None,
            }
        };
        match out {
            Some((n, buf)) => {
                let n = n.unwrap();
                assert!(
                    n > 0,
                    "connection {c}: early end of stream at {}",
                    got.len()
                );
                got.extend_from_slice(&buf[..n]);
            }
            None => cancelled += 1,
        }
    }
    let right = got[4..].iter().enumerate().all(|(i, &b)| b == byte(c, i));
    (c, right, cancelled)
}

async fn storm() {
    let listener = TcpListener::bind(([127, 0, 0, 1], 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    // Connects abandoned by a zero timeout go to a listener of their own
    // (one may still complete in the kernel): none may leak.
    let sink = TcpListener::bind(([127, 0, 0, 1], 0)).unwrap();
    let sink_addr = sink.local_addr().unwrap();
    let gates: Gates = Arc::new(Mutex::new((0..CONNECTIONS).map(|_| None).collect()));
    let sender_gates = gates.clone();
    let senders = ringbolt::spawn(async move {
        let mut tasks = Vec::new();
        for c in 0..CONNECTIONS {
            for _ in 0..3 {
                let _ = timeout(Duration::ZERO, TcpStream::connect(sink_addr)).await;
            }
            let stream = TcpStream::connect(addr).await.unwrap();
            let (go_tx, go_rx) = oneshot::channel();
            sender_gates.lock().unwrap()[c] = Some(go_tx);
            tasks.push(ringbolt::spawn(send(stream, c, go_rx)));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
    // Accepts nobody can complete (nobody connects there), abandoned.
    let idle = TcpListener::bind(([127, 0, 0, 1], 0)).unwrap();
    for _ in 0..20 {
        let res = timeout(Duration::from_micros(300), idle.accept()).await;
        assert!(res.is_err(), "an accept on an idle listener completed");
    }
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut readers = Vec::new();
    while readers.len() < CONNECTIONS {
        // Accepts cut short whenever the timeout comes first.
        let Ok(next) = timeout(wait(&mut seed), listener.accept()).await else {
            continue;
        };
        let (stream, _) = next.unwrap();
        readers.push(ringbolt::spawn(receive(stream, gates.clone(), seed)));
    }
    let mut seen = [false; CONNECTIONS];
    for r in readers {
        let (c, right, _cancelled) = r.await.unwrap();
        assert!(
            right,
            "connection {c}: a byte lost, doubled or out of order"
        );
        assert!(!seen[c], "connection {c} twice");
        seen[c] = true;
    }
    senders.await.unwrap();
    drop((sink, idle));
    // File opens dropped in flight (on the blocking pool on epoll): the
    // descriptors they produce are closed for them.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::write(&path, b"x").unwrap();
    for _ in 0..200 {
        // Pending on a ring; on epoll the pool thread may win the race.
        let mut open = std::pin::pin!(ringbolt::fs::File::open(&path));
        let _ = futures::poll!(open.as_mut());
    }
    // And tasks aborted while opening.
    for _ in 0..50 {
        let path = path.clone();
        let task = ringbolt::spawn(async move { ringbolt::fs::File::open(path).await });
        ringbolt::task::yield_now().await;
        task.abort();
        let _ = task.await;
    }
}

fn run_on(driver: Driver) {
    let fds_before = open_fds();
    let rt = Builder::new()
        .worker_threads(2)
        .driver(driver)
        .build()
        .unwrap();
    let h = rt.handle().clone();
    rt.block_on(storm());
    assert!(
        eventually(2000, || ops_in_flight(&h) == 0),
        "{driver}: {} ops still in flight",
        ops_in_flight(&h)
    );
    // The handle keeps the workers' rings (or pollers) open.
    drop((rt, h));
    assert!(
        eventually(2000, || open_fds() <= fds_before),
        "{driver}: descriptors leaked: {fds_before} before, {} after",
        open_fds()
    );
}

#[test]
fn a_cancellation_storm_loses_no_byte_and_leaks_no_fd() {
    run_on(Driver::IoUring);
    run_on(Driver::Epoll);
}
