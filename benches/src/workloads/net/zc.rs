//! Raw loop only: `IORING_OP_SEND` against `IORING_OP_SEND_ZC` on a
//! loopback TCP connection, measured with [`raw::tcp_sends`] to decide
//! whether ringbolt's `TcpStream` should send large writes with `SEND_ZC`.
//!
//! Each row sends [`TOTAL_BYTES`] per iteration (at scale 1) in messages of
//! one size, [`DEPTH`] sends in flight, from one thread; a plain thread
//! reads and discards the other end. ringbolt does not run these rows
//! ("not run" in its column): the two baselines are the whole comparison.
//!
//! On loopback the kernel copies zero-copy pages when it hands them to the
//! local receiving socket, so `SEND_ZC` saves no copy end to end here:
//! these rows show what else it changes (page pinning, the notification
//! CQE, where the copy happens), not the saving a NIC would bring.

use std::time::Duration;

use super::super::{scaled, Sample, Workload};
use crate::raw::{self, SendOp};
use crate::runtimes::{AnyRuntime, RuntimeKind};

/// Bytes sent per iteration at scale 1.
pub const TOTAL_BYTES: usize = 64 << 20;
/// Sends in flight.
pub const DEPTH: usize = 8;

/// Name of the raw io-uring `SEND` baseline.
pub const RAW_SEND: &str = "raw io_uring SEND (1 thread)";
/// Name of the raw io-uring `SEND_ZC` baseline.
pub const RAW_SEND_ZC: &str = "raw io_uring SEND_ZC (1 thread)";

/// The zero-copy send rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RawSendZc {
    /// 16 KiB messages.
    K16,
    /// 256 KiB messages.
    K256,
}

impl RawSendZc {
    /// Every row, in report order.
    pub const ALL: [RawSendZc; 2] = [RawSendZc::K16, RawSendZc::K256];

    /// Bytes per message.
    pub fn message_size(self) -> usize {
        match self {
            RawSendZc::K16 => 16 << 10,
            RawSendZc::K256 => 256 << 10,
        }
    }

    /// Messages per iteration at `scale`.
    pub fn messages(self, scale: f64) -> usize {
        scaled(TOTAL_BYTES / self.message_size(), scale)
    }

    /// One iteration of baseline `index` (0: `SEND`, 1: `SEND_ZC`); returns
    /// its time.
    ///
    /// # Panics
    /// On any I/O error (the driver records it as the baseline's error),
    /// or if there is no such baseline.
    pub fn run_raw(self, index: usize, scale: f64) -> Duration {
        let op = match index {
            0 => SendOp::Send,
            1 => SendOp::SendZc,
            _ => panic!("{} has no baseline {index}", self.name()),
        };
        raw::tcp_sends(self.message_size(), self.messages(scale), DEPTH, op)
            .unwrap_or_else(|e| panic!("raw loopback sends: {e}"))
    }
}

impl Workload for RawSendZc {
    fn name(&self) -> &'static str {
        match self {
            RawSendZc::K16 => "raw_send_zc_16k",
            RawSendZc::K256 => "raw_send_zc_256k",
        }
    }

    fn family(&self) -> &'static str {
        "net"
    }

    fn description(&self) -> &'static str {
        match self {
            RawSendZc::K16 => {
                "raw loop only: 64 MiB over loopback TCP in 16 KiB sends, SEND vs SEND_ZC, QD 8 \
                 (16 MiB in --quick)"
            }
            RawSendZc::K256 => {
                "raw loop only: 64 MiB over loopback TCP in 256 KiB sends, SEND vs SEND_ZC, QD 8 \
                 (16 MiB in --quick)"
            }
        }
    }

    fn ops_per_iter(&self, scale: f64) -> Option<u64> {
        Some(self.messages(scale) as u64)
    }

    fn run(&self, _rt: &AnyRuntime, _scale: f64) -> Sample {
        panic!("{} runs on the raw loop only", self.name())
    }

    fn runtimes(&self) -> &'static [RuntimeKind] {
        &[]
    }

    fn quick_scale(&self) -> f64 {
        0.25
    }

    fn baselines(&self) -> &'static [&'static str] {
        &[RAW_SEND, RAW_SEND_ZC]
    }

    fn run_baseline(&self, index: usize, scale: f64) -> Option<Sample> {
        (index < self.baselines().len()).then(|| Sample {
            elapsed: self.run_raw(index, scale),
            ..Sample::default()
        })
    }
}

/// The zero-copy send rows as registry entries.
pub fn all() -> Vec<Box<dyn Workload>> {
    RawSendZc::ALL
        .iter()
        .map(|&w| Box::new(w) as Box<dyn Workload>)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_baselines() {
        assert_eq!(RawSendZc::K16.messages(1.0), 4096);
        assert_eq!(RawSendZc::K256.messages(1.0), 256);
        assert_eq!(RawSendZc::K256.ops_per_iter(0.25), Some(64));
        for w in RawSendZc::ALL {
            assert!(w.runtimes().is_empty());
            assert_eq!(w.baselines(), [RAW_SEND, RAW_SEND_ZC]);
            assert!(w.run_baseline(2, 1.0).is_none());
        }
        let names: Vec<_> = crate::workloads::select(Some(&["raw_send_zc_16k".into()]))
            .unwrap()
            .iter()
            .map(|w| w.name())
            .collect();
        assert_eq!(names, ["raw_send_zc_16k"]);
    }
}
