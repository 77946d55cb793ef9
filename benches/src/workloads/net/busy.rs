//! Serving while a worker is busy: `busy_echo_1ms`, `busy_echo_10ms` and
//! `busy_home_read`.
//!
//! - `busy_echo_*`: the echo server of `serve_64conn` on two
//!   workers, driven by the external load generator over 16 connections,
//!   while one task of the same runtime computes in 1 ms (or 10 ms) slices
//!   and calls `yield_now()` between them, as a well-behaved CPU task
//!   should. Every round trip's latency is recorded, so the report gives
//!   p99.9 and the largest: a runtime that holds a busy worker's I/O until
//!   its queue runs dry shows it there. monoio (no stealing) runs the
//!   computing task on its first thread, sleeping 1 µs between slices: a
//!   monoio task that wakes itself keeps the thread's queue from running
//!   dry, and monoio turns its ring only then, so every socket of that
//!   thread would wait for good.
//! - `busy_home_read`: a task starts a socket read (on ringbolt, the op's
//!   home is the worker that polled it), then a task spawned on the same
//!   worker computes for 100 ms in one poll; a foreign thread writes the
//!   socket 10 ms in. The figure is the time from the start of the long
//!   poll to the reading task's resumption: about 10 ms where another
//!   worker serves the I/O, about 100 ms where it waits for the busy one.

use std::future::Future;
use std::io::Write as _;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::task::Poll;
use std::time::{Duration, Instant};

use super::serve::{load_generator_with_stride, monoio_serve_with};
use super::{
    loopback_any_port, serve, task_failed, NetRuntime, ITERATION_LIMIT, LISTEN_BACKLOG, MONOIO,
};
use crate::runtimes::AnyRuntime;
use crate::workloads::{scaled, Sample, Workload};

/// Connections of `busy_echo_*`.
pub const BUSY_CONNECTIONS: usize = 16;
/// Round trips per connection per iteration of `busy_echo_*`, at scale 1.
pub const BUSY_MESSAGES_PER_CONN: usize = 500;
/// The long poll of `busy_home_read`.
pub const HOME_POLL: Duration = Duration::from_millis(100);
/// When the foreign thread writes, after the long poll starts.
pub const HOME_WRITE_AFTER: Duration = Duration::from_millis(10);

/// Computes for `d` (one CPU-bound slice; not inlined, so every runtime
/// runs the same machine code).
#[inline(never)]
pub fn compute(d: Duration) {
    let start = Instant::now();
    let mut x = 1u64;
    while start.elapsed() < d {
        for i in 0..256u64 {
            x = x.wrapping_mul(i | 1).wrapping_add(i);
        }
        std::hint::black_box(x);
    }
}

/// The echo server under the load generator while a task computes in
/// slices; see the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BusyEcho {
    /// 1 ms slices.
    Slices1ms,
    /// 10 ms slices.
    Slices10ms,
}

impl BusyEcho {
    /// Both slice lengths.
    pub const ALL: [BusyEcho; 2] = [BusyEcho::Slices1ms, BusyEcho::Slices10ms];

    /// The computing task's slice.
    pub fn slice(self) -> Duration {
        match self {
            BusyEcho::Slices1ms => Duration::from_millis(1),
            BusyEcho::Slices10ms => Duration::from_millis(10),
        }
    }

    /// `(connections, round trips per connection)` at `scale`.
    pub fn shape(self, scale: f64) -> (usize, usize) {
        (BUSY_CONNECTIONS, scaled(BUSY_MESSAGES_PER_CONN, scale))
    }

