//! Multishot `IORING_OP_POLL_ADD`.

use super::MultishotOpCode;
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::io;

/// Reports readiness of `fd` every time it becomes ready for `events`
/// (`POLLIN`…), until cancelled or an error: each item is the `revents`
/// mask.
#[derive(Debug)]
pub struct PollMulti {
    fd: SharedFd,
    events: u32,
}

impl PollMulti {
    /// Multishot poll of `fd` for `events`.
    pub fn new(fd: &SharedFd, events: u32) -> Self {
        Self {
            fd: fd.clone(),
            events,
        }
    }
}

// SAFETY: the SQE points at no memory.
unsafe impl MultishotOpCode for PollMulti {
    type Item = io::Result<u32>;
    type Context = ();
    fn create_entry(&mut self) -> Entry {
        opcode::PollAdd::new(self.fd.fd(), self.events)
            .multi(true)
            .build()
    }
    fn context(&self) {}
    fn item(_cx: &(), result: io::Result<u32>, _flags: u32) -> io::Result<u32> {
        result
    }
}
