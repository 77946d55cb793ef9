//! `IORING_OP_FALLOCATE`.

use super::path::unit;
use super::{sys, OpCode, Perform};
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::io;

/// `fallocate(2)`: reserve (or, with `mode` flags, punch or zero) a range.
#[derive(Debug)]
pub struct Fallocate {
    fd: SharedFd,
    offset: u64,
    len: u64,
    mode: i32,
}

impl Fallocate {
    /// `fallocate(fd, mode, offset, len)`.
    pub fn new(fd: &SharedFd, offset: u64, len: u64, mode: i32) -> Self {
        Self {
            fd: fd.clone(),
            offset,
            len,
            mode,
        }
    }
}

// SAFETY: the SQE points at no memory.
unsafe impl OpCode for Fallocate {
    type Output = io::Result<()>;
    fn create_entry(&mut self) -> Entry {
        opcode::Fallocate::new(self.fd.fd(), self.len)
            .offset(self.offset)
            .mode(self.mode)
            .build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::OnBlockingPool
    }
    fn perform(&mut self) -> io::Result<u32> {
        let (offset, len) = (self.offset as libc::off_t, self.len as libc::off_t);
        // SAFETY: plain system call on a descriptor `self.fd` keeps open.
        let r = unsafe { libc::fallocate(self.fd.raw(), self.mode, offset, len) };
        sys::cvt(r as _)
    }
    fn complete(self, result: io::Result<u32>, _flags: u32) -> io::Result<()> {
        unit(result)
    }
}
