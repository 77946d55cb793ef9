//! `IORING_OP_FSYNC`.

use super::path::unit;
use super::{sys, OpCode, Perform};
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry, types::FsyncFlags};
use std::io;

/// `fsync(2)` or `fdatasync(2)`.
#[derive(Debug)]
pub struct Fsync {
    fd: SharedFd,
    datasync: bool,
}

impl Fsync {
    /// Flushes data and metadata.
    pub fn new(fd: &SharedFd) -> Self {
        Self {
            fd: fd.clone(),
            datasync: false,
        }
    }

    /// Flushes data and only the metadata needed to read it back.
    pub fn datasync(fd: &SharedFd) -> Self {
        Self {
            fd: fd.clone(),
            datasync: true,
        }
    }
}

// SAFETY: the SQE points at no memory.
unsafe impl OpCode for Fsync {
    type Output = io::Result<()>;
    fn create_entry(&mut self) -> Entry {
        let flags = if self.datasync {
            FsyncFlags::DATASYNC
        } else {
            FsyncFlags::empty()
        };
        opcode::Fsync::new(self.fd.fd()).flags(flags).build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::OnBlockingPool
    }
    fn perform(&mut self) -> io::Result<u32> {
        // SAFETY: plain system call on a descriptor `self.fd` keeps open.
        let r = unsafe {
            if self.datasync {
                libc::fdatasync(self.fd.raw())
            } else {
                libc::fsync(self.fd.raw())
            }
        };
        sys::cvt(r as _)
    }
    fn complete(self, result: io::Result<u32>, _flags: u32) -> io::Result<()> {
        unit(result)
    }
}
