//! `TcpStream::recv_stream`: a multishot receive into the worker's
//! provided-buffer ring, against a std peer.

use futures::StreamExt;
use ringbolt::net::{BufRingConfig, TcpListener, TcpStream};
use std::io::Write;

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

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// A ringbolt stream whose std peer writes `data` from a thread, then
/// closes.
async fn fed(data: Vec<u8>) -> (TcpStream, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind(([127, 0, 0, 1], 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    let writer = std::thread::spawn(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        for chunk in data.chunks(1000) {
            s.write_all(chunk).unwrap();
        }
    });
    let (stream, _) = listener.accept().await.unwrap();
    (stream, writer)
}

#[ringbolt::test(worker_threads = 2)]
async fn a_megabyte_through_a_recv_stream_checksums() {
    let want = pattern(1 << 20, 7);
    let (mut stream, writer) = fed(want.clone()).await;
    let mut got = Vec::with_capacity(want.len());
    let mut bufs = 0;
    let mut items = stream.recv_stream();
    while let Some(buf) = items.next().await {
        let buf = buf.unwrap();
        // The readiness driver has no provided buffers: heap ones.
        let ring = ringbolt::Handle::current().driver() == ringbolt::runtime::Driver::IoUring;
        assert_eq!(buf.is_pooled(), ring);
        got.extend_from_slice(&buf);
        bufs += 1;
    }
    writer.join().unwrap();
    assert_eq!(got.len(), want.len());
    assert_eq!(fnv(&got), fnv(&want), "checksum");
    assert!(bufs >= 256, "1 MiB in 4 KiB buffers: {bufs}");
}

#[ringbolt::test(worker_threads = 2)]
async fn a_tiny_buffer_ring_forces_enobufs_and_delivers_every_byte() {
    let want = pattern(256 * 1024, 3);
    let (mut stream, writer) = fed(want.clone()).await;
    let tiny = BufRingConfig {
        buf_count: 2,
        buf_size: 64,
    };
    let mut got = Vec::with_capacity(want.len());
    let mut items = stream.recv_stream_with(tiny);
    while let Some(buf) = items.next().await {
        let buf = buf.unwrap();
        assert!(buf.len() <= 64);
        got.extend_from_slice(&buf);
    }
    writer.join().unwrap();
    assert!(got == want, "bytes lost or reordered");
}

/// Dropping a recv stream mid-flight parks its receive in the socket; the
/// next reads hand out what it had received first.
#[ringbolt::test(worker_threads = 2)]
async fn dropping_a_recv_stream_loses_no_bytes() {
    let want = pattern(300 * 1024, 5);
    let (mut stream, writer) = fed(want.clone()).await;
    let mut got = Vec::new();
    for round in 0..20 {
        let mut items = stream.recv_stream_with(BufRingConfig {
            buf_count: 4,
            buf_size: 512,
        });
        // Take a few buffers, then drop the stream with its receive armed.
        for _ in 0..=(round % 3) {
            match items.next().await {
                Some(buf) => got.extend_from_slice(&buf.unwrap()),
                None => break,
            }
        }
        drop(items);
        let (n, buf) = stream.read(Vec::with_capacity(700)).await;
        got.extend_from_slice(&buf[..n.unwrap()]);
    }
    loop {
        let (n, buf) = stream.read(Vec::with_capacity(64 * 1024)).await;
        let n = n.unwrap();
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    writer.join().unwrap();
    assert!(
        got == want,
        "bytes lost or reordered ({} of {})",
        got.len(),
        want.len()
    );
}
