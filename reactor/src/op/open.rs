//! `IORING_OP_OPENAT`.

use super::path::{c_path, dir_fd};
use super::{sys, OpCode, Perform};
use crate::fd::close_raw;
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::ffi::CString;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;

/// Opens `path` (relative to `dir`, or the working directory). `O_CLOEXEC`
/// is always added. If the future is dropped before the result is
/// collected, the opened fd is closed by the home ring.
#[derive(Debug)]
pub struct OpenAt {
    dir: Option<SharedFd>,
    path: CString,
    flags: i32,
    mode: u32,
}

impl OpenAt {
    /// An `openat(dir, path, flags | O_CLOEXEC, mode)`.
    ///
    /// # Errors
    /// `InvalidInput` if `path` contains a NUL byte.
    pub fn new(
        dir: Option<&SharedFd>,
        path: impl AsRef<Path>,
        flags: i32,
        mode: u32,
    ) -> io::Result<Self> {
        Ok(Self {
            dir: dir.cloned(),
            path: c_path(path.as_ref())?,
            flags,
            mode,
        })
    }
}

// SAFETY: the SQE points at `path`, a CString owned by `self` (heap, stable).
unsafe impl OpCode for OpenAt {
    type Output = io::Result<OwnedFd>;
    fn create_entry(&mut self) -> Entry {
        opcode::OpenAt::new(dir_fd(&self.dir), self.path.as_ptr())
            .flags(self.flags | libc::O_CLOEXEC)
            .mode(self.mode)
            .build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::OnBlockingPool
    }
    fn perform(&mut self) -> io::Result<u32> {
        let flags = self.flags | libc::O_CLOEXEC;
        // SAFETY: `path` is a NUL-terminated string owned by `self`.
        let r = unsafe { libc::openat(sys::at(&self.dir), self.path.as_ptr(), flags, self.mode) };
        sys::cvt(r as _)
    }
    fn complete(self, result: io::Result<u32>, _flags: u32) -> io::Result<OwnedFd> {
        // SAFETY: a successful openat returns a new fd that nobody else owns.
        result.map(|fd| unsafe { OwnedFd::from_raw_fd(fd as i32) })
    }
    fn abandoned(self, result: io::Result<u32>, _flags: u32) {
        if let Ok(fd) = result {
            close_raw(fd);
        }
    }
}
