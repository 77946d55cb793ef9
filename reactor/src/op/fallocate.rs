//! `IORING_OP_FALLOCATE`.

use super::path::unit;
use super::OpCode;
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
    fn complete(self, result: io::Result<u32>, _flags: u32) -> io::Result<()> {
        unit(result)
    }
}
