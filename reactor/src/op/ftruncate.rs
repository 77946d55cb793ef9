//! `IORING_OP_FTRUNCATE` (Linux 6.9).

use super::path::unit;
use super::{sys, OpCode, Perform};
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::io;

/// `ftruncate(2)`. Kernels before 6.9 answer `EINVAL`.
#[derive(Debug)]
pub struct Ftruncate {
    fd: SharedFd,
    len: u64,
}

impl Ftruncate {
    /// Sets the file's length to `len`.
    pub fn new(fd: &SharedFd, len: u64) -> Self {
        Self {
            fd: fd.clone(),
            len,
        }
    }
}

// SAFETY: the SQE points at no memory.
unsafe impl OpCode for Ftruncate {
    type Output = io::Result<()>;
    fn create_entry(&mut self) -> Entry {
        opcode::Ftruncate::new(self.fd.fd(), self.len).build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::OnBlockingPool
    }
    fn perform(&mut self) -> io::Result<u32> {
        // SAFETY: plain system call on a descriptor `self.fd` keeps open.
        let r = unsafe { libc::ftruncate(self.fd.raw(), self.len as libc::off_t) };
        sys::cvt(r as _)
    }
    fn complete(self, result: io::Result<u32>, _flags: u32) -> io::Result<()> {
        unit(result)
    }
}
