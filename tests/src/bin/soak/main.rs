//! Soak test: mixed random work on one ringbolt runtime for a bounded time,
//! every byte and every file checked, and at the end no growth of file
//! descriptors, threads, live ops, timers, tasks or memory beyond the
//! bounds printed at the start.
//!
//! ```text
//! cargo run --release -p ringbolt-tests --bin soak                  # 60 s
//! cargo run --release -p ringbolt-tests --bin soak -- --secs 600 --seed 42 --workers 4 --actors 16
//! ```
//!
//! A few *actors* (tasks) each run random jobs until the time is up:
//!
//! - **echo**: a TCP connection to an echo server in the same runtime (or
//!   a Unix socket pair served by `futures::io::copy`); a writer task and
//!   a reader whose every `write`, `flush` and `read` may be cancelled by a
//!   random timeout and is then retried (a cancelled stream read or
//!   `poll_write` loses no byte); every echoed byte is checked, and the
//!   write side is flushed, closed, or dropped with bytes unsent (they must
//!   still arrive); some sessions are abandoned midway with ops in flight;
//! - **file**: a file created, written in random chunks (some writes
//!   cancelled and redone), read back in random chunks into one reused
//!   buffer (some reads cancelled), checked, closed or dropped, deleted;
//! - **churn**: `spawn`, `abort` (of idle and running tasks), `JoinSet`
//!   with `abort_all`, a `TaskGroup` whose failure cancels its siblings;
//! - **sleep**: sleeps and timeouts, each at least as long as asked;
//! - **blocking**: `spawn_blocking` checksums.
//!
//! The seed (printed) decides every job's shape; the threads' interleaving
//! is the machine's, so a replay repeats the work, not the schedule.
//! Failure: a message naming the check and the seed, exit status 1.

mod files;
mod net;
mod tasks;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ringbolt::net::TcpListener;
use ringbolt::task::JoinSet;

/// Blocking-pool threads the runtime may start.
const MAX_BLOCKING: usize = 8;
/// Kernel io-wq workers per ring and kind (bounded, unbounded).
const IO_WQ: u32 = 2;
/// How much resident memory may grow from the warm-up sample to the end.
const RSS_SLACK_KIB: u64 = 32 * 1024;

struct Config {
    secs: u64,
    seed: u64,
    workers: usize,
    actors: usize,
}

fn usage() -> ! {
    eprintln!("usage: soak [--secs N (60)] [--seed N] [--workers N (2)] [--actors N (8)]");
    std::process::exit(2)
}

fn config() -> Config {
    let mut c = Config {
        secs: 60,
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64 % 1_000_000_000),
        workers: 2,
        actors: 8,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value: u64 = match args.next().map(|v| v.parse()) {
            Some(Ok(v)) => v,
            _ => usage(),
        };
        match flag.as_str() {
            "--secs" => c.secs = value,
            "--seed" => c.seed = value,
            "--workers" if value > 0 => c.workers = value as usize,
            "--actors" if value > 0 => c.actors = value as usize,
            _ => usage(),
        }
    }
    c
}

/// What the jobs did, for the summary.
#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) echo_sessions: AtomicU64,
    pub(crate) echo_bytes: AtomicU64,
    pub(crate) abandoned_sessions: AtomicU64,
    pub(crate) cancelled_io: AtomicU64,
    pub(crate) files: AtomicU64,
    pub(crate) file_bytes: AtomicU64,
    pub(crate) tasks: AtomicU64,
    pub(crate) aborted: AtomicU64,
    pub(crate) sleeps: AtomicU64,
    pub(crate) blocking: AtomicU64,
}

/// The byte at `offset` of the data stream or file named `id`.
pub(crate) fn pattern(id: u64, offset: u64) -> u8 {
    let x = id ^ offset.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (x ^ (x >> 17) ^ (x >> 41)) as u8
}

pub(crate) fn fill(id: u64, from: usize, to: usize) -> Vec<u8> {
    (from..to).map(|i| pattern(id, i as u64)).collect()
}

