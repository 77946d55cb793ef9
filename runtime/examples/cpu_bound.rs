//! What asyncio needs `multiprocessing` for: CPU-bound work on every core.
//!
//! Tasks are `Send` and idle workers steal them, so twenty CPU-bound tasks
//! spawned from one task spread over every worker. (Long computations that
//! never await should rather run in `spawn_blocking`, so that they do not
//! hold up their worker's I/O completions.)
//!
//! Run: `cargo run --release -p ringbolt --example cpu_bound`

use std::collections::BTreeMap;
use std::time::Instant;

fn sum_of_squares(n: u64) -> u64 {
    (0..n).fold(0u64, |acc, i| acc.wrapping_add(std::hint::black_box(i * i)))
}

#[ringbolt::main]
async fn main() {
    let start = Instant::now();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            ringbolt::spawn(async {
                let s = sum_of_squares(10_000_000);
                (ringbolt::task::worker_index(), s)
            })
        })
        .collect();
    let mut per_worker = BTreeMap::new();
    for t in tasks {
        let (worker, _sum) = t.await.unwrap();
        *per_worker.entry(worker.unwrap()).or_insert(0) += 1;
    }
    println!("tasks per worker: {per_worker:?} in {:?}", start.elapsed());
}
