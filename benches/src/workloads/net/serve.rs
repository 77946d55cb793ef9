//! `serve_64conn`: the echo server alone, driven from outside.
//!
//! In `echo_*` the clients are tasks of the runtime under test, so each
//! runtime also pays for (and schedules) the client side, and where a
//! connection's two ends run is up to its scheduler: a thread-per-core
//! runtime keeps both ends of each connection on one thread, which no
//! server with remote clients gets. Here the runtime under test runs only
//! the listener and the echo tasks; the clients come from a **load
//! generator**, the same for every server: one thread running a tokio
//! current-thread runtime with one task per connection
//! ([`load_generator`]; connect untimed, then [`SERVE_MESSAGES_PER_CONN`]
//! round trips of [`MESSAGE_SIZE`] bytes on each, `TCP_NODELAY`). This is how servers are usually measured (wrk,
//! h2load): the figure is messages per second and the round-trip latency
//! the clients see.
//!
//! The load generator needs a core, so the server runs with one worker
//! fewer than requested (at least one); monoio, the baseline, runs as many
//! threads, each with its own listener, and the generator spreads the
//! connections over them round-robin (a balancer in front of a
//! thread-per-core server).

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

use super::{
    latency_stride, loopback_any_port, serve, short_echo, task_failed, NetRuntime, ITERATION_LIMIT,
    LISTEN_BACKLOG, MESSAGE_SIZE, MONOIO,
};
use crate::runtimes::AnyRuntime;
use crate::workloads::{scaled, Sample, Workload};

/// Connections the load generator opens.
pub const SERVE_CONNECTIONS: usize = 64;
/// Round trips per connection per iteration, at scale 1.
pub const SERVE_MESSAGES_PER_CONN: usize = 200;

/// The echo server under an external load generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Serve64Conn;

impl Serve64Conn {
    /// `(connections, round trips per connection)` at `scale`.
    pub fn shape(self, scale: f64) -> (usize, usize) {
        (SERVE_CONNECTIONS, scaled(SERVE_MESSAGES_PER_CONN, scale))
    }

    /// Runs one iteration with `rt` as the server.
    ///
    /// # Panics
    /// On an I/O error, a short echo, or past [`ITERATION_LIMIT`].
    pub fn run_on<R: NetRuntime>(self, rt: &R, scale: f64) -> Sample {
        let (conns, msgs) = self.shape(scale);
        serve_external(rt, conns, msgs)
    }
}

/// Server workers left once the load generator has its core.
pub fn server_workers(requested: usize) -> usize {
    requested.saturating_sub(1).max(1)
}

impl Workload for Serve64Conn {
    fn name(&self) -> &'static str {
        "serve_64conn"
    }

    fn family(&self) -> &'static str {
        "net"
    }

    fn description(&self) -> &'static str {
        "echo server only: 64 clients x 200 round trips of 1 KiB from an external load generator"
    }

    fn ops_per_iter(&self, scale: f64) -> Option<u64> {
        let (conns, msgs) = self.shape(scale);
        Some((conns * msgs) as u64)
    }

    fn run(&self, rt: &AnyRuntime, scale: f64) -> Sample {
        crate::with_runtime!(rt, |r| self.run_on(r, scale))
    }

    fn workers(&self, requested: usize) -> usize {
        let workers = server_workers(requested);
        super::REQUESTED_WORKERS.store(workers, Ordering::Relaxed);
        workers
    }

    fn baselines(&self) -> &'static [&'static str] {
        &[MONOIO]
    }

    fn run_baseline(&self, index: usize, scale: f64) -> Option<Sample> {
        let (conns, msgs) = self.shape(scale);
        (index == 0).then(|| monoio_serve(super::monoio_threads(), conns, msgs))
    }
}

/// One iteration with `rt` as the server: the listener and one echo task
/// per connection run on `rt`; the load generator runs on this thread.
///
/// # Panics
/// On an I/O error, a short echo, or past [`ITERATION_LIMIT`].
pub fn serve_external<R: NetRuntime>(rt: &R, conns: usize, msgs_per_conn: usize) -> Sample {
    serve_driven(rt, conns, |addrs| {
        load_generator(addrs, conns, msgs_per_conn)
    })
}

