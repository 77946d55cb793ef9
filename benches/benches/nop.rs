//! Criterion benches of the NOP workloads: one group per workload,
//! functions `ringbolt` (a runtime with one worker) and `raw_io_uring` (a
//! single-thread io-uring loop, the physical limit; tokio has no io_uring
//! NOP).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use ringbolt_benches::runtimes::{BenchRuntime, Ringbolt};
use ringbolt_benches::workloads::nop::Nop;
use ringbolt_benches::workloads::Workload;

fn nop(c: &mut Criterion) {
    let ringbolt = Ringbolt::build(1);
    for w in Nop::ALL {
        let mut group = c.benchmark_group(w.name());
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2))
            .sampling_mode(SamplingMode::Flat);
        if let Some(ops) = w.ops_per_iter(1.0) {
            group.throughput(Throughput::Elements(ops));
        }
        match &ringbolt {
            Ok(rt) => {
                group.bench_function(Ringbolt::NAME, |b| b.iter(|| w.run_on(rt, 1.0)));
            }
            Err(e) => eprintln!("{}: skipping ringbolt: {e}", w.name()),
        }
        group.bench_function("raw_io_uring", |b| {
            b.iter_custom(|iters| (0..iters).map(|_| w.run_raw(1.0)).sum())
        });
        group.finish();
    }
}

criterion_group!(benches, nop);
criterion_main!(benches);
