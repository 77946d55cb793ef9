//! asyncio: `async def main(): print('hello'); await asyncio.sleep(1); print('world')`
//!
//! Run: `cargo run -p ringbolt --example hello`

use std::time::Duration;

#[ringbolt::main]
async fn main() {
    println!("hello");
    ringbolt::time::sleep(Duration::from_millis(200)).await;
    println!("world");
}