    /// One iteration with `rt` as the server.
    ///
    /// # Panics
    /// On an I/O error, a short echo, or past [`ITERATION_LIMIT`].
    pub fn run_on<R: NetRuntime>(self, rt: &R, scale: f64) -> Sample {
        let (conns, msgs) = self.shape(scale);
        let slice = self.slice();
        let stop = Arc::new(AtomicBool::new(false));
        let hog_stop = Arc::clone(&stop);
        let hog = rt.spawn_remote(async move {
            while !hog_stop.load(Ordering::Relaxed) {
                compute(slice);
                R::yield_now().await;
            }
        });
        let (addr_tx, addr_rx) = mpsc::channel();
        let server = rt.spawn_remote(R::timeout(ITERATION_LIMIT, async move {
            let listener = R::listen(loopback_any_port(), LISTEN_BACKLOG).await?;
            let _ = addr_tx.send(R::local_addr(&listener)?);
            let mut servers = Vec::with_capacity(conns);
            for _ in 0..conns {
                let conn = R::conn(R::accept(&listener).await?)?;
                servers.push(R::spawn(serve::<R>(conn)));
            }
            for s in servers {
                s.await.map_err(task_failed)??;
            }
            std::io::Result::Ok(())
        }));
        let addr = addr_rx
            .recv_timeout(ITERATION_LIMIT)
            .expect("busy echo: the server never reported its address");
        let sample = load_generator_with_stride(&[addr], conns, msgs, 1);
        stop.store(true, Ordering::Relaxed);
        let served = rt.block_on(server);
        rt.block_on(hog)
            .expect("busy echo: the computing task failed");
        match served {
            Ok(Some(Ok(()))) => sample.unwrap_or_else(|e| panic!("busy echo: load generator: {e}")),
            Ok(Some(Err(e))) => panic!("busy echo: server I/O error: {e}"),
            Ok(None) => panic!("busy echo: server ran longer than {ITERATION_LIMIT:?}"),
            Err(e) => panic!("busy echo: server task failed: {e:?}"),
        }
    }
}

impl Workload for BusyEcho {
    fn name(&self) -> &'static str {
        match self {
            BusyEcho::Slices1ms => "busy_echo_1ms",
            BusyEcho::Slices10ms => "busy_echo_10ms",
        }
    }

    fn family(&self) -> &'static str {
        "net"
    }

    fn description(&self) -> &'static str {
        match self {
            BusyEcho::Slices1ms => {
                "echo server, 16 external clients x 500 round trips, while a task computes in 1 ms slices"
            }
            BusyEcho::Slices10ms => {
                "echo server, 16 external clients x 500 round trips, while a task computes in 10 ms slices"
            }
        }
    }

    fn ops_per_iter(&self, scale: f64) -> Option<u64> {
        let (conns, msgs) = self.shape(scale);
        Some((conns * msgs) as u64)
    }

    fn run(&self, rt: &AnyRuntime, scale: f64) -> Sample {
        crate::with_runtime!(rt, |r| self.run_on(r, scale))
    }

    fn workers(&self, requested: usize) -> usize {
        super::REQUESTED_WORKERS.store(requested, Ordering::Relaxed);
        requested
    }

    fn tail_latency(&self) -> bool {
        true
    }

    fn baselines(&self) -> &'static [&'static str] {
        &[MONOIO]
    }

    fn run_baseline(&self, index: usize, scale: f64) -> Option<Sample> {
        let (conns, msgs) = self.shape(scale);
        (index == 0).then(|| {
            monoio_serve_with(
                super::monoio_threads(),
                conns,
                msgs,
                Some(1),
                Some(self.slice()),
            )
        })
    }
}

/// A read whose home worker is stuck in one long poll; see the module
/// documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BusyHomeRead;

/// Attempts per iteration to get the long poll onto the reading task's
/// worker (another worker may steal it first).
pub const HOME_ATTEMPTS: usize = 20;

impl BusyHomeRead {
    /// One iteration: the time from the start of the long poll to the
    /// reading task's resumption (one latency).
    ///
    /// # Panics
    /// On an I/O error, or when the long poll never ran on the reading
    /// task's worker in [`HOME_ATTEMPTS`] tries.
    pub fn run_on<R: NetRuntime>(self, rt: &R) -> Sample {
        for _ in 0..HOME_ATTEMPTS {
            if let Some(delay) = home_attempt(rt) {
                return Sample {
                    elapsed: delay,
                    latencies: vec![delay],
                    ..Sample::default()
                };
            }
        }
        panic!("busy home: the long poll never ran on the reading task's worker");
    }
}

