//! asyncio: a task that raises; `await task` re-raises, `task.exception()` shows it.
//!
//! A task's `Err` is its own output; a panic is caught and reported through
//! the `JoinHandle` as a `JoinError` whose payload you can inspect. The
//! runtime and its workers keep running either way.
//!
//! Run: `cargo run -p ringbolt --example failing_task`

use std::io;

async fn fails_with_error() -> io::Result<u32> {
    Err(io::Error::new(io::ErrorKind::InvalidData, "bad record"))
}

async fn panics() -> u32 {
    panic!("division by zero")
}

#[ringbolt::main]
async fn main() {
    match ringbolt::spawn(fails_with_error()).await {
        Ok(Err(e)) => println!("task returned an error: {e} ({:?})", e.kind()),
        other => println!("unexpected: {other:?}"),
    }
    match ringbolt::spawn(panics()).await {
        Err(e) if e.is_panic() => println!("task panicked: {e}"),
        other => println!("unexpected: {other:?}"),
    }
    let still_fine = ringbolt::spawn(async { 6 * 7 }).await.unwrap();
    println!("the runtime still runs tasks: {still_fine}");
}
