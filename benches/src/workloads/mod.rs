//! The workload registry.
//!
//! A workload is one thing to time, on either runtime. Families live one per
//! file (`scheduler.rs`, `timers.rs`, `nop.rs`, `fs.rs`, `net.rs`;
//! `copy_tree.rs` belongs to the `fs` family) and
//! are listed once in [`registry`]. To add a family:
//!
//! 1. write `workloads/<family>.rs` with generic functions over
//!    [`BenchRuntime`](crate::runtimes::BenchRuntime) (plus an extension trait
//!    there if the family needs timers/files/sockets) and a type implementing
//!    [`Workload`] whose [`run`](Workload::run) dispatches with
//!    [`with_runtime!`](crate::with_runtime);
//! 2. add `pub mod <family>;` below and its `all()` to [`registry`].
//!
//! The binary and the criterion benches call the same functions.

use std::time::{Duration, Instant};

use crate::runtimes::{AnyRuntime, RuntimeKind};

pub mod copy_tree;
pub mod fs;
pub mod monoio_fs;
pub mod net;
pub mod nop;
pub mod scheduler;
pub mod sync;
pub mod timers;

/// One timed iteration of a workload.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sample {
    /// Wall time of the timed part of the iteration.
    pub elapsed: Duration,
    /// Per-operation latencies, for workloads that report p50/p99 (e.g. an
    /// echo server's round trips); empty otherwise.
    pub latencies: Vec<Duration>,
    /// Growth of the process's resident memory during the iteration, in
    /// bytes (peak `VmRSS` minus `VmRSS` at the start), for workloads that
    /// measure memory (see [`RssSampler`](crate::rss::RssSampler)); `None` otherwise.
    /// Construct samples with `..Sample::default()` so new fields stay
    /// optional.
    pub rss_growth: Option<u64>,
    /// Peak resident set (`VmHWM`) of a process that ran only this
    /// iteration's runtime, in bytes, for workloads that run each iteration
    /// in a child process (see [`child`](crate::child)); `None` otherwise.
    pub peak_rss: Option<u64>,
    /// Resident set of that process once its runtime was built, before the
    /// iteration, in bytes: `peak_rss - base_rss` is what the iteration
    /// added.
    pub base_rss: Option<u64>,
}

impl Sample {
    /// Times `f` and returns its wall time as a sample.
    pub fn time(f: impl FnOnce()) -> Sample {
        let start = Instant::now();
        f();
        Sample {
            elapsed: start.elapsed(),
            ..Sample::default()
        }
    }
}

/// A benchmark workload that can run on any [`AnyRuntime`].
///
/// Object-safe so the registry can hold every family in one list; the
/// generic code lives in the family's file.
pub trait Workload: Send + Sync {
    /// Short unique name, used by `--workloads` and in reports (`ping_pong`).
    fn name(&self) -> &'static str;

    /// The family: `scheduler`, `timers`, `fs`, `net`.
    fn family(&self) -> &'static str;

    /// One line on what an iteration does, at scale 1.
    fn description(&self) -> &'static str;

    /// Operations per iteration at `scale` (spawns, yields, round trips…),
    /// used for ops/s; `None` when a rate makes no sense.
    fn ops_per_iter(&self, scale: f64) -> Option<u64>;

    /// Runs one iteration on `rt` at size multiplier `scale` and returns its
    /// timing. Untimed setup (creating files, binding sockets) may happen
    /// inside; only the part measured into [`Sample::elapsed`] counts.
    fn run(&self, rt: &AnyRuntime, scale: f64) -> Sample;

