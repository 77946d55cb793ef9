//! NOP workloads: the cost of one io_uring round trip through ringbolt.
//!
//! `IORING_OP_NOP` does nothing in the kernel, so these measure ringbolt's
//! op path alone: the completion cell, the submission, the worker's
//! `io_uring_enter`, the wake-up and the poll. tokio has no io_uring NOP, so
//! the peer here is not tokio but a **raw io-uring loop on one thread**
//! ([`raw::nops`]), the physical limit. ringbolt runs with **one worker**
//! for this family, so both sides use one ring on one thread.
//!
//! - `nop_qd1`: one task awaits `submit(Nop)` in a loop (queue depth 1);
//!   the raw loop pushes one NOP, `submit_and_wait(1)`, reaps.
//! - `nop_qd32`: one task awaits 32 NOP futures at once (a join of 32) in a
//!   loop; the raw loop pushes 32, `submit_and_wait(32)`, reaps.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use ringbolt_reactor::op::Nop as NopOp;
use ringbolt_reactor::{submit, Op};

use super::{scaled, Sample, Workload};
use crate::raw;
use crate::runtimes::{AnyRuntime, BenchRuntime, Ringbolt, RuntimeKind};

/// NOPs per iteration at scale 1 (both depths).
pub const NOPS: usize = 320_000;

/// The baseline's name in reports.
pub const RAW_BASELINE: &str = "raw io_uring (1 thread)";

/// The NOP workloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Nop {
    /// One NOP in flight at a time.
    Qd1,
    /// 32 NOPs in flight at a time.
    Qd32,
}

impl Nop {
    /// Every NOP workload, in report order.
    pub const ALL: [Nop; 2] = [Nop::Qd1, Nop::Qd32];

    /// NOPs in flight at once.
    pub fn depth(self) -> usize {
        match self {
            Nop::Qd1 => 1,
            Nop::Qd32 => 32,
        }
    }

    /// NOPs per iteration at `scale`: a multiple of the depth.
    pub fn total(self, scale: f64) -> usize {
        let d = self.depth();
        (scaled(NOPS, scale) / d).max(1) * d
    }

    /// Runs one iteration on ringbolt at size multiplier `scale`.
    pub fn run_on(self, rt: &Ringbolt, scale: f64) {
        let total = self.total(scale);
        match self {
            Nop::Qd1 => nops_qd1(rt, total),
            Nop::Qd32 => nops_batched(rt, 32, total / 32),
        }
    }

    /// One iteration of the raw loop; returns its time.
    ///
    /// # Panics
    /// If the raw ring fails.
    pub fn run_raw(self, scale: f64) -> std::time::Duration {
        raw::nops(self.depth(), self.total(scale)).expect("raw io_uring NOP loop")
    }
}

impl Workload for Nop {
    fn name(&self) -> &'static str {
        match self {
            Nop::Qd1 => "nop_qd1",
            Nop::Qd32 => "nop_qd32",
        }
    }

    fn family(&self) -> &'static str {
        "nop"
    }

    fn description(&self) -> &'static str {
        match self {
            Nop::Qd1 => "320k NOPs, one in flight (1 worker) vs a raw io-uring loop",
            Nop::Qd32 => "320k NOPs, 32 in flight via a join of 32 (1 worker) vs a raw loop",
        }
    }

    fn ops_per_iter(&self, scale: f64) -> Option<u64> {
        Some(self.total(scale) as u64)
    }

    fn run(&self, rt: &AnyRuntime, scale: f64) -> Sample {
        match rt {
            AnyRuntime::Ringbolt(r) => Sample::time(|| self.run_on(r, scale)),
            other => panic!(
                "{} runs on ringbolt only, not {}",
                self.name(),
                other.kind()
            ),
        }
    }

    fn runtimes(&self) -> &'static [RuntimeKind] {
        &[RuntimeKind::Ringbolt]
    }

    fn workers(&self, _requested: usize) -> usize {
        1
    }

    fn baselines(&self) -> &'static [&'static str] {
        &[RAW_BASELINE]
    }

    fn run_baseline(&self, index: usize, scale: f64) -> Option<Sample> {
        (index == 0).then(|| Sample {
            elapsed: self.run_raw(scale),
            ..Sample::default()
        })
    }
}

/// The NOP workloads as registry entries.
pub fn all() -> Vec<Box<dyn Workload>> {
    Nop::ALL
        .iter()
        .map(|&w| Box::new(w) as Box<dyn Workload>)
        .collect()
}

/// One spawned task awaits `total` NOPs one after another.
pub fn nops_qd1(rt: &Ringbolt, total: usize) {
    rt.block_on(async move {
        Ringbolt::spawn(async move {
            for _ in 0..total {
                submit(NopOp).await.expect("NOP failed");
            }
        })
        .await
        .expect("NOP task panicked");
    });
}

/// One spawned task awaits `batches` joins of `depth` NOPs each.
pub fn nops_batched(rt: &Ringbolt, depth: usize, batches: usize) {
    rt.block_on(async move {
        Ringbolt::spawn(async move {
            let mut ops: Vec<Option<Op<NopOp>>> = Vec::with_capacity(depth);
            for _ in 0..batches {
                ops.extend((0..depth).map(|_| Some(submit(NopOp))));
                JoinNops(&mut ops).await;
            }
        })
        .await
        .expect("NOP task panicked");
    });
}

/// Polls every pending NOP in the vector until all have completed, then
/// empties it (a minimal `join_all` that allocates nothing per batch:
/// `futures::future::join_all` switches to a `FuturesOrdered` above 30).
struct JoinNops<'a>(&'a mut Vec<Option<Op<NopOp>>>);

impl Future for JoinNops<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut pending = false;
        for slot in self.0.iter_mut() {
            if let Some(op) = slot {
                match Pin::new(op).poll(cx) {
                    Poll::Ready(res) => {
                        res.expect("NOP failed");
                        *slot = None;
                    }
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            self.0.clear();
            Poll::Ready(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_are_multiples_of_the_depth() {
        assert_eq!(Nop::Qd1.total(1.0), NOPS);
        assert_eq!(Nop::Qd32.total(1.0), NOPS);
        assert_eq!(Nop::Qd32.total(0.0001), 32);
        assert_eq!(Nop::Qd32.workers(4), 1);
    }

    #[test]
    fn both_sides_complete() {
        if let Ok(rt) = Ringbolt::build(1) {
            Nop::Qd1.run_on(&rt, 0.01);
            Nop::Qd32.run_on(&rt, 0.01);
        }
        if raw::ring(8).is_ok() {
            Nop::Qd32.run_raw(0.01);
        }
    }
}