pub(crate) fn check(id: u64, at: usize, got: &[u8], what: &str) {
    for (i, &byte) in got.iter().enumerate() {
        let want = pattern(id, (at + i) as u64);
        assert_eq!(byte, want, "{what} {id:#x}: byte {} differs", at + i);
    }
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .count()
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// A random duration below `max_us` microseconds, often zero.
pub(crate) fn cut(rng: &mut fastrand::Rng, max_us: u64) -> Duration {
    if rng.u8(0..4) == 0 {
        Duration::ZERO
    } else {
        Duration::from_micros(rng.u64(0..max_us))
    }
}

fn main() {
    let c = config();
    let seed = c.seed;
    let thread_bound = MAX_BLOCKING + (c.workers + 1) * 2 * IO_WQ as usize;
    println!(
        "soak: seed {seed}, {} s, {} workers, {} actors (replay with --seed {seed}); \
         at the end: no live op, timer or task, no more fds than at the start, \
         at most {thread_bound} threads more (blocking pool {MAX_BLOCKING}, io-wq \
         {IO_WQ} x 2 per ring), RSS at most {} MiB above the warm-up sample",
        c.secs,
        c.workers,
        c.actors,
        RSS_SLACK_KIB / 1024
    );
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default_hook(info);
        eprintln!("soak: FAILED under seed {seed} (replay with --seed {seed})");
        std::process::exit(1);
    }));
    let rt = ringbolt::runtime::Builder::new()
        .worker_threads(c.workers)
        .max_blocking_threads(MAX_BLOCKING)
        .io_wq_max_workers(IO_WQ)
        .build()
        .expect("io_uring runtime");
    let handle = rt.handle().clone();
    let dir = tempfile::tempdir().expect("temp dir");
    let deadline = Instant::now() + Duration::from_secs(c.secs);
    // Whatever a job does, it ends within this of the deadline; past it, the
    // runtime has lost a wake-up or an op.
    let stuck_after = deadline + Duration::from_secs(120);
    std::thread::spawn(move || {
        while Instant::now() < stuck_after {
            std::thread::sleep(Duration::from_millis(500));
        }
        eprintln!("soak: FAILED: still running 120 s past the deadline under seed {seed}");
        std::process::exit(1);
    });
    let (fds0, threads0) = (open_fds(), threads());
    let stats = Arc::new(Stats::default());
    let warm = rt.block_on(run(&c, deadline, dir.path().to_owned(), Arc::clone(&stats)));

    // Quiescence: every job was awaited; what may still run is a dropped
    // stream's write-behind (bounded by its 30 s linger).
    let start = Instant::now();
    let quiet = loop {
        let m = handle.metrics();
        let ops: u64 = m.workers.iter().map(|w| w.ring.ops_in_flight).sum();
        let timers: u64 = m.workers.iter().map(|w| w.ring.timers_pending).sum();
        let bufs: u64 = m.workers.iter().map(|w| w.ring.provided_bufs_out).sum();
        if ops == 0 && timers == 0 && bufs == 0 && m.alive_tasks == 0 {
            break true;
        }
        if start.elapsed() > Duration::from_secs(40) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let m = handle.metrics();
    assert!(quiet, "ops, timers, buffers or tasks left behind: {m:?}");
    drop(dir);
    let (fds1, threads1, rss1) = (open_fds(), threads(), rss_kib());
    let s = &stats;
    println!(
        "soak: {} echo sessions ({} MiB checked, {} abandoned), {} files ({} MiB checked), \
         {} I/O ops cancelled by timeouts, {} tasks ({} aborted), {} sleeps, {} blocking jobs",
        s.echo_sessions.load(Relaxed),
        s.echo_bytes.load(Relaxed) >> 20,
        s.abandoned_sessions.load(Relaxed),
        s.files.load(Relaxed),
        s.file_bytes.load(Relaxed) >> 20,
        s.cancelled_io.load(Relaxed),
        s.tasks.load(Relaxed),
        s.aborted.load(Relaxed),
        s.sleeps.load(Relaxed),
        s.blocking.load(Relaxed),
    );
    println!(
        "soak: fds {fds0} -> {fds1}, threads {threads0} -> {threads1}, \
         RSS {} MiB after warm-up -> {} MiB",
        warm >> 10,
        rss1 >> 10
    );
    assert!(fds1 <= fds0, "file descriptors grew from {fds0} to {fds1}");
    assert!(
        threads1 <= threads0 + thread_bound,
        "threads grew from {threads0} to {threads1} (bound {thread_bound})"
    );
    assert!(
        rss1 <= warm + RSS_SLACK_KIB,
        "resident memory grew from {warm} KiB to {rss1} KiB"
    );
    drop(rt);
    println!("soak: ok (seed {seed})");
}

/// Runs the actors until `deadline`; returns the RSS sampled after the
/// warm-up (a quarter of the run).
async fn run(c: &Config, deadline: Instant, dir: PathBuf, stats: Arc<Stats>) -> u64 {
    let listener = TcpListener::bind(([127, 0, 0, 1], 0)).expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local addr");
    let server = ringbolt::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.expect("accept");
            ringbolt::spawn(net::echo_owned(stream));
        }
    });
    let start = Instant::now();
    let warm_at = start + (deadline - start) / 4;
    let mut actors = JoinSet::new();
    for actor in 0..c.actors as u64 {
        let rng =
            fastrand::Rng::with_seed(c.seed ^ (actor + 1).wrapping_mul(0xA076_1D64_78BD_642F));
        let (dir, stats) = (dir.clone(), Arc::clone(&stats));
        actors.spawn(actor_loop(rng, deadline, addr, dir, stats));
    }
    ringbolt::time::sleep_until(warm_at).await;
    let warm = rss_kib();
    while let Some(r) = actors.join_next().await {
        r.expect("actor");
    }
    server.abort();
    let _ = server.await;
    warm
}

async fn actor_loop(
    mut rng: fastrand::Rng,
    deadline: Instant,
    addr: std::net::SocketAddr,
    dir: PathBuf,
    stats: Arc<Stats>,
) {
    while Instant::now() < deadline {
        let job = rng.u64(..);
        match rng.u8(0..100) {
            0..35 => net::echo(job, Some(addr), &stats).await,
            35..45 => net::echo(job, None, &stats).await,
            45..50 => net::abandoned_echo(job, addr, &stats).await,
            50..70 => files::file(job, &dir, &stats).await,
            70..85 => tasks::churn(job, &stats).await,
            85..93 => tasks::sleeps(job, &stats).await,
            _ => tasks::blocking(job, &stats).await,
        }
    }
}