    /// The runtimes this workload runs on (default: both). A family with no
    /// tokio equivalent (io_uring NOPs) names only ringbolt and compares
    /// against its [`baselines`](Self::baselines) instead.
    fn runtimes(&self) -> &'static [RuntimeKind] {
        &RuntimeKind::ALL
    }

    /// Worker threads to build the runtimes with, given the requested count
    /// (default: as requested). The report notes any override.
    fn workers(&self, requested: usize) -> usize {
        requested
    }

    /// Extra size multiplier applied in `--quick` mode on top of `--scale`
    /// (default 1.0), for workloads whose full size would not fit the quick
    /// run's three minutes (writing 1 GiB, say).
    fn quick_scale(&self) -> f64 {
        1.0
    }

    /// Whether the report lists this workload's tail latencies (p99.9 and
    /// the largest) for every runtime and baseline (default: no). For
    /// workloads that record every operation's latency.
    fn tail_latency(&self) -> bool {
        false
    }

    /// Names of non-runtime baselines this workload also runs, e.g.
    /// `"raw io_uring READ (1 thread)"` for a hand-written single-thread
    /// io-uring loop (the physical limit); empty by default. The driver runs
    /// them interleaved with the runtimes and the report shows ringbolt
    /// against each.
    fn baselines(&self) -> &'static [&'static str] {
        &[]
    }

    /// Runs one iteration of baseline `index` (into
    /// [`baselines`](Self::baselines)) on the calling thread; `None` when
    /// there is no such baseline.
    fn run_baseline(&self, index: usize, scale: f64) -> Option<Sample> {
        let _ = (index, scale);
        None
    }

    /// Releases what the iterations shared (a generated file tree, say);
    /// the driver calls it once, after the workload's last round. Default:
    /// nothing to release.
    fn clean_up(&self) {}
}

/// Every workload, in report order.
pub fn registry() -> Vec<Box<dyn Workload>> {
    let mut all: Vec<Box<dyn Workload>> = Vec::new();
    all.extend(scheduler::all());
    all.extend(timers::all());
    all.extend(nop::all());
    all.extend(fs::all());
    all.push(Box::new(copy_tree::CopyTree::new()));
    all.extend(net::all());
    all.extend(sync::all());
    all
}

/// Picks workloads by name (or by family name, which selects the whole
/// family), in the order given; `None` selects all. Fails naming the unknown
/// ones and listing the known ones.
pub fn select(names: Option<&[String]>) -> Result<Vec<Box<dyn Workload>>, String> {
    let all = registry();
    let Some(names) = names else {
        return Ok(all);
    };
    let mut order: Vec<usize> = Vec::new();
    let mut unknown = Vec::new();
    for name in names {
        let by_name = all.iter().position(|w| w.name() == name);
        let matches: Vec<usize> = match by_name {
            Some(i) => vec![i],
            None => (0..all.len())
                .filter(|&i| all[i].family() == name)
                .collect(),
        };
        if matches.is_empty() {
            unknown.push(name.as_str());
        }
        order.extend(
            matches
                .into_iter()
                .filter(|i| !order.contains(i))
                .collect::<Vec<_>>(),
        );
    }
    if !unknown.is_empty() {
        let known: Vec<&str> = all.iter().map(|w| w.name()).collect();
        return Err(format!(
            "unknown workload(s): {} (known: {})",
            unknown.join(", "),
            known.join(", ")
        ));
    }
    let mut slots: Vec<Option<Box<dyn Workload>>> = all.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
}

/// Scales a base size by `scale`, never below 1.
pub fn scaled(base: usize, scale: f64) -> usize {
    ((base as f64 * scale).round() as usize).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let all = registry();
        let mut names: Vec<_> = all.iter().map(|w| w.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len());
    }

    #[test]
    fn select_by_name_family_and_unknown() {
        let picked = select(Some(&["ping_pong".into(), "spawn_many".into()])).unwrap();
        let names: Vec<_> = picked.iter().map(|w| w.name()).collect();
        assert_eq!(names, ["ping_pong", "spawn_many"]);

        let family = select(Some(&["scheduler".into()])).unwrap();
        assert_eq!(family.len(), scheduler::all().len());

        let err = select(Some(&["nope".into()])).err().unwrap();
        assert!(err.contains("nope") && err.contains("ping_pong"), "{err}");
    }

    #[test]
    fn scaled_rounds_and_floors() {
        assert_eq!(scaled(1000, 0.5), 500);
        assert_eq!(scaled(1000, 0.0), 1);
        assert_eq!(scaled(3, 1.5), 5);
    }
}
