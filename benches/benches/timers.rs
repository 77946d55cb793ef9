//! Criterion benches of the timer workloads: one group per workload,
//! functions `ringbolt` and `tokio`, both runtimes built once per group
//! with the same worker count (`RINGBOLT_BENCH_WORKERS`, else the core
//! count). Memory growth is reported by the `ringbolt-bench` binary only.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use ringbolt_benches::cli::default_workers;
use ringbolt_benches::runtimes::{BenchRuntime, Ringbolt, Tokio};
use ringbolt_benches::workloads::timers::Timers;
use ringbolt_benches::workloads::Workload;

fn timers(c: &mut Criterion) {
    let workers = default_workers(std::env::var("RINGBOLT_BENCH_WORKERS").ok().as_deref());
    for w in Timers::ALL {
        let mut group = c.benchmark_group(w.name());
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3))
            .sampling_mode(SamplingMode::Flat);
        if let Some(ops) = w.ops_per_iter(1.0) {
            group.throughput(Throughput::Elements(ops));
        }
        let ringbolt = Ringbolt::build(workers);
        let tokio = Tokio::build(workers).expect("tokio runtime");
        match &ringbolt {
            Ok(rt) => {
                group.bench_function(Ringbolt::NAME, |b| b.iter(|| w.run_on(rt, 1.0)));
            }
            Err(e) => eprintln!("{}: skipping ringbolt: {e}", w.name()),
        }
        group.bench_function(Tokio::NAME, |b| b.iter(|| w.run_on(&tokio, 1.0)));
        group.finish();
    }
}

criterion_group!(benches, timers);
criterion_main!(benches);
