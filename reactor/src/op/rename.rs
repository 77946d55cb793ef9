//! `IORING_OP_RENAMEAT`.

use super::path::{c_path, dir_fd, unit};
use super::{sys, OpCode, Perform};
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::ffi::CString;
use std::io;
use std::path::Path;

/// `renameat2(2)`.
#[derive(Debug)]
pub struct RenameAt {
    old_dir: Option<SharedFd>,
    old: CString,
    new_dir: Option<SharedFd>,
    new: CString,
    flags: u32,
}

impl RenameAt {
    /// `renameat2(old_dir, old, new_dir, new, flags)` (`RENAME_NOREPLACE`…).
    ///
    /// # Errors
    /// `InvalidInput` if a path contains a NUL byte.
    pub fn new(
        old_dir: Option<&SharedFd>,
        old: impl AsRef<Path>,
        new_dir: Option<&SharedFd>,
        new: impl AsRef<Path>,
        flags: u32,
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
unsafe impl OpCode for RenameAt {
    type Output = io::Result<()>;
    fn create_entry(&mut self) -> Entry {
        opcode::RenameAt::new(
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
            libc::syscall(
                libc::SYS_renameat2,
                old_dir,
                self.old.as_ptr(),
                new_dir,
                self.new.as_ptr(),
                self.flags,
            )
        };
        sys::cvt(r)
    }
    fn complete(self, result: io::Result<u32>, _flags: u32) -> io::Result<()> {
        unit(result)
    }
}
