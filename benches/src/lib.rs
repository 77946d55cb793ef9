//! ringbolt-benches: criterion benches and the `ringbolt-bench` comparison
//! binary, measuring ringbolt against tokio with the same worker count.
//!
//! - [`runtimes`]: the [`BenchRuntime`](runtimes::BenchRuntime) trait both
//!   runtimes implement, so every workload is written once.
//! - [`workloads`]: the registry of workloads, one file per family
//!   (`workloads/scheduler.rs`, `timers.rs`, `nop.rs`, `fs.rs`); criterion
//!   benches and the binary call the same functions.
//! - [`driver`]: interleaved rounds in one process, with a hang watchdog.
//! - [`stats`], [`report`]: medians, ratios and the Markdown/CSV/SVG output.
//! - [`rss`]: resident-memory growth during an iteration (timer workloads).
//! - [`raw`]: single-thread io-uring loops, the physical-limit baselines of
//!   the NOP and file workloads.
//! - [`cli`]: the binary's arguments.
//! - [`child`]: the binary re-executed as a child process (an echo load
//!   generator in a process of its own, one runtime's peak RSS).
//!
//! ```text
//! cargo run --release -p ringbolt-benches --bin ringbolt-bench -- --quick
//! cargo bench -p ringbolt-benches --bench scheduler
//! ```
//!
//! A runtime that cannot start here (io_uring blocked, say) is reported as
//! `runtime did not build: ERROR` and the others still run.

pub mod child;
pub mod cli;
pub mod driver;
pub mod latch;
pub mod raw;
pub mod report;
pub mod rss;
pub mod runtimes;
pub mod stats;
pub mod workloads;