/// One try: `None` when the long poll ran on another worker than the read.
fn home_attempt<R: NetRuntime>(rt: &R) -> Option<Duration> {
    let listener = std::net::TcpListener::bind(loopback_any_port()).expect("bind");
    let addr = listener.local_addr().expect("local address");
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let writer = std::thread::spawn(move || {
        let (mut peer, _) = listener.accept().expect("accept");
        if go_rx.recv().is_ok() {
            std::thread::sleep(HOME_WRITE_AFTER);
            peer.write_all(b"x").expect("write");
        }
        // Keep the peer open until the reader is done.
        let _ = go_rx.recv();
    });
    let task = rt.spawn_remote(R::timeout(ITERATION_LIMIT, async move {
        let mut conn = R::conn(R::connect(addr).await?)?;
        let home = std::thread::current().id();
        let mut read = Box::pin(R::recv(&mut conn));
        // First poll: the read starts on this worker (its home ring).
        assert!(
            poll_once(read.as_mut()).await.is_none(),
            "nobody has written yet"
        );
        let hog = R::spawn(async move {
            let started = Instant::now();
            compute(HOME_POLL);
            (std::thread::current().id(), started)
        });
        go_tx.send(()).expect("the writer thread is gone");
        let n = read.await?;
        let resumed = Instant::now();
        assert_eq!(n, 1, "one byte was written");
        let (hog_thread, started) = hog.await.map_err(task_failed)?;
        drop(go_tx);
        std::io::Result::Ok(
            (hog_thread == home).then(|| resumed.saturating_duration_since(started)),
        )
    }));
    let out = match rt.block_on(task) {
        Ok(Some(Ok(out))) => out,
        Ok(Some(Err(e))) => panic!("busy home: I/O error: {e}"),
        Ok(None) => panic!("busy home: ran longer than {ITERATION_LIMIT:?}"),
        Err(e) => panic!("busy home: task failed: {e:?}"),
    };
    writer.join().expect("the writer thread panicked");
    out
}

/// Polls `fut` once: its output, or `None` if it is pending.
async fn poll_once<F: Future + Unpin>(mut fut: F) -> Option<F::Output> {
    std::future::poll_fn(|cx| {
        Poll::Ready(match Pin::new(&mut fut).poll(cx) {
            Poll::Ready(v) => Some(v),
            Poll::Pending => None,
        })
    })
    .await
}

impl Workload for BusyHomeRead {
    fn name(&self) -> &'static str {
        "busy_home_read"
    }

    fn family(&self) -> &'static str {
        "net"
    }

    fn description(&self) -> &'static str {
        "a socket read completing 10 ms into a 100 ms poll on its worker: time to resume"
    }

    fn ops_per_iter(&self, _scale: f64) -> Option<u64> {
        None
    }

    fn run(&self, rt: &AnyRuntime, _scale: f64) -> Sample {
        crate::with_runtime!(rt, |r| self.run_on(r))
    }

    fn workers(&self, requested: usize) -> usize {
        requested.max(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtimes::{BenchRuntime, Ringbolt, Tokio};

    #[test]
    fn busy_echo_records_every_round_trip() {
        let rt = Tokio::build(2).unwrap();
        let s = BusyEcho::Slices1ms.run_on(&rt, 0.02);
        assert_eq!(s.latencies.len(), BUSY_CONNECTIONS * 10);
        if let Ok(rt) = Ringbolt::build(2) {
            let s = BusyEcho::Slices1ms.run_on(&rt, 0.02);
            assert_eq!(s.latencies.len(), BUSY_CONNECTIONS * 10);
        }
    }

    #[test]
    fn busy_home_resumes_after_the_write() {
        let rt = Tokio::build(2).unwrap();
        let s = BusyHomeRead.run_on(&rt);
        assert!(s.elapsed >= HOME_WRITE_AFTER, "{s:?}");
    }
}
