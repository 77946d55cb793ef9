//! Multishot `IORING_OP_TIMEOUT`: a kernel interval timer.

use super::{sys, MultishotOpCode, Perform};
use io_uring::{opcode, squeue::Entry, types};
use std::io;
use std::time::Duration;

/// Fires every `interval`, `count` times (0: until cancelled). Each item is
/// `Ok(())` for an expiry. Sleeps use the timer wheel instead; this op is
/// for code that wants the kernel's own periodic timer.
#[derive(Debug)]
pub struct TimeoutMulti {
    interval: Box<types::Timespec>,
    count: u32,
}

impl TimeoutMulti {
    /// A periodic timeout.
    pub fn new(interval: Duration, count: u32) -> Self {
        Self {
            interval: Box::new(interval.into()),
            count,
        }
    }
}

// SAFETY: the SQE points at `interval`, a Box owned by `self`.
unsafe impl MultishotOpCode for TimeoutMulti {
    type Item = io::Result<()>;
    type Context = ();
    fn create_entry(&mut self) -> Entry {
        opcode::Timeout::new(&*self.interval)
            .count(self.count)
            .flags(types::TimeoutFlags::MULTISHOT)
            .build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::Unsupported
    }
    fn perform(&mut self) -> io::Result<u32> {
        Err(sys::unsupported("a kernel interval timer (TimeoutMulti)"))
    }
    fn context(&self) {}
    fn item(_cx: &(), result: io::Result<u32>, _flags: u32) -> io::Result<()> {
        match result {
            Err(e) if e.raw_os_error() == Some(libc::ETIME) => Ok(()),
            other => other.map(drop),
        }
    }
}
