//! `serve_64conn_ext`: the echo server of `serve_64conn` with its clients
//! in **another process**, as servers are measured in production-like
//! setups (wrk, h2load) and as outside harnesses measure runtimes.
//!
//! In `serve_64conn` the load generator is a thread of the bench process:
//! it shares the allocator, the page tables and the process's scheduling
//! with the server, and the server gets one worker fewer to leave it a
//! core. Here `ringbolt-bench` re-executes itself as the generator
//! ([`crate::child`] with `--load-generator`), running the same
//! [`load_generator_with_stride`](super::serve::load_generator_with_stride) code (one tokio current-thread runtime,
//! one task per connection), and the server runs on **all the requested
//! workers**; on two cores, the server's workers and the generator share
//! them unpinned. The child measures from its first message to its last
//! echo and records every round trip's latency (the report's tail table
//! gives p99 for ringbolt, tokio and monoio); starting the child and
//! connecting are not timed.
//!
//! monoio, the baseline, runs one runtime per worker, each with its own
//! listener; the generator spreads the connections over them round-robin.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::serve::{monoio_serve_driven, serve_driven, SERVE_CONNECTIONS, SERVE_MESSAGES_PER_CONN};
use super::{NetRuntime, ITERATION_LIMIT, MONOIO};
use crate::child::{self, LOAD_GENERATOR};
use crate::runtimes::AnyRuntime;
use crate::workloads::{scaled, Sample, Workload};

/// How long the parent waits for the generator process beyond its own
/// [`ITERATION_LIMIT`] (starting, connecting, printing).
const CHILD_GRACE: Duration = Duration::from_secs(15);

/// The echo server under a load generator in another process.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Serve64ConnExt {
    /// The executable that runs the generator; `None`: this process's own
    /// ([`child::bench_exe`]), which must be `ringbolt-bench`.
    exe: Option<PathBuf>,
}

impl Serve64ConnExt {
    /// The workload with `exe` (a `ringbolt-bench` binary) as the load
    /// generator instead of the running executable.
    pub fn with_exe(exe: impl Into<PathBuf>) -> Serve64ConnExt {
        Serve64ConnExt {
            exe: Some(exe.into()),
        }
    }

    /// `(connections, round trips per connection)` at `scale`.
    pub fn shape(&self, scale: f64) -> (usize, usize) {
        (SERVE_CONNECTIONS, scaled(SERVE_MESSAGES_PER_CONN, scale))
    }

    fn exe(&self) -> PathBuf {
        self.exe.clone().unwrap_or_else(|| {
            child::bench_exe().unwrap_or_else(|e| panic!("serve_64conn_ext: own executable: {e}"))
        })
    }

    /// Runs one iteration with `rt` as the server.
    ///
    /// # Panics
    /// On a server I/O error, a failed or short generator run, or past
    /// [`ITERATION_LIMIT`].
    pub fn run_on<R: NetRuntime>(&self, rt: &R, scale: f64) -> Sample {
        let (conns, msgs) = self.shape(scale);
        let exe = self.exe();
        serve_driven(rt, conns, |addrs| {
            generate_in_child(&exe, addrs, conns, msgs)
        })
    }
}

/// Runs the load generator as `exe --load-generator …` against `addrs`,
/// recording every round trip's latency, and checks that it did: one
/// latency per message.
///
/// # Errors
/// As [`child::run_child`]; `InvalidData` when the count of latencies is
/// not `conns * msgs_per_conn`.
pub fn generate_in_child(
    exe: &Path,
    addrs: &[SocketAddr],
    conns: usize,
    msgs_per_conn: usize,
) -> io::Result<Sample> {
    let addrs: Vec<String> = addrs.iter().map(SocketAddr::to_string).collect();
    let args = [
        LOAD_GENERATOR.to_string(),
        addrs.join(","),
        conns.to_string(),
        msgs_per_conn.to_string(),
        "1".to_string(),
    ];
    let sample = child::run_child(exe, &args, ITERATION_LIMIT + CHILD_GRACE)?;
    if sample.latencies.len() != conns * msgs_per_conn {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "load generator reported {} latencies for {} round trips",
                sample.latencies.len(),
                conns * msgs_per_conn
            ),
        ));
    }
    Ok(sample)
}

impl Workload for Serve64ConnExt {
    fn name(&self) -> &'static str {
        "serve_64conn_ext"
    }

    fn family(&self) -> &'static str {
        "net"
    }

    fn description(&self) -> &'static str {
        "echo server on all workers: 64 clients x 200 round trips of 1 KiB from a load generator \
         in another process"
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
        let exe = self.exe();
        (index == 0).then(|| {
            monoio_serve_driven(super::monoio_threads(), conns, None, |addrs| {
                generate_in_child(&exe, addrs, conns, msgs)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_and_a_missing_generator() {
        let w = Serve64ConnExt::default();
        assert_eq!(w.shape(1.0), (64, 200));
        assert_eq!(w.ops_per_iter(0.5), Some(6_400));
        assert!(w.tail_latency());
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let err =
            generate_in_child(Path::new("/nonexistent/ringbolt-bench"), &[addr], 1, 1).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
        // A child that prints a sample without the latencies is refused.
        let err = generate_in_child(Path::new("true"), &[addr], 1, 1).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
    }
}
