//! Cross-thread scenarios under random interleavings: many seeds, each on a
//! fresh runtime whose executor and reactor perturb their schedules from
//! that seed (the `chaos` feature, see `ringbolt_coop::chaos`): wakes sent
//! to the injector instead of the local queue, steals first, picked tasks
//! put back, helps of workers that are not stuck, spurious yields, spins
//! and thread yields between the steps of the cross-thread protocols.
//!
//! Each seed runs, at once: wakes between tasks and from foreign threads;
//! socket echo through split halves whose reads are cancelled by random
//! timeouts; reads aborted from another task or a foreign thread (the
//! cancel travels to the op's home ring); a worker stuck in long polls
//! while I/O it should deliver completes; sleeps and timeouts; file reads;
//! `JoinSet`, `TaskGroup` and `spawn_blocking`. Every byte and value is
//! checked, and afterwards no op, timer or task is left. A lost wake-up
//! shows up as a seed that hangs (a watchdog reports it), a reordered or
//! doubled completion as a failed check or a panic; either way the seed is
//! printed.
//!
//! ```text
//! cargo test -p ringbolt-tests --features chaos --test interleavings
//! RINGBOLT_SEEDS=200 ...          # how many seeds (default 1000)
//! RINGBOLT_SEED_BASE=7000 ...     # the first one (default: from the clock)
//! RINGBOLT_SEED=7042 ...          # replay one seed, RINGBOLT_REPEAT times (default 20)
//! ```
//!
//! A seed fixes every thread's perturbations, not the OS scheduler, so a
//! replay makes the failure likely to come back, not certain.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ringbolt::net::UnixStream;
use ringbolt::runtime::Builder;
use ringbolt::task::{JoinSet, TaskGroup};
use ringbolt::time::{sleep, timeout};

/// A seed running this long has lost a wake-up (a seed takes milliseconds).
const HANG: Duration = Duration::from_secs(20);

/// The byte at `offset` of stream `stream` of seed `seed`.
fn pattern(seed: u64, stream: u64, offset: u64) -> u8 {
    let x = seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ offset.wrapping_mul(31);
    (x ^ (x >> 13) ^ (x >> 29)) as u8
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    Some(
        v.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
    )
}

/// The seed now running, for the panic hook and the watchdog (`u64::MAX`:
/// none).
static CURRENT: AtomicU64 = AtomicU64::new(u64::MAX);

fn main() {
    let seeds: Vec<u64> = match env_u64("RINGBOLT_SEED") {
        Some(seed) => vec![seed; env_u64("RINGBOLT_REPEAT").unwrap_or(20) as usize],
        None => {
            let base = env_u64("RINGBOLT_SEED_BASE").unwrap_or_else(|| {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .expect("clock after 1970");
                now.as_secs() % 1_000_000 * 1000
            });
            let count = env_u64("RINGBOLT_SEEDS").unwrap_or(1000);
            (base..base + count).collect()
        }
    };
    println!(
        "interleavings: {} runs, seeds {}..={} (replay one with RINGBOLT_SEED=<seed>)",
        seeds.len(),
        seeds[0],
        seeds[seeds.len() - 1]
    );
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default_hook(info);
        let seed = CURRENT.load(Ordering::SeqCst);
        eprintln!("interleavings: panic under seed {seed} (replay with RINGBOLT_SEED={seed})");
        // No scenario panics on purpose: a check failed, here or in a
        // task, or the runtime broke. Do not wait for the shutdown of a
        // runtime that may hang (an op whose completion was lost).
        std::process::exit(1);
    }));
    report_seed_on_abort();
    let progress = Arc::new(AtomicU64::new(0));
    let watched = Arc::clone(&progress);
    std::thread::spawn(move || {
        let mut last = (u64::MAX, Instant::now());
        loop {
            std::thread::sleep(Duration::from_millis(200));
            let now = watched.load(Ordering::SeqCst);
            if now != last.0 {
                last = (now, Instant::now());
            } else if last.1.elapsed() > HANG {
                let seed = CURRENT.load(Ordering::SeqCst);
                eprintln!(
                    "interleavings: seed {seed} hung for {HANG:?} (a lost wake-up?); \
                     replay with RINGBOLT_SEED={seed}"
                );
                std::process::exit(1);
            }
        }
    });
    let start = Instant::now();
    for (i, &seed) in seeds.iter().enumerate() {
        CURRENT.store(seed, Ordering::SeqCst);
        progress.store(i as u64, Ordering::SeqCst);
        run_seed(seed);
    }
    println!(
        "interleavings: {} runs passed in {:.1?}",
        seeds.len(),
        start.elapsed()
    );
}

