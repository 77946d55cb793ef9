//! Criterion benches of the sync workloads: ringbolt's `sync` against
//! tokio's, one group per workload, same worker count.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use ringbolt_benches::cli::default_workers;
use ringbolt_benches::runtimes::{BenchRuntime, Ringbolt, Tokio};
use ringbolt_benches::workloads::sync::Sync;
use ringbolt_benches::workloads::Workload;

fn sync(c: &mut Criterion) {
    let workers = default_workers(std::env::var("RINGBOLT_BENCH_WORKERS").ok().as_deref());
    let ringbolt = Ringbolt::build(workers).expect("ringbolt runtime");
    let tokio = Tokio::build(workers).expect("tokio runtime");
    for w in Sync::ALL {
        let mut group = c.benchmark_group(w.name());
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2))
            .sampling_mode(SamplingMode::Flat);
        if let Some(ops) = w.ops_per_iter(1.0) {
            group.throughput(Throughput::Elements(ops));
        }
        group.bench_function(Ringbolt::NAME, |b| b.iter(|| w.run_on(&ringbolt, 1.0)));
        group.bench_function(Tokio::NAME, |b| b.iter(|| w.run_on(&tokio, 1.0)));
        group.finish();
    }
}

criterion_group!(benches, sync);
criterion_main!(benches);
