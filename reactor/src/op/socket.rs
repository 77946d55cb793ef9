//! `IORING_OP_SOCKET`.

use super::{sys, OpCode, Perform};
use crate::fd::close_raw;
use io_uring::{opcode, squeue::Entry};
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};

/// `socket(2)`; `SOCK_CLOEXEC` is always added. An abandoned op's socket is
/// closed by the home ring.
#[derive(Debug)]
pub struct Socket {
    domain: i32,
    ty: i32,
    protocol: i32,
}

impl Socket {
    /// `socket(domain, ty | SOCK_CLOEXEC, protocol)`.
    pub fn new(domain: i32, ty: i32, protocol: i32) -> Self {
        Self {
            domain,
            ty,
            protocol,
        }
    }
}

// SAFETY: the SQE points at no memory.
unsafe impl OpCode for Socket {
    type Output = io::Result<OwnedFd>;
    fn create_entry(&mut self) -> Entry {
        opcode::Socket::new(self.domain, self.ty | libc::SOCK_CLOEXEC, self.protocol).build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::Inline
    }
    fn perform(&mut self) -> io::Result<u32> {
        let ty = self.ty | libc::SOCK_CLOEXEC;
        // SAFETY: plain system call; the new descriptor is the result.
        let r = unsafe { libc::socket(self.domain, ty, self.protocol) };
        sys::cvt(r as _)
    }
    fn complete(self, result: io::Result<u32>, _flags: u32) -> io::Result<OwnedFd> {
        // SAFETY: a successful socket op returns a new fd nobody else owns.
        result.map(|fd| unsafe { OwnedFd::from_raw_fd(fd as i32) })
    }
    fn abandoned(self, result: io::Result<u32>, _flags: u32) {
        if let Ok(fd) = result {
            close_raw(fd);
        }
    }
}
