//! Shared helpers for the integration tests (included with `mod common;`).
#![allow(dead_code)]

use std::os::fd::OwnedFd;

use ringbolt::runtime::Builder;
use ringbolt::Runtime;

/// The two ring sizes every reactor-level test runs at: the default, and a
/// tiny one (SQ 2, CQ 4) that forces SQ-full flushes and CQ overflow.
pub fn runtimes(workers: usize) -> Vec<(&'static str, Runtime)> {
    vec![
        (
            "default rings",
            Builder::new()
                .worker_threads(workers)
                .build()
                .expect("runtime"),
        ),
        (
            "tiny rings (SQ 2, CQ 4)",
            Builder::new()
                .worker_threads(workers)
                .sq_entries(2)
                .cq_entries(4)
                .build()
                .expect("runtime with tiny rings"),
        ),
    ]
}

/// Entries in /proc/self/fd.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// A pipe as (read end, write end).
pub fn pipe() -> (OwnedFd, OwnedFd) {
    let (r, w) = std::io::pipe().expect("pipe");
    (r.into(), w.into())
}

/// A connected Unix socket pair as (our end, the writer's end). Tests that
/// keep receives in flight use sockets: a socket receive waits on
/// readiness on both drivers (the readiness driver runs a pipe read on
/// the blocking pool, where it blocks a thread and cannot be cancelled).
pub fn socket_pair() -> (OwnedFd, OwnedFd) {
    let (a, b) = std::os::unix::net::UnixStream::pair().expect("socketpair");
    (a.into(), b.into())
}

/// Resident memory of this process in KiB.
pub fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

/// Sum of `ops_in_flight` over the workers' rings.
pub fn ops_in_flight(h: &ringbolt::Handle) -> u64 {
    h.metrics()
        .workers
        .iter()
        .map(|w| w.ring.ops_in_flight)
        .sum()
}

/// Sum of `timers_pending` over the workers' rings.
pub fn timers_pending(h: &ringbolt::Handle) -> u64 {
    h.metrics()
        .workers
        .iter()
        .map(|w| w.ring.timers_pending)
        .sum()
}

/// Polls `cond` until it holds, for at most `tries` × 5 ms; this bounds a
/// wait, it asserts no timing.
pub fn eventually(tries: usize, mut cond: impl FnMut() -> bool) -> bool {
    for _ in 0..tries {
        if cond() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    cond()
}
