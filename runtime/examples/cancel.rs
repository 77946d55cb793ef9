//! asyncio: `task.cancel()`, then awaiting the task raises `CancelledError`.
//!
//! `abort` cancels the task; its future is dropped (destructors run, any
//! in-flight I/O is cancelled safely), and awaiting the handle reports it.
//!
//! Run: `cargo run -p ringbolt --example cancel`

use std::time::Duration;

struct Cleanup;

impl Drop for Cleanup {
    fn drop(&mut self) {
        println!("cancel_me(): cleaned up");
    }
}

async fn cancel_me() {
    let _cleanup = Cleanup;
    println!("cancel_me(): before sleep");
    ringbolt::time::sleep(Duration::from_secs(3600)).await;
    println!("never printed");
}

#[ringbolt::main]
async fn main() {
    let task = ringbolt::spawn(cancel_me());
    ringbolt::time::sleep(Duration::from_millis(50)).await;
    task.abort();
    match task.await {
        Err(e) if e.is_cancelled() => println!("main(): cancel_me is cancelled now"),
        other => println!("unexpected: {other:?}"),
    }
}
