//! `IORING_OP_MKDIRAT`.

use super::path::{c_path, dir_fd, unit};
use super::{sys, OpCode, Perform};
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::ffi::CString;
use std::io;
use std::path::Path;

/// `mkdirat(2)`.
#[derive(Debug)]
pub struct MkDirAt {
    dir: Option<SharedFd>,
    path: CString,
    mode: u32,
}

impl MkDirAt {
    /// `mkdirat(dir, path, mode)`.
    ///
    /// # Errors
    /// `InvalidInput` if `path` contains a NUL byte.
    pub fn new(dir: Option<&SharedFd>, path: impl AsRef<Path>, mode: u32) -> io::Result<Self> {
        Ok(Self {
            dir: dir.cloned(),
            path: c_path(path.as_ref())?,
            mode,
        })
    }
}

// SAFETY: the SQE points at `path`, a CString owned by `self`.
unsafe impl OpCode for MkDirAt {
    type Output = io::Result<()>;
    fn create_entry(&mut self) -> Entry {
        opcode::MkDirAt::new(dir_fd(&self.dir), self.path.as_ptr())
            .mode(self.mode)
            .build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::OnBlockingPool
    }
    fn perform(&mut self) -> io::Result<u32> {
        // SAFETY: `path` is a NUL-terminated string owned by `self`.
        let r = unsafe { libc::mkdirat(sys::at(&self.dir), self.path.as_ptr(), self.mode) };
        sys::cvt(r as _)
    }
    fn complete(self, result: io::Result<u32>, _flags: u32) -> io::Result<()> {
        unit(result)
    }
}
