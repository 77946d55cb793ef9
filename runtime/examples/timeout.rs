//! asyncio: `await asyncio.wait_for(eternity(), timeout=1.0)` raising `TimeoutError`.
//!
//! Run: `cargo run -p ringbolt --example timeout`

use std::time::Duration;

use ringbolt::time::{sleep, timeout};

#[ringbolt::main]
async fn main() {
    match timeout(Duration::from_millis(100), sleep(Duration::from_secs(3600))).await {
        Ok(()) => println!("eternity ended?"),
        Err(elapsed) => println!("timeout: {elapsed}"),
    }
}
