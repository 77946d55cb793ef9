//! ringbolt: an async runtime for Linux with a work-stealing scheduler in
//! which every worker thread owns its own io_uring ring.
//!
//! Tasks are `Send` and move between workers, so CPU-heavy or imbalanced
//! work uses every core; every file, socket and timer operation is an
//! io_uring operation on the ring of the worker that runs it.
//!
//! ```
//! use std::time::Duration;
//!
//! #[ringbolt::main]
//! async fn main() {
//!     let tasks: Vec<_> = (1..=3u64)
//!         .map(|i| ringbolt::spawn(async move {
//!             ringbolt::time::sleep(Duration::from_millis(i)).await;
//!             i * 10
//!         }))
//!         .collect();
//!     let mut total = 0;
//!     for t in tasks {
//!         total += t.await.unwrap();
//!     }
//!     assert_eq!(total, 60);
//! }
//! ```
//!
//! # Features
//!
//! - `tokio-io`: tokio's `AsyncRead`, `AsyncBufRead` and `AsyncWrite` for
//!   [`net`] streams and their halves, and `AsyncSeek` too for
//!   [`fs::FileStream`], so crates written for tokio's traits (tokio-rustls,
//!   tokio-util's codecs) run on ringbolt. It depends on tokio's trait
//!   definitions only; no tokio runtime runs. See the `tls_echo` and
//!   `chat_server` examples.
#![forbid(unsafe_code)]

mod driver;
mod park;
pub mod runtime;
pub mod signal;
pub mod sync;
pub mod task;
pub mod time;

pub use ringbolt_fs as fs;
pub use ringbolt_macros::{main, test};
pub use ringbolt_net as net;
pub use runtime::{Handle, Runtime};
pub use task::{spawn, spawn_blocking};

/// Await several futures at once (re-exported from `futures-util`):
/// `join!` waits for all, `try_join!` stops at the first `Err`, `select!`
/// takes the first to finish (its futures must be fused: `.fuse()`).
pub use futures_util::{join, select, try_join};

/// Owned-buffer I/O types shared by files and sockets.
pub mod buf {
    pub use ringbolt_reactor::{BufResult, IoBuf, IoBufMut, Slice};
}

/// Runs `future` to completion on a new multi-threaded runtime (asyncio's
/// `asyncio.run`), returning the runtime's start-up error if io_uring cannot
/// be used here.
///
/// ```
/// let v = ringbolt::run(async { ringbolt::spawn(async { 5 }).await.unwrap() }).unwrap();
/// assert_eq!(v, 5);
/// ```
pub fn run<F: std::future::Future>(future: F) -> std::io::Result<F::Output> {
    Ok(Runtime::new()?.block_on(future))
}