/// One iteration with `rt` as the server, `conns` connections, driven by
/// `generate`: given the server's address, it opens `conns` connections,
/// exchanges its messages, closes them and returns its sample (a thread of
/// this process for [`serve_external`], another process for
/// `serve_64conn_ext`).
///
/// # Panics
/// On a server I/O error, when `generate` fails, or past
/// [`ITERATION_LIMIT`].
pub fn serve_driven<R: NetRuntime>(
    rt: &R,
    conns: usize,
    generate: impl FnOnce(&[SocketAddr]) -> io::Result<Sample>,
) -> Sample {
    let (addr_tx, addr_rx) = mpsc::channel();
    let server = rt.spawn_remote(R::timeout(ITERATION_LIMIT, async move {
        let listener = R::listen(loopback_any_port(), LISTEN_BACKLOG).await?;
        // The receiver waits for this; if it is gone there is nobody to serve.
        let _ = addr_tx.send(R::local_addr(&listener)?);
        let mut servers = Vec::with_capacity(conns);
        for _ in 0..conns {
            let conn = R::conn(R::accept(&listener).await?)?;
            servers.push(R::spawn(serve::<R>(conn)));
        }
        for s in servers {
            s.await.map_err(task_failed)??;
        }
        io::Result::Ok(())
    }));
    let addr = addr_rx
        .recv_timeout(ITERATION_LIMIT)
        .expect("serve: the server never reported its address (bind failed?)");
    let sample = generate(&[addr]);
    if sample.is_err() {
        release_acceptors(&[addr], conns);
    }
    // The generator closed every connection: each echo task sees end of stream.
    let served = rt.block_on(server);
    // A generator that failed is the cause of whatever the server saw.
    let sample = sample.unwrap_or_else(|e| panic!("serve: load generator: {e}"));
    match served {
        Ok(Some(Ok(()))) => sample,
        Ok(Some(Err(e))) => panic!("serve: server I/O error: {e}"),
        Ok(None) => panic!("serve: server ran longer than {ITERATION_LIMIT:?}"),
        Err(e) => panic!("serve: server task failed: {e:?}"),
    }
}

/// After a failed load generator: connects `conns` times, round-robin over
/// `addrs`, closing each connection at once, so that servers still waiting
/// to accept get their connections and end (each echo task sees end of
/// stream) instead of waiting out [`ITERATION_LIMIT`]. Errors are ignored:
/// the generator's is the one reported.
fn release_acceptors(addrs: &[SocketAddr], conns: usize) {
    for addr in addrs.iter().cycle().take(conns) {
        let _ = std::net::TcpStream::connect_timeout(addr, std::time::Duration::from_secs(1));
    }
}

/// The load generator: `conns` connections, the `i`-th to
/// `addrs[i % addrs.len()]`, each doing `msgs_per_conn` round trips, from
/// one tokio current-thread runtime on the calling thread (epoll, one
/// `send`/`recv` system call each, answering every echo as it comes, as
/// wrk-style generators do). Connecting is untimed. Returns the time from
/// the first message to the last echo and every `stride`-th round trip's
/// latency; the connections are closed when it returns.
///
/// # Errors
/// Connecting, sending or receiving failed, an echo came back short, or
/// the whole run took longer than [`ITERATION_LIMIT`] (`TimedOut`).
pub fn load_generator(
    addrs: &[SocketAddr],
    conns: usize,
    msgs_per_conn: usize,
) -> io::Result<Sample> {
    load_generator_with_stride(
        addrs,
        conns,
        msgs_per_conn,
        latency_stride(conns * msgs_per_conn),
    )
}

