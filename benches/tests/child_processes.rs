//! The workloads that run part of an iteration in a child process, driven
//! against the real `ringbolt-bench` binary (its hidden `--load-generator`
//! and `--peak-rss` modes), at a small size.

use std::io;
use std::path::Path;
use std::time::Duration;

use ringbolt_benches::child::{run_child, LOAD_GENERATOR, PEAK_RSS};
use ringbolt_benches::runtimes::RuntimeKind;
use ringbolt_benches::workloads::net::serve_ext::Serve64ConnExt;
use ringbolt_benches::workloads::timers::SleepsPeakRss;
use ringbolt_benches::workloads::Workload;

const EXE: &str = env!("CARGO_BIN_EXE_ringbolt-bench");

/// io_uring may be blocked where the tests run (seccomp, sysctl): then only
/// tokio runs.
fn kinds() -> Vec<RuntimeKind> {
    let mut kinds = vec![RuntimeKind::Tokio];
    if RuntimeKind::Ringbolt.build(1).is_ok() {
        kinds.push(RuntimeKind::Ringbolt);
    }
    kinds
}

#[test]
fn serving_a_generator_in_another_process() {
    let w = Serve64ConnExt::with_exe(EXE);
    // 64 connections x 2 round trips.
    let scale = 0.01;
    let (conns, msgs) = w.shape(scale);
    assert_eq!((conns, msgs), (64, 2));
    for kind in kinds() {
        let rt = kind.build(w.workers(2)).unwrap();
        let s = w.run(&rt, scale);
        assert!(!s.elapsed.is_zero(), "{kind}");
        assert_eq!(s.latencies.len(), conns * msgs, "{kind}: every round trip");
    }
    if kinds().contains(&RuntimeKind::Ringbolt) {
        let s = w.run_baseline(0, scale).unwrap();
        assert_eq!(s.latencies.len(), conns * msgs, "monoio");
    }
    assert!(w.run_baseline(1, scale).is_none());
}

#[test]
fn peak_rss_of_a_process_running_one_runtime() {
    let w = SleepsPeakRss::with_exe(EXE);
    let scale = 0.02; // 2,000 tasks
    for kind in kinds() {
        let rt = kind.build(w.workers(1)).unwrap();
        let s = w.run(&rt, scale);
        let (base, peak) = (s.base_rss.unwrap(), s.peak_rss.unwrap());
        assert!(base > 0 && peak >= base, "{kind}: base {base}, peak {peak}");
        assert!(
            s.elapsed >= Duration::from_millis(10),
            "{kind}: the tasks slept"
        );
    }
}

#[test]
fn the_hidden_modes_refuse_bad_arguments() {
    let limit = Duration::from_secs(60);
    let run = |args: &[&str]| {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        run_child(Path::new(EXE), &args, limit).unwrap_err()
    };
    let err = run(&[LOAD_GENERATOR, "not-an-address", "1", "1"]);
    assert!(err.to_string().contains("not-an-address"), "{err}");
    let err = run(&[PEAK_RSS, "smol", "1", "1"]);
    assert!(err.to_string().contains("smol"), "{err}");
    // Nobody listens on port 1: connecting fails and the child says so.
    let err = run(&[LOAD_GENERATOR, "127.0.0.1:1", "1", "1"]);
    assert!(err.to_string().contains("refused"), "{err}");
    assert_ne!(err.kind(), io::ErrorKind::TimedOut);
}

#[test]
fn an_unknown_argument_is_still_the_ordinary_error() {
    let out = std::process::Command::new(EXE)
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bogus"));
}
