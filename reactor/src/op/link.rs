//! `IORING_OP_LINKAT`.

use super::path::{c_path, dir_fd, unit};
use super::{sys, OpCode, Perform};
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::ffi::CString;
use std::io;
use std::path::Path;

/// `linkat(2)`: a new hard link `new` to `old`.
#[derive(Debug)]
pub struct LinkAt {
    old_dir: Option<SharedFd>,
    old: CString,
    new_dir: Option<SharedFd>,
    new: CString,
    flags: i32,
}

impl LinkAt {
    /// `linkat(old_dir, old, new_dir, new, flags)` (`AT_SYMLINK_FOLLOW`…).
    ///
    /// # Errors
    /// `InvalidInput` if a path contains a NUL byte.
    pub fn new(
        old_dir: Option<&SharedFd>,
        old: impl AsRef<Path>,
        new_dir: Option<&SharedFd>,
        new: impl AsRef<Path>,
        flags: i32,
    ) -> io::Result<Self> {
        Ok(Self {
            old_dir: old_dir.cloned(),
            old: c_path(old.as_ref())?,
            new_dir: new_dir.cloned(),
            new: c_path(new.as_ref())?,
            flags,
        })
    }
}

// SAFETY: the SQE points at `old` and `new`, CStrings owned by `self`.
unsafe impl OpCode for LinkAt {
    type Output = io::Result<()>;
    fn create_entry(&mut self) -> Entry {
        opcode::LinkAt::new(
            dir_fd(&self.old_dir),
            self.old.as_ptr(),
            dir_fd(&self.new_dir),
            self.new.as_ptr(),
        )
        .flags(self.flags)
        .build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::OnBlockingPool
    }
    fn perform(&mut self) -> io::Result<u32> {
        let (old_dir, new_dir) = (sys::at(&self.old_dir), sys::at(&self.new_dir));
        // SAFETY: `old` and `new` are NUL-terminated strings owned by `self`.
        let r = unsafe {
            libc::linkat(
                old_dir,
                self.old.as_ptr(),
                new_dir,
                self.new.as_ptr(),
                self.flags,
            )
        };
        sys::cvt(r as _)
    }
    fn complete(self, result: io::Result<u32>, _flags: u32) -> io::Result<()> {
        unit(result)
    }
}
