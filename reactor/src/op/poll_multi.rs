//! Multishot `IORING_OP_POLL_ADD`.

use super::{sys, Interest, MultishotOpCode, Perform};
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
    fn perform_mode(&self) -> Perform<'_> {
        let readable = (libc::POLLIN | libc::POLLPRI | libc::POLLRDHUP) as u32;
        let interest = if self.events & readable != 0 {
            Interest::Read
        } else {
            Interest::Write
        };
        Perform::OnReadiness {
            fd: &self.fd,
            interest,
        }
    }
    fn perform(&mut self) -> io::Result<u32> {
        let mut pollfd = libc::pollfd {
            fd: self.fd.raw(),
            events: self.events as i16,
            revents: 0,
        };
        // SAFETY: one live `pollfd` on this stack frame; no waiting.
        let r = unsafe { libc::poll(&mut pollfd, 1, 0) };
        match sys::cvt(r as _)? {
            0 => Err(io::ErrorKind::WouldBlock.into()),
            _ => Ok(pollfd.revents as u16 as u32),
        }
    }
    fn context(&self) {}
    fn item(_cx: &(), result: io::Result<u32>, _flags: u32) -> io::Result<u32> {
        result
    }
}
