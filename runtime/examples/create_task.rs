//! asyncio: `task1 = asyncio.create_task(say_after(1, 'hello'))`, then `await task1`.
//!
//! A spawned task starts at once, on any worker; awaiting its handle gives
//! its result.
//!
//! Run: `cargo run -p ringbolt --example create_task`

use std::time::{Duration, Instant};

async fn say_after(delay: Duration, what: &str) -> String {
    ringbolt::time::sleep(delay).await;
    println!("{what}");
    what.to_uppercase()
}

#[ringbolt::main]
async fn main() {
    let start = Instant::now();
    let task1 = ringbolt::spawn(say_after(Duration::from_millis(100), "hello"));
    let task2 = ringbolt::spawn(say_after(Duration::from_millis(200), "world"));
    let (a, b) = (task1.await.unwrap(), task2.await.unwrap());
    // Both ran at once: about 200 ms in all, not 300.
    println!("{a} {b} after {:?}", start.elapsed());
}
