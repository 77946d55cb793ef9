//! `IORING_OP_UNLINKAT`.

use super::path::{c_path, dir_fd, unit};
use super::{sys, OpCode, Perform};
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::ffi::CString;
use std::io;
use std::path::Path;

/// `unlinkat(2)`: removes a file, or an empty directory with `AT_REMOVEDIR`.
#[derive(Debug)]
pub struct UnlinkAt {
    dir: Option<SharedFd>,
    path: CString,
    flags: i32,
}

impl UnlinkAt {
    /// `unlinkat(dir, path, flags)`.
    ///
    /// # Errors
    /// `InvalidInput` if `path` contains a NUL byte.
    pub fn new(dir: Option<&SharedFd>, path: impl AsRef<Path>, flags: i32) -> io::Result<Self> {
        Ok(Self {
            dir: dir.cloned(),
            path: c_path(path.as_ref())?,
            flags,
        })
    }
}

// SAFETY: the SQE points at `path`, a CString owned by `self`.
unsafe impl OpCode for UnlinkAt {
    type Output = io::Result<()>;
    fn create_entry(&mut self) -> Entry {
        opcode::UnlinkAt::new(dir_fd(&self.dir), self.path.as_ptr())
            .flags(self.flags)
            .build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::OnBlockingPool
    }
    fn perform(&mut self) -> io::Result<u32> {
        // SAFETY: `path` is a NUL-terminated string owned by `self`.
        let r = unsafe { libc::unlinkat(sys::at(&self.dir), self.path.as_ptr(), self.flags) };
        sys::cvt(r as _)
    }
    fn complete(self, result: io::Result<u32>, _flags: u32) -> io::Result<()> {
        unit(result)
    }
}
