//! asyncio: `await asyncio.gather(factorial("A", 2), factorial("B", 3), factorial("C", 4))`
//!
//! `join!` polls the futures concurrently inside one task and returns every
//! result, in argument order, like `gather`.
//!
//! Run: `cargo run -p ringbolt --example gather`

use std::time::Duration;

async fn factorial(name: &str, n: u64) -> u64 {
    let mut f = 1;
    for i in 2..=n {
        println!("Task {name}: compute factorial({n}), currently i={i}...");
        ringbolt::time::sleep(Duration::from_millis(100)).await;
        f *= i;
    }
    println!("Task {name}: factorial({n}) = {f}");
    f
}

#[ringbolt::main]
async fn main() {
    let (a, b, c) = futures::join!(factorial("A", 2), factorial("B", 3), factorial("C", 4));
    println!("{:?}", [a, b, c]);
}
