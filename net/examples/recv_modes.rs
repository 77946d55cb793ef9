//! When does a multishot receive into a provided-buffer ring
//! (`TcpStream::recv_stream`) beat plain owned-buffer reads
//! (`TcpStream::read` into a reused 4 KiB `Vec`)?
//!
//! `cargo run --release -p ringbolt-net --example recv_modes -- [RUNS]`
//!
//! For 1 and 64 connections over loopback, writer tasks send 1 KiB
//! messages (one `send` each) as fast as they can while reader tasks on
//! the same 2-worker runtime receive them, in each mode; prints messages
//! received per second (median of RUNS runs, default 5) and the spread.

use futures::StreamExt;
use ringbolt::net::{TcpListener, TcpStream};
use std::time::Instant;

const MSG: usize = 1024;
/// Messages per run, spread over the connections.
const TOTAL: usize = 400_000;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Read,
    RecvStream,
}

async fn receive(mut stream: TcpStream, mode: Mode) -> usize {
    let mut total = 0;
    match mode {
        Mode::Read => {
            let mut buf = Vec::with_capacity(4096);
            loop {
                buf.clear();
                let (n, b) = stream.read(buf).await;
                let n = n.unwrap();
                if n == 0 {
                    return total;
                }
                total += n;
                buf = b;
            }
        }
        Mode::RecvStream => {
            let mut items = stream.recv_stream();
            while let Some(buf) = items.next().await {
                total += buf.unwrap().len();
            }
            total
        }
    }
}

async fn send(mut stream: TcpStream, messages: usize) {
    static ONE: [u8; MSG] = [0x5a; MSG];
    for _ in 0..messages {
        let (res, _) = stream.write_all(&ONE[..]).await;
        res.unwrap();
    }
    stream.shutdown(std::net::Shutdown::Write).await.unwrap();
}

/// Messages per second for one run.
async fn run(conns: usize, mode: Mode) -> f64 {
    let listener = TcpListener::bind(([127, 0, 0, 1], 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    let per_conn = TOTAL / conns;
    let mut pairs = Vec::new();
    for _ in 0..conns {
        let (client, server) = futures::join!(TcpStream::connect(addr), listener.accept());
        pairs.push((client.unwrap(), server.unwrap().0));
    }
    let start = Instant::now();
    let mut readers = Vec::new();
    for (client, server) in pairs {
        readers.push(ringbolt::spawn(receive(server, mode)));
        ringbolt::spawn(send(client, per_conn));
    }
    let mut bytes = 0;
    for r in readers {
        bytes += r.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(bytes, per_conn * conns * MSG, "bytes lost");
    (bytes / MSG) as f64 / secs
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .map_or(5, |r| r.parse().expect("RUNS"));
    let rt = ringbolt::runtime::Builder::new()
        .worker_threads(2)
        .build()
        .unwrap();
    println!("1 KiB messages, {TOTAL} per run, 2 workers, median of {runs} runs");
    println!(
        "{:>5}  {:<11}  {:>12}  {:>21}",
        "conns", "mode", "msgs/s", "min..max"
    );
    for conns in [1, 64] {
        for mode in [Mode::Read, Mode::RecvStream] {
            let mut rates: Vec<f64> = (0..runs).map(|_| rt.block_on(run(conns, mode))).collect();
            rates.sort_by(|a, b| a.total_cmp(b));
            println!(
                "{conns:>5}  {:<11}  {:>12.0}  {:>10.0}..{:<10.0}",
                format!("{mode:?}"),
                rates[runs / 2],
                rates[0],
                rates[runs - 1]
            );
        }
    }
}
