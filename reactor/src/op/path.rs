//! Paths and directory fds shared by the path-based ops.

use crate::SharedFd;
use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// `path` as a C string; a NUL inside it is `InvalidInput` (before any
/// submission).
pub(crate) fn c_path(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "path contains an interior NUL byte",
        )
    })
}

/// The directory fd for an `*at` op: `dir`, or `AT_FDCWD`.
pub(crate) fn dir_fd(dir: &Option<SharedFd>) -> io_uring::types::Fd {
    io_uring::types::Fd(dir.as_ref().map_or(libc::AT_FDCWD, |d| d.raw()))
}

/// `res` of an op that reports only success.
pub(crate) fn unit(result: io::Result<u32>) -> io::Result<()> {
    result.map(drop)
}

#[cfg(all(test, not(loom)))]
mod tests {
    #[test]
    fn nul_is_invalid_input() {
        let e = super::c_path(std::path::Path::new("a\0b")).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
        assert!(super::c_path(std::path::Path::new("/tmp/x")).is_ok());
    }
}