/// A failed unsafe-precondition check or a panic inside a panic aborts
/// without running the panic hook: name the seed before the process dies.
fn report_seed_on_abort() {
    fn action() {
        let mut line = [0u8; 96];
        let mut len = 0;
        let mut put = |bytes: &[u8]| {
            line[len..len + bytes.len()].copy_from_slice(bytes);
            len += bytes.len();
        };
        put(b"\ninterleavings: abort under seed ");
        let seed = CURRENT.load(Ordering::SeqCst);
        let mut digits = [0u8; 20];
        let mut n = digits.len();
        let mut v = seed;
        loop {
            n -= 1;
            digits[n] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        put(&digits[n..]);
        put(b" (replay with RINGBOLT_SEED=<that seed>)\n");
        // SAFETY: write(2) on stderr from a stack buffer of `len` bytes;
        // it is async-signal-safe, as is everything else here (an atomic
        // load and arithmetic on the stack).
        unsafe { libc::write(2, line.as_ptr().cast(), len) };
    }
    // SAFETY: `action` is async-signal-safe (see above); returning from it
    // lets `abort` go on to end the process.
    let registered = unsafe { signal_hook::low_level::register(libc::SIGABRT, action) };
    registered.expect("SIGABRT action");
}

fn run_seed(seed: u64) {
    ringbolt_coop::chaos::set_seed(seed);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut builder = Builder::new();
    builder.worker_threads(2 + rng.usize(0..2));
    if rng.u8(0..4) == 0 {
        // SQ-full flushes and CQ overflow on the way.
        builder.sq_entries(2).cq_entries(4);
    }
    let rt = builder.build().expect("io_uring runtime");
    let handle = rt.handle().clone();
    let file = test_file();
    rt.block_on(async {
        let (a, b, b2, c, d, e, f, g) = futures::join!(
            wakes(rng.u64(..)),
            echo(seed, rng.u64(..)),
            echo(seed, rng.u64(..)),
            aborted_reads(rng.u64(..)),
            stuck_worker(rng.u64(..)),
            timers(rng.u64(..)),
            file_reads(&file, rng.u64(..)),
            churn(rng.u64(..)),
        );
        let _ = (a, b, b2, c, d, e, f, g);
    });
    // Everything was awaited: nothing may be left, once the rings have
    // turned (a dropped sleep is removed by its home ring's next turn).
    let quiet = (0..2000).any(|_| {
        let m = handle.metrics();
        let ops: u64 = m.workers.iter().map(|w| w.ring.ops_in_flight).sum();
        let timers: u64 = m.workers.iter().map(|w| w.ring.timers_pending).sum();
        if ops == 0 && timers == 0 && m.alive_tasks == 0 {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
        false
    });
    let m = handle.metrics();
    assert!(
        quiet,
        "seed {seed}: ops, timers or tasks left behind: {m:?}"
    );
    drop(rt);
}

/// A 16 KiB file of the pattern of stream 0 of seed 0.
fn test_file() -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    let data: Vec<u8> = (0..16 * 1024).map(|i| pattern(0, 0, i)).collect();
    std::io::Write::write_all(&mut file, &data).expect("write temp file");
    file
}

/// Wakes between tasks (ping-pong over channels) and from foreign threads.
async fn wakes(seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let rounds = rng.u32(10..60);
    let (to_b, mut from_a) = ringbolt::sync::mpsc::channel::<u32>(1);
    let (to_a, mut from_b) = ringbolt::sync::mpsc::channel::<u32>(1);
    let b = ringbolt::spawn(async move {
        while let Some(v) = from_a.recv().await {
            if to_a.send(v + 1).await.is_err() {
                break;
            }
        }
    });
    let a = ringbolt::spawn(async move {
        let mut v = 0;
        for _ in 0..rounds {
            to_b.send(v).await.expect("b is alive");
            v = from_b.recv().await.expect("b answers") + 1;
        }
        v
    });
    // A foreign thread wakes tasks through oneshots, one after another.
    let foreign = rng.u32(1..8);
    let mut receivers = Vec::new();
    let mut senders = Vec::new();
    for _ in 0..foreign {
        let (tx, rx) = ringbolt::sync::oneshot::channel::<u32>();
        senders.push(tx);
        receivers.push(ringbolt::spawn(async move { rx.await.expect("sent") }));
    }
    let pause = rng.u64(0..200);
    let thread = std::thread::spawn(move || {
        for (i, tx) in senders.into_iter().enumerate() {
            std::thread::sleep(Duration::from_micros(pause));
            tx.send(i as u32).expect("receiver alive");
        }
    });
    assert_eq!(a.await.expect("a"), 2 * rounds);
    b.await.expect("b");
    for (i, r) in receivers.into_iter().enumerate() {
        assert_eq!(r.await.expect("receiver"), i as u32);
    }
    thread.join().expect("foreign thread");
}

/// Echo through split halves: a writer, an echoer, and a reader whose reads
/// are cancelled by random timeouts (a cancelled stream read loses no
/// bytes: its op stays parked in the half).
async fn echo(seed: u64, sub: u64) {
    let mut rng = fastrand::Rng::with_seed(sub);
    let (client, server) = UnixStream::pair().expect("socket pair");
    let total = rng.usize(1..48 * 1024);
    let stream = rng.u64(..);
    let server = ringbolt::spawn(async move {
        let (mut r, mut w) = server.into_split();
        let mut echoed = 0;
        loop {
            let (n, buf) = r.read(Vec::with_capacity(4096)).await;
            let n = n.expect("server read");
            if n == 0 {
                return echoed;
            }
            let (res, _) = w.write_all(buf).await;
            res.expect("server write");
            echoed += n;
        }
    });
    let (mut r, mut w) = client.into_split();
    let mut chunks = rng.clone();
    let writer = ringbolt::spawn(async move {
        let mut sent = 0;
        while sent < total {
            let n = chunks.usize(1..2048).min(total - sent);
            let data: Vec<u8> = (sent..sent + n)
                .map(|i| pattern(seed, stream, i as u64))
                .collect();
            let (res, _) = w.write_all(data).await;
            res.expect("client write");
            sent += n;
        }
        // Keep the write half until the reader is done: dropping it shuts
        // the direction down, which the echoer takes as the end.
        w
    });
    let mut got = 0;
    while got < total {
        let limit = Duration::from_micros(rng.u64(0..300));
        match timeout(limit, r.read(Vec::with_capacity(rng.usize(1..2048)))).await {
            Err(_elapsed) => continue,
            Ok((n, buf)) => {
                let n = n.expect("client read");
                assert!(n > 0, "early end of stream at {got} of {total}");
                for (i, &byte) in buf[..n].iter().enumerate() {
                    let at = (got + i) as u64;
                    assert_eq!(byte, pattern(seed, stream, at), "byte {at} of {total}");
                }
                got += n;
            }
        }
    }
    drop(writer.await.expect("writer"));
    assert_eq!(server.await.expect("server"), total);
}

/// A read with no data aborted from another task or from a foreign thread:
/// its op is cancelled on its home ring, the stream it owned is closed
/// after the op's last completion, and the peer sees the end of the stream.
async fn aborted_reads(seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    for _ in 0..rng.u32(1..4) {
        let (mine, mut peer) = UnixStream::pair().expect("socket pair");
        let reader = ringbolt::spawn(async move {
            let mut mine = mine;
            let (n, _) = mine.read(Vec::with_capacity(64)).await;
            panic!("a read with no data returned {n:?}");
        });
        let pause = Duration::from_micros(rng.u64(0..500));
        let reader = if rng.bool() {
            sleep(pause).await;
            reader.abort();
            reader
        } else {
            let (tx, rx) = ringbolt::sync::oneshot::channel();
            std::thread::spawn(move || {
                std::thread::sleep(pause);
                reader.abort();
                let _ = tx.send(reader);
            });
            rx.await.expect("the thread sends the handle back")
        };
        let err = reader.await.expect_err("aborted");
        assert!(err.is_cancelled(), "{err:?}");
        let (n, _) = peer.read(Vec::with_capacity(8)).await;
        assert_eq!(n.expect("peer read"), 0, "the peer sees the end");
    }
}

/// A task spins in long polls while a read whose op may sit on its worker's
/// ring completes: a watcher delivers it (or the spinning worker does after
/// its poll).
async fn stuck_worker(seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let (mine, peer) = std::os::unix::net::UnixStream::pair().expect("socket pair");
    let mut mine = UnixStream::from_std(mine).expect("ringbolt stream");
    let spins = rng.u32(1..4);
    let spin = Duration::from_micros(rng.u64(500..3000));
    let spinner = ringbolt::spawn(async move {
        for _ in 0..spins {
            let start = Instant::now();
            while start.elapsed() < spin {
                std::hint::spin_loop();
            }
            ringbolt::task::yield_now().await;
        }
    });
    let pause = Duration::from_micros(rng.u64(0..2000));
    let writer = std::thread::spawn(move || {
        std::thread::sleep(pause);
        std::io::Write::write_all(&mut &peer, b"done").expect("foreign write");
        peer
    });
    let mut got = Vec::new();
    while got.len() < 4 {
        let (n, buf) = mine.read(Vec::with_capacity(4)).await;
        let n = n.expect("read");
        assert!(n > 0, "early end of stream");
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, b"done");
    spinner.await.expect("spinner");
    drop(writer.join().expect("writer thread"));
}

/// Sleeps that must last at least their time, and timeouts that drop
/// sleeps registered on another worker's wheel.
async fn timers(seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut set = JoinSet::new();
    for _ in 0..rng.u32(1..12) {
        let d = Duration::from_micros(rng.u64(0..2000));
        let cut = Duration::from_micros(rng.u64(0..2000));
        set.spawn(async move {
            let start = Instant::now();
            match timeout(cut, sleep(d)).await {
                Ok(()) => assert!(start.elapsed() >= d, "a sleep of {d:?} ended early"),
                Err(_) => assert!(start.elapsed() >= cut, "a timeout of {cut:?} fired early"),
            }
        });
    }
    while let Some(r) = set.join_next().await {
        r.expect("timer task");
    }
}

/// Reads of one file at random offsets from many tasks, some cancelled.
async fn file_reads(file: &tempfile::NamedTempFile, seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let path = file.path().to_owned();
    let file = Arc::new(ringbolt::fs::File::open(&path).await.expect("open"));
    let mut set = JoinSet::new();
    for _ in 0..rng.u32(1..32) {
        let file = Arc::clone(&file);
        let offset = rng.u64(0..16 * 1024);
        let len = rng.usize(1..4096);
        let cancel = rng.u8(0..4) == 0;
        set.spawn(async move {
            let read = file.read_at(Vec::with_capacity(len), offset);
            let (n, buf) = if cancel {
                match timeout(Duration::ZERO, read).await {
                    Ok(done) => done,
                    Err(_) => return,
                }
            } else {
                read.await
            };
            let n = n.expect("read_at");
            assert_eq!(n, len.min((16 * 1024 - offset) as usize));
            for (i, &byte) in buf[..n].iter().enumerate() {
                assert_eq!(byte, pattern(0, 0, offset + i as u64));
            }
        });
    }
    while let Some(r) = set.join_next().await {
        r.expect("file task");
    }
}

/// Spawn and abort churn, a `TaskGroup` whose failure cancels its
/// siblings, `spawn_blocking`.
async fn churn(seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut set = JoinSet::new();
    let n = rng.u64(1..16);
    for i in 0..n {
        let d = Duration::from_micros(rng.u64(0..500));
        set.spawn(async move {
            sleep(d).await;
            i
        });
    }
    if rng.bool() {
        sleep(Duration::from_micros(rng.u64(0..300))).await;
        set.abort_all();
    }
    let mut sum = 0;
    let mut all_ran = true;
    while let Some(r) = set.join_next().await {
        match r {
            Ok(i) => sum += i,
            Err(e) => {
                assert!(e.is_cancelled(), "{e:?}");
                all_ran = false;
            }
        }
    }
    if all_ran {
        assert_eq!(sum, n * (n - 1) / 2);
    }

    let mut group: TaskGroup<u32, &'static str> = TaskGroup::new();
    let failing = rng.u32(0..4);
    for i in 0..4 {
        let d = Duration::from_micros(rng.u64(0..300));
        group.spawn(async move {
            sleep(d).await;
            if i == failing {
                Err("failed")
            } else {
                std::future::pending::<()>().await;
                Ok(i)
            }
        });
    }
    let err = group.join().await.expect_err("one task fails");
    assert_eq!(err.errors().collect::<Vec<_>>(), [&"failed"]);

    let data: Vec<u8> = (0..rng.usize(0..4096)).map(|i| i as u8).collect();
    let expected: u64 = data.iter().map(|&b| u64::from(b)).sum();
    let sum = ringbolt::spawn_blocking(move || data.iter().map(|&b| u64::from(b)).sum::<u64>())
        .await
        .expect("blocking task");
    assert_eq!(sum, expected);
}
