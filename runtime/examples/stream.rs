//! asyncio: `async for tick in ticker(): ...` over an async generator.
//!
//! An `Interval` is a `futures::Stream`; stream adapters give the rest of
//! what async generators do.
//!
//! Run: `cargo run -p ringbolt --example stream`

use std::time::Duration;

use futures::StreamExt;

#[ringbolt::main]
async fn main() {
    let ticks = ringbolt::time::interval(Duration::from_millis(50))
        .enumerate()
        .map(|(i, _instant)| i * i)
        .take(5);
    futures::pin_mut!(ticks);
    while let Some(square) = ticks.next().await {
        println!("tick: {square}");
    }
}
