//! `IORING_OP_SHUTDOWN`.

use super::path::unit;
use super::{sys, OpCode, Perform};
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::io;
use std::net::Shutdown as How;

/// `shutdown(2)` of one or both directions of a socket.
#[derive(Debug)]
pub struct Shutdown {
    fd: SharedFd,
    how: How,
}

impl Shutdown {
    /// Shuts down `how` on socket `fd`.
    pub fn new(fd: &SharedFd, how: How) -> Self {
        Self {
            fd: fd.clone(),
            how,
        }
    }
}

// SAFETY: the SQE points at no memory.
unsafe impl OpCode for Shutdown {
    type Output = io::Result<()>;
    fn create_entry(&mut self) -> Entry {
        let how = match self.how {
            How::Read => libc::SHUT_RD,
            How::Write => libc::SHUT_WR,
            How::Both => libc::SHUT_RDWR,
        };
        opcode::Shutdown::new(self.fd.fd(), how).build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::Inline
    }
    fn perform(&mut self) -> io::Result<u32> {
        let how = match self.how {
            How::Read => libc::SHUT_RD,
            How::Write => libc::SHUT_WR,
            How::Both => libc::SHUT_RDWR,
        };
        // SAFETY: plain system call on a socket `self.fd` keeps open.
        let r = unsafe { libc::shutdown(self.fd.raw(), how) };
        sys::cvt(r as _)
    }
    fn complete(self, result: io::Result<u32>, _flags: u32) -> io::Result<()> {
        unit(result)
    }
}
