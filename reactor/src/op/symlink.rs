//! `IORING_OP_SYMLINKAT`.

use super::path::{c_path, dir_fd, unit};
use super::{sys, OpCode, Perform};
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::ffi::CString;
use std::io;
use std::path::Path;

/// `symlinkat(2)`: a symbolic link `link` (relative to `dir`) holding `target`.
#[derive(Debug)]
pub struct SymlinkAt {
    target: CString,
    dir: Option<SharedFd>,
    link: CString,
}

impl SymlinkAt {
    /// `symlinkat(target, dir, link)`.
    ///
    /// # Errors
    /// `InvalidInput` if a path contains a NUL byte.
    pub fn new(
        target: impl AsRef<Path>,
        dir: Option<&SharedFd>,
        link: impl AsRef<Path>,
    ) -> io::Result<Self> {
        Ok(Self {
            target: c_path(target.as_ref())?,
            dir: dir.cloned(),
            link: c_path(link.as_ref())?,
        })
    }
}

// SAFETY: the SQE points at `target` and `link`, CStrings owned by `self`.
unsafe impl OpCode for SymlinkAt {
    type Output = io::Result<()>;
    fn create_entry(&mut self) -> Entry {
        opcode::SymlinkAt::new(dir_fd(&self.dir), self.target.as_ptr(), self.link.as_ptr()).build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::OnBlockingPool
    }
    fn perform(&mut self) -> io::Result<u32> {
        let dir = sys::at(&self.dir);
        // SAFETY: `target` and `link` are NUL-terminated strings owned by
        // `self`.
        let r = unsafe { libc::symlinkat(self.target.as_ptr(), dir, self.link.as_ptr()) };
        sys::cvt(r as _)
    }
    fn complete(self, result: io::Result<u32>, _flags: u32) -> io::Result<()> {
        unit(result)
    }
}
