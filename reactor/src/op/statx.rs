//! `IORING_OP_STATX`.

use super::path::{c_path, dir_fd};
use super::{sys, OpCode, Perform};
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::ffi::CString;
use std::io;
use std::mem::MaybeUninit;
use std::path::Path;

/// `statx(2)` of an open fd or of a path.
#[derive(Debug)]
pub struct Statx {
    dir: Option<SharedFd>,
    path: CString,
    flags: i32,
    mask: u32,
    buf: Box<MaybeUninit<libc::statx>>,
}

impl Statx {
    /// Status of the file `fd` refers to (`AT_EMPTY_PATH`).
    pub fn fd(fd: &SharedFd, mask: u32) -> Self {
        Self {
            dir: Some(fd.clone()),
            path: CString::default(),
            flags: libc::AT_EMPTY_PATH,
            mask,
            buf: Box::new(MaybeUninit::uninit()),
        }
    }

    /// Status of `path` (relative to `dir` or the working directory);
    /// `flags` such as `AT_SYMLINK_NOFOLLOW`.
    ///
    /// # Errors
    /// `InvalidInput` if `path` contains a NUL byte.
    pub fn path(
        dir: Option<&SharedFd>,
        path: impl AsRef<Path>,
        flags: i32,
        mask: u32,
    ) -> io::Result<Self> {
        Ok(Self {
            dir: dir.cloned(),
            path: c_path(path.as_ref())?,
            flags,
            mask,
            buf: Box::new(MaybeUninit::uninit()),
        })
    }
}

// SAFETY: the SQE points at `path` (CString) and `buf` (Box), both owned by
// `self` on the heap.
unsafe impl OpCode for Statx {
    type Output = io::Result<libc::statx>;
    fn create_entry(&mut self) -> Entry {
        opcode::Statx::new(
            dir_fd(&self.dir),
            self.path.as_ptr(),
            self.buf.as_mut_ptr().cast(),
        )
        .flags(self.flags)
        .mask(self.mask)
        .build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::OnBlockingPool
    }
    fn perform(&mut self) -> io::Result<u32> {
        // SAFETY: `path` is a NUL-terminated string and `buf` room for one
        // `statx`, both owned by `self` for the whole call.
        let r = unsafe {
            libc::syscall(
                libc::SYS_statx,
                sys::at(&self.dir),
                self.path.as_ptr(),
                self.flags,
                self.mask,
                self.buf.as_mut_ptr(),
            )
        };
        sys::cvt(r)
    }
    fn complete(self, result: io::Result<u32>, _flags: u32) -> io::Result<libc::statx> {
        // SAFETY: statx succeeded, so the kernel filled the whole struct.
        result.map(|_| unsafe { self.buf.assume_init_read() })
    }
}
