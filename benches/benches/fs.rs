//! Criterion benches of the file workloads: one group per workload,
//! functions `ringbolt`, `tokio` and `raw_io_uring` (a single-thread
//! io-uring loop, where the workload has one), both runtimes built once
//! with the same worker count (`RINGBOLT_BENCH_WORKERS`, else the core
//! count). The `raw_read_fixed_*` groups compare `read` with `read_fixed`
//! on the raw loop. The data set is created on first use under
//! `target/bench-data/` (see `ringbolt_benches::workloads::fs`).
//!
//! Only the measured part of each iteration is timed (`iter_custom`):
//! opening files and removing the previous write's output are not.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use ringbolt_benches::cli::default_workers;
use ringbolt_benches::runtimes::{BenchRuntime, Ringbolt, RuntimeKind, Tokio};
use ringbolt_benches::workloads::fs::{self, Fs};
use ringbolt_benches::workloads::Workload;

fn file_io(c: &mut Criterion) {
    if let Err(e) = fs::data() {
        eprintln!("skipping the fs benches: bench data: {e}");
        return;
    }
    let workers = default_workers(std::env::var("RINGBOLT_BENCH_WORKERS").ok().as_deref());
    let ringbolt = Ringbolt::build(workers);
    let tokio = Tokio::build(workers).expect("tokio runtime");
    if let Err(e) = &ringbolt {
        eprintln!("skipping ringbolt: {e}");
    }
    for w in Fs::ALL {
        let mut group = c.benchmark_group(w.name());
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2))
            .sampling_mode(SamplingMode::Flat);
        if let Some(ops) = w.ops_per_iter(1.0) {
            group.throughput(Throughput::Elements(ops));
        }
        if w.runtimes().contains(&RuntimeKind::Ringbolt) {
            if let Ok(rt) = &ringbolt {
                group.bench_function(Ringbolt::NAME, |b| {
                    b.iter_custom(|iters| (0..iters).map(|_| w.run_on(rt, 1.0)).sum())
                });
            }
        }
        if w.runtimes().contains(&RuntimeKind::Tokio) {
            group.bench_function(Tokio::NAME, |b| {
                b.iter_custom(|iters| (0..iters).map(|_| w.run_on(&tokio, 1.0)).sum())
            });
        }
        let names: &[&str] = match w.baselines().len() {
            0 => &[],
            1 => &["raw_io_uring"],
            _ => &["read", "read_fixed"],
        };
        for (i, name) in names.iter().enumerate() {
            group.bench_function(*name, |b| {
                b.iter_custom(|iters| (0..iters).map(|_| w.run_raw(i, 1.0)).sum())
            });
        }
        group.finish();
    }
}

criterion_group!(benches, file_io);
criterion_main!(benches);
