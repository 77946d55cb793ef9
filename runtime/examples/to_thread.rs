//! asyncio: `await asyncio.to_thread(blocking_io)` while other coroutines run.
//!
//! Run: `cargo run -p ringbolt --example to_thread`

use std::time::{Duration, Instant};

fn blocking_io() -> &'static str {
    // A call that blocks its thread: it must not run on a worker.
    std::thread::sleep(Duration::from_millis(300));
    "blocking_io done"
}

#[ringbolt::main]
async fn main() {
    let start = Instant::now();
    let blocking = ringbolt::task::spawn_blocking(blocking_io);
    let ticker = ringbolt::spawn(async {
        for i in 0..3 {
            ringbolt::time::sleep(Duration::from_millis(50)).await;
            println!("tick {i}: workers are free while the blocking call runs");
        }
    });
    ticker.await.unwrap();
    println!("{} after {:?}", blocking.await.unwrap(), start.elapsed());
}