/// [`load_generator`] recording every `stride`-th round trip's latency
/// (1: every one, for tail latencies).
///
/// # Errors
/// As [`load_generator`].
pub fn load_generator_with_stride(
    addrs: &[SocketAddr],
    conns: usize,
    msgs_per_conn: usize,
    stride: usize,
) -> io::Result<Sample> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "load generator: no server address",
        ));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let stride = stride.max(1);
    let addrs = addrs.to_vec();
    let run = async move {
        let mut streams = Vec::with_capacity(conns);
        for i in 0..conns {
            let s = tokio::net::TcpStream::connect(addrs[i % addrs.len()]).await?;
            s.set_nodelay(true)?;
            streams.push(s);
        }
        let start = Instant::now();
        let clients: Vec<_> = streams
            .into_iter()
            .map(|mut s| {
                tokio::spawn(async move {
                    let msg = vec![0x5a; MESSAGE_SIZE];
                    let mut buf = vec![0; MESSAGE_SIZE];
                    let mut latencies = Vec::with_capacity(msgs_per_conn / stride + 1);
                    for i in 0..msgs_per_conn {
                        let sent = Instant::now();
                        s.write_all(&msg).await?;
                        let mut got = 0;
                        while got < MESSAGE_SIZE {
                            match s.read(&mut buf[got..]).await? {
                                0 => return Err(short_echo(got)),
                                n => got += n,
                            }
                        }
                        if i % stride == 0 {
                            latencies.push(sent.elapsed());
                        }
                    }
                    io::Result::Ok(latencies)
                })
            })
            .collect();
        let mut latencies = Vec::new();
        for c in clients {
            latencies.extend(c.await.map_err(task_failed)??);
        }
        io::Result::Ok(Sample {
            elapsed: start.elapsed(),
            latencies,
            ..Sample::default()
        })
    };
    rt.block_on(async move {
        tokio::time::timeout(ITERATION_LIMIT, run)
            .await
            .map_err(|_| {
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("load generator ran longer than {ITERATION_LIMIT:?}"),
                )
            })?
    })
}

/// The monoio baseline: `threads` monoio runtimes, each with its own
/// listener; the load generator (on this thread) spreads the connections
/// over them round-robin, so thread `t` serves connections `t`, `t +
/// threads`, … as a thread-per-core server behind a balancer would.
///
/// # Panics
/// On an I/O error, a short echo, or past [`ITERATION_LIMIT`].
pub fn monoio_serve(threads: usize, conns: usize, msgs_per_conn: usize) -> Sample {
    monoio_serve_with(threads, conns, msgs_per_conn, None, None)
}

/// [`monoio_serve`] with the load generator recording every `stride`-th
/// latency (`None`: the default stride) and, with `hog = Some(slice)`, a
/// CPU task on thread 0 that computes in `slice`-long pieces and yields
/// between them for as long as the iteration runs.
///
/// # Panics
/// As [`monoio_serve`].
pub fn monoio_serve_with(
    threads: usize,
    conns: usize,
    msgs_per_conn: usize,
    stride: Option<usize>,
    hog: Option<std::time::Duration>,
) -> Sample {
    let stride = stride.unwrap_or_else(|| latency_stride(conns * msgs_per_conn));
    monoio_serve_driven(threads, conns, hog, |addrs| {
        load_generator_with_stride(addrs, conns, msgs_per_conn, stride)
    })
}

/// The monoio baseline driven by `generate`, which gets one listener
/// address per thread and must spread its `conns` connections over them
/// round-robin (connection `i` to address `i % threads`), as
/// [`load_generator`] does; `hog` as in [`monoio_serve_with`].
///
/// # Panics
/// As [`monoio_serve`], or when `generate` fails.
pub fn monoio_serve_driven(
    threads: usize,
    conns: usize,
    hog: Option<std::time::Duration>,
    generate: impl FnOnce(&[SocketAddr]) -> io::Result<Sample>,
) -> Sample {
    let threads = threads.clamp(1, conns.max(1));
    let (ready_tx, ready_rx) = mpsc::channel::<(usize, io::Result<SocketAddr>)>();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let mine = (t..conns).step_by(threads).count();
            let ready_tx = ready_tx.clone();
            thread::Builder::new()
                .name(format!("monoio-serve-{t}"))
                .spawn(move || monoio_server_thread(t, mine, &ready_tx, hog.filter(|_| t == 0)))
                .expect("spawn monoio thread")
        })
        .collect();
    drop(ready_tx);
    let mut addrs = vec![None; threads];
    for _ in 0..threads {
        match ready_rx.recv_timeout(ITERATION_LIMIT) {
            Ok((t, Ok(a))) => addrs[t] = Some(a),
            Ok((_, Err(e))) => panic!("monoio serve: listener: {e}"),
            Err(e) => panic!("monoio serve: a server thread never got ready: {e}"),
        }
    }
    let addrs: Vec<SocketAddr> = addrs.into_iter().flatten().collect();
    let sample = generate(&addrs);
    if sample.is_err() {
        release_acceptors(&addrs, conns);
    }
    let served: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
    // A generator that failed is the cause of whatever the servers saw.
    let sample = sample.unwrap_or_else(|e| panic!("monoio serve: load generator: {e}"));
    for s in served {
        match s {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("monoio serve: server I/O error: {e}"),
            Err(p) => std::panic::resume_unwind(p),
        }
    }
    sample
}

