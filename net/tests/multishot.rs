//! `TcpListener::incoming` on one multishot accept. A binary of its own:
//! its tests count the process's open descriptors, so they take a lock.

use futures::StreamExt;
use ringbolt::net::TcpListener;
use std::sync::Mutex;
use std::time::{Duration, Instant};

static FD_LOCK: Mutex<()> = Mutex::new(());

fn fd_lock() -> std::sync::MutexGuard<'static, ()> {
    FD_LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `body` on a two-worker runtime built while holding the fd lock
/// (a runtime's rings are descriptors too).
fn run<F: std::future::Future<Output = ()> + Send + 'static>(body: F) {
    let _g = fd_lock();
    ringbolt::runtime::Builder::new()
        .worker_threads(2)
        .build()
        .unwrap()
        .block_on(body);
}

fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Waits (up to 5 s) for the open-fd count to come back to `want`.
async fn settle_fds(want: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let now = fd_count();
        if now <= want || Instant::now() > deadline {
            return now;
        }
        ringbolt::time::sleep(Duration::from_millis(10)).await;
    }
}

#[test]
fn incoming_accepts_200_connects_through_one_stream() {
    run(incoming_200());
}

async fn incoming_200() {
    let listener = TcpListener::bind(([127, 0, 0, 1], 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    let clients = std::thread::spawn(move || {
        (0..200u32)
            .map(|i| {
                use std::io::Write;
                let mut s = std::net::TcpStream::connect(addr).unwrap();
                s.write_all(&i.to_le_bytes()).unwrap();
                s
            })
            .collect::<Vec<_>>()
    });
    let mut incoming = listener.incoming();
    let mut seen = [false; 200];
    for _ in 0..200 {
        let mut stream = incoming.next().await.unwrap().unwrap();
        let peer = stream.peer_addr().unwrap();
        assert_eq!(peer.ip(), addr.ip());
        let mut got = Vec::new();
        while got.len() < 4 {
            let (n, buf) = stream.read(Vec::with_capacity(4)).await;
            let n = n.unwrap();
            assert!(n > 0, "early EOF");
            got.extend_from_slice(&buf[..n]);
        }
        let i = u32::from_le_bytes(got[..4].try_into().unwrap()) as usize;
        assert!(!seen[i], "connection {i} accepted twice");
        seen[i] = true;
    }
    assert!(seen.iter().all(|&s| s));
    drop(clients.join().unwrap());
}

/// Connections the multishot accept took but the stream never yielded are
/// closed by the home ring when the stream is dropped (`abandoned_item`).
#[test]
fn dropping_incoming_with_pending_connections_leaks_no_fd() {
    run(incoming_drop());
}

async fn incoming_drop() {
    let listener = TcpListener::bind(([127, 0, 0, 1], 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    let base = fd_count();
    let mut incoming = listener.incoming();
    let clients: Vec<_> = (0..10)
        .map(|_| std::net::TcpStream::connect(addr).unwrap())
        .collect();
    let first = incoming.next().await.unwrap().unwrap();
    // Let the ring accept the other nine into the stream's queue (the
    // readiness driver accepts only when the stream is polled).
    ringbolt::time::sleep(Duration::from_millis(100)).await;
    if ringbolt::Handle::current().driver() == ringbolt::runtime::Driver::IoUring {
        assert!(
            fd_count() >= base + 10 + 10,
            "the kernel accepted the pending connections: {} open, base {base}",
            fd_count()
        );
    }
    drop(incoming);
    drop(first);
    drop(clients);
    let now = settle_fds(base).await;
    assert_eq!(now, base, "accepted connections leaked");
    drop(listener);
}
