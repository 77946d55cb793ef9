//! Criterion benches of the network workloads (loopback TCP): one group per
//! workload, functions `ringbolt`, `tokio` and, for the echo workloads,
//! `monoio` (thread-per-core io_uring, one runtime per thread). Every
//! runtime gets the same worker count (`RINGBOLT_BENCH_WORKERS`, else the
//! core count). Only the timed part of each iteration counts (connecting
//! is setup), through `iter_custom`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use ringbolt_benches::cli::default_workers;
use ringbolt_benches::runtimes::{BenchRuntime, Ringbolt, Tokio};
use ringbolt_benches::workloads::net::{monoio_echo, Net};
use ringbolt_benches::workloads::Workload;

fn net(c: &mut Criterion) {
    let workers = default_workers(std::env::var("RINGBOLT_BENCH_WORKERS").ok().as_deref());
    for w in Net::ALL {
        let mut group = c.benchmark_group(w.name());
        group
            .sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
        if let Some(ops) = w.ops_per_iter(1.0) {
            group.throughput(Throughput::Elements(ops));
        }
        let ringbolt = Ringbolt::build(workers);
        let tokio = Tokio::build(workers).expect("tokio runtime");
        match &ringbolt {
            Ok(rt) => {
                group.bench_function(Ringbolt::NAME, |b| {
                    b.iter_custom(|iters| (0..iters).map(|_| w.run_on(rt, 1.0).elapsed).sum());
                });
            }
            Err(e) => eprintln!("{}: skipping ringbolt: {e}", w.name()),
        }
        group.bench_function(Tokio::NAME, |b| {
            b.iter_custom(|iters| (0..iters).map(|_| w.run_on(&tokio, 1.0).elapsed).sum());
        });
        if let Some((conns, msgs)) = w.echo_shape(1.0) {
            group.bench_function("monoio", |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| monoio_echo(workers, conns, msgs).elapsed)
                        .sum()
                });
            });
        }
        group.finish();
        drop(ringbolt);
    }
}

criterion_group!(benches, net);
criterion_main!(benches);