/// One monoio server thread: its own listener; accepts its `conns`
/// connections, echoes on each until the client closes it.
fn monoio_server_thread(
    index: usize,
    conns: usize,
    ready_tx: &mpsc::Sender<(usize, io::Result<SocketAddr>)>,
    hog: Option<std::time::Duration>,
) -> io::Result<()> {
    use monoio::net::{ListenerOpts, TcpListener};

    let report = |e: &io::Error| {
        let _ = ready_tx.send((index, Err(io::Error::new(e.kind(), e.to_string()))));
    };
    let mut rt = monoio::RuntimeBuilder::<monoio::IoUringDriver>::new()
        .enable_timer()
        .build()
        .inspect_err(report)?;
    rt.block_on(async move {
        let opts = ListenerOpts::new().backlog(LISTEN_BACKLOG as i32);
        let listener =
            TcpListener::bind_with_config(loopback_any_port(), &opts).inspect_err(report)?;
        let _ = ready_tx.send((index, listener.local_addr()));
        let stop = std::rc::Rc::new(std::cell::Cell::new(false));
        let hog_task = hog.map(|slice| {
            let stop = stop.clone();
            monoio::spawn(async move {
                while !stop.get() {
                    super::busy::compute(slice);
                    // Not a self-wake: monoio turns its ring only when its
                    // queue runs dry, so a task that wakes itself starves
                    // every socket of the thread. A 1 µs sleep lets it turn.
                    monoio::time::sleep(std::time::Duration::from_micros(1)).await;
                }
            })
        });
        let work = async move {
            let mut servers = Vec::with_capacity(conns);
            for _ in 0..conns {
                let (s, _) = listener.accept().await?;
                s.set_nodelay(true)?;
                servers.push(monoio::spawn(super::monoio_echo::monoio_serve(s)));
            }
            for s in servers {
                s.await?;
            }
            io::Result::Ok(())
        };
        let served = monoio::time::timeout(ITERATION_LIMIT, work)
            .await
            .map_err(|_| {
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("monoio server ran longer than {ITERATION_LIMIT:?}"),
                )
            });
        stop.set(true);
        if let Some(h) = hog_task {
            h.await;
        }
        served?
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtimes::{BenchRuntime, Ringbolt, Tokio};

    fn check(s: &Sample, conns: usize, msgs: usize) {
        assert!(!s.elapsed.is_zero());
        let stride = latency_stride(conns * msgs);
        assert_eq!(s.latencies.len(), conns * msgs.div_ceil(stride));
    }

    #[test]
    fn shape_and_workers() {
        assert_eq!(Serve64Conn.shape(1.0), (64, 200));
        assert_eq!(Serve64Conn.ops_per_iter(0.5), Some(6_400));
        assert_eq!(server_workers(1), 1);
        assert_eq!(server_workers(2), 1);
        assert_eq!(server_workers(16), 15);
    }

    #[test]
    fn every_server_answers_the_load_generator() {
        let rt = Tokio::build(1).unwrap();
        check(&serve_external(&rt, 8, 10), 8, 10);
        // io_uring may be blocked where the tests run (seccomp, sysctl).
        if let Ok(rt) = Ringbolt::build(1) {
            check(&serve_external(&rt, 8, 10), 8, 10);
            check(&monoio_serve(2, 5, 10), 5, 10);
        }
    }

    #[test]
    fn a_failed_generator_releases_the_servers() {
        let failing = |_: &[SocketAddr]| Err(io::Error::other("generator gave up"));
        let check = |outcome: std::thread::Result<Sample>, started: std::time::Instant| {
            let payload = outcome.unwrap_err();
            let msg = payload.downcast_ref::<String>().unwrap();
            assert!(msg.contains("generator gave up"), "{msg}");
            // Not the server's ITERATION_LIMIT (60 s) of waiting to accept.
            assert!(started.elapsed() < ITERATION_LIMIT / 2);
        };
        let rt = Tokio::build(1).unwrap();
        let started = std::time::Instant::now();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            serve_driven(&rt, 4, failing)
        }));
        check(outcome, started);
        if Ringbolt::build(1).is_ok() {
            let started = std::time::Instant::now();
            let outcome = std::panic::catch_unwind(|| monoio_serve_driven(2, 4, None, failing));
            check(outcome, started);
        }
    }

    #[test]
    fn the_generator_reports_a_missing_address() {
        let err = load_generator(&[], 1, 1).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}
