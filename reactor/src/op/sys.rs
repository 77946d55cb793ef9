//! The system calls behind [`OpCode::perform`](super::OpCode::perform):
//! results as a CQE would hold them.

use std::io;

/// A system call's return value as a CQE's result: `-1` becomes the
/// thread's `errno`, anything else the count or fd.
pub(crate) fn cvt(ret: libc::c_long) -> io::Result<u32> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(u32::try_from(ret).unwrap_or(u32::MAX))
    }
}

/// `dir` of an `*at` call: the directory's fd, or `AT_FDCWD`.
pub(crate) fn at(dir: &Option<crate::SharedFd>) -> libc::c_int {
    dir.as_ref().map_or(libc::AT_FDCWD, |d| d.raw())
}

/// An offset for `pread`-like calls, or `None` for "the file position"
/// (`u64::MAX`, as in an SQE).
pub(crate) fn offset(offset: u64) -> Option<libc::off_t> {
    (offset != u64::MAX).then_some(offset as libc::off_t)
}

/// The "not without a ring" error of [`Perform::Unsupported`](super::Perform::Unsupported) ops.
pub(crate) fn unsupported(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!("{what} needs io_uring; this reactor runs the epoll driver"),
    )
}
