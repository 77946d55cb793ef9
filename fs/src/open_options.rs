//! [`OpenOptions`]: how to open a file, turned into `openat` flags.

use crate::direct::DioAlign;
use crate::util::invalid_input;
use crate::File;
use ringbolt_reactor::op::OpenAt;
use ringbolt_reactor::{submit, SharedFd};
use std::io;
use std::path::Path;

/// Options for opening a file, like [`std::fs::OpenOptions`]; the open is an
/// io_uring `openat` on the current worker's ring.
///
/// ```
/// # ringbolt::Runtime::new().unwrap().block_on(async {
/// use ringbolt_fs::OpenOptions;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("log");
/// let file = OpenOptions::new().append(true).create(true).open(&path).await.unwrap();
/// file.write_all_at(b"one\n".to_vec(), 0).await.0.unwrap();
/// file.close().await.unwrap();
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions {
    read: bool,
    write: bool,
    append: bool,
    truncate: bool,
    create: bool,
    create_new: bool,
    mode: u32,
    custom_flags: i32,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl OpenOptions {
    /// All options off; mode `0o666` (before the umask).
    pub fn new() -> Self {
        Self {
            read: false,
            write: false,
            append: false,
            truncate: false,
            create: false,
            create_new: false,
            mode: 0o666,
            custom_flags: 0,
        }
    }

    /// Open for reading.
    pub fn read(&mut self, read: bool) -> &mut Self {
        self.read = read;
        self
    }

    /// Open for writing.
    pub fn write(&mut self, write: bool) -> &mut Self {
        self.write = write;
        self
    }

    /// Open for appending (`O_APPEND`): every write goes to the end of the
    /// file, whatever offset it names (Linux ignores `pwrite`'s offset then).
    pub fn append(&mut self, append: bool) -> &mut Self {
        self.append = append;
        self
    }

    /// Truncate to length 0 (`O_TRUNC`); needs write access.
    pub fn truncate(&mut self, truncate: bool) -> &mut Self {
        self.truncate = truncate;
        self
    }

    /// Create the file if it does not exist (`O_CREAT`).
    pub fn create(&mut self, create: bool) -> &mut Self {
        self.create = create;
        self
    }

    /// Create the file, failing with `AlreadyExists` if it exists
    /// (`O_CREAT | O_EXCL`).
    pub fn create_new(&mut self, create_new: bool) -> &mut Self {
        self.create_new = create_new;
        self
    }

    /// Permission bits for a created file (before the umask).
    pub fn mode(&mut self, mode: u32) -> &mut Self {
        self.mode = mode;
        self
    }

    /// Extra `open(2)` flags such as `libc::O_DIRECT` or `O_NOFOLLOW`; the
    /// access mode bits are ignored (use [`read`](Self::read) and
    /// [`write`](Self::write)). With `O_DIRECT`, the file learns its
    /// alignment from `statx(STATX_DIOALIGN)` when opened.
    pub fn custom_flags(&mut self, flags: i32) -> &mut Self {
        self.custom_flags = flags;
        self
    }

    /// The `open(2)` flags these options stand for, as std computes them.
    pub(crate) fn flags(&self) -> io::Result<i32> {
        let access = match (self.read, self.write, self.append) {
            (true, false, false) => libc::O_RDONLY,
            (false, true, false) => libc::O_WRONLY,
            (true, true, false) => libc::O_RDWR,
            (false, _, true) => libc::O_WRONLY | libc::O_APPEND,
            (true, _, true) => libc::O_RDWR | libc::O_APPEND,
            (false, false, false) => {
                return Err(invalid_input("open options need read, write or append"))
            }
        };
        if !self.write && !self.append && (self.truncate || self.create || self.create_new) {
            return Err(invalid_input(
                "create and truncate need write or append access",
            ));
        }
        if self.append && self.truncate && !self.create_new {
            return Err(invalid_input("append and truncate together make no sense"));
        }
        let creation = match (self.create, self.truncate, self.create_new) {
            (_, _, true) => libc::O_CREAT | libc::O_EXCL,
            (true, true, false) => libc::O_CREAT | libc::O_TRUNC,
            (true, false, false) => libc::O_CREAT,
            (false, true, false) => libc::O_TRUNC,
            (false, false, false) => 0,
        };
        Ok(access | creation | (self.custom_flags & !libc::O_ACCMODE))
    }

    /// Opens `path` with an io_uring `openat`.
    ///
    /// # Errors
    /// `InvalidInput` for contradictory options or a path with a NUL byte
    /// (nothing is submitted); otherwise the kernel's error (`NotFound`,
    /// `PermissionDenied`, `IsADirectory` when a directory is opened for
    /// writing, `AlreadyExists` for `create_new`…).
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let flags = self.flags()?;
        let op = OpenAt::new(None, path.as_ref(), flags, self.mode)?;
        let fd = SharedFd::new(submit(op).await?);
        let dio = if flags & libc::O_DIRECT != 0 {
            Some(DioAlign::of(&fd).await)
        } else {
            None
        };
        Ok(File::from_parts(fd, dio))
    }
}

#[cfg(test)]
mod tests {
    use super::OpenOptions;
    use std::io::ErrorKind;

    #[test]
    fn flags_match_std_rules() {
        let f = |o: &OpenOptions| o.flags();
        assert_eq!(f(OpenOptions::new().read(true)).unwrap(), libc::O_RDONLY);
        assert_eq!(
            f(OpenOptions::new().write(true).create(true).truncate(true)).unwrap(),
            libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC
        );
        assert_eq!(
            f(OpenOptions::new().read(true).append(true).create_new(true)).unwrap(),
            libc::O_RDWR | libc::O_APPEND | libc::O_CREAT | libc::O_EXCL
        );
        let direct = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECT | libc::O_WRONLY)
            .flags()
            .unwrap();
        assert_eq!(direct, libc::O_RDONLY | libc::O_DIRECT);
        for bad in [
            OpenOptions::new(),
            OpenOptions::new().read(true).create(true).clone(),
            OpenOptions::new().append(true).truncate(true).clone(),
        ] {
            assert_eq!(bad.flags().unwrap_err().kind(), ErrorKind::InvalidInput);
        }
    }
}
