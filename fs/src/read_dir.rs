//! The directory functions with no io_uring op: listing ([`read_dir`],
//! the walk inside [`remove_dir_all`]) and [`canonicalize`]. They run on the
//! runtime's blocking pool; everything else they do is a ring op.

use crate::metadata::{FileType, Metadata};
use crate::util::{blocking, METADATA_MASK};
use ringbolt_reactor::op::{OpenAt, Statx, UnlinkAt};
use ringbolt_reactor::{submit, SharedFd};
use std::collections::VecDeque;
use std::ffi::OsString;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;

/// The entries of a directory, listed by [`read_dir`].
#[derive(Debug)]
pub struct ReadDir {
    entries: VecDeque<io::Result<DirEntry>>,
}

impl ReadDir {
    /// The next entry (`.` and `..` are skipped), or `None` at the end.
    ///
    /// # Errors
    /// An error met while listing this entry.
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        self.entries.pop_front().transpose()
    }
}

/// One entry of a directory.
#[derive(Debug)]
pub struct DirEntry {
    path: PathBuf,
    file_type: Option<FileType>,
}

impl DirEntry {
    /// The full path: the directory given to [`read_dir`] joined with the
    /// entry's name.
    pub fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// The entry's name.
    pub fn file_name(&self) -> OsString {
        self.path.file_name().unwrap_or_default().to_os_string()
    }

    /// The entry's kind, not following symlinks (from the listing when the
    /// file system said, else a ring `statx`).
    ///
    /// # Errors
    /// As [`crate::symlink_metadata`].
    pub async fn file_type(&self) -> io::Result<FileType> {
        match self.file_type {
            Some(t) => Ok(t),
            None => Ok(self.metadata().await?.file_type()),
        }
    }

    /// The entry's metadata, not following symlinks (a ring `statx`).
    ///
    /// # Errors
    /// As [`crate::symlink_metadata`].
    pub async fn metadata(&self) -> io::Result<Metadata> {
        crate::symlink_metadata(&self.path).await
    }
}

/// The `S_IFMT` bits for a std file type.
fn mode_of(t: std::fs::FileType) -> u32 {
    use std::os::unix::fs::FileTypeExt;
    if t.is_dir() {
        libc::S_IFDIR
    } else if t.is_symlink() {
        libc::S_IFLNK
    } else if t.is_block_device() {
        libc::S_IFBLK
    } else if t.is_char_device() {
        libc::S_IFCHR
    } else if t.is_fifo() {
        libc::S_IFIFO
    } else if t.is_socket() {
        libc::S_IFSOCK
    } else {
        libc::S_IFREG
    }
}

/// Lists the directory at `path`. There is no io_uring op for `getdents`,
/// so the whole listing is one job on the runtime's **blocking pool**; the
/// entries are then handed out from memory.
///
/// ```
/// # ringbolt::Runtime::new().unwrap().block_on(async {
/// let dir = tempfile::tempdir().unwrap();
/// ringbolt_fs::write(dir.path().join("a"), "x").await.unwrap();
/// let mut entries = ringbolt_fs::read_dir(dir.path()).await.unwrap();
/// let first = entries.next_entry().await.unwrap().unwrap();
/// assert_eq!(first.file_name(), "a");
/// assert!(first.file_type().await.unwrap().is_file());
/// assert!(entries.next_entry().await.unwrap().is_none());
/// # });
/// ```
///
/// # Errors
/// `NotFound`, `NotADirectory`, or the kernel's error.
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_path_buf();
    let entries = blocking(move || {
        Ok(std::fs::read_dir(&path)?
            .map(|entry| {
                entry.map(|e| DirEntry {
                    path: e.path(),
                    file_type: e.file_type().ok().map(|t| FileType::from_mode(mode_of(t))),
                })
            })
            .collect())
    })
    .await?;
    Ok(ReadDir { entries })
}

/// The absolute path with every symlink, `.` and `..` resolved. There is no
/// io_uring op for it: it runs `std::fs::canonicalize` on the runtime's
/// **blocking pool**.
///
/// # Errors
/// `NotFound`, or the kernel's error.
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_path_buf();
    blocking(move || std::fs::canonicalize(path)).await
}

/// Removes `path` and everything under it; a symlink is removed, never
/// followed. Directories are opened (`O_NOFOLLOW`) and their entries
/// unlinked relative to the open directory, all as ring ops; only listing
/// each directory runs on the **blocking pool** (no ring op for
/// `getdents`), through `/proc/self/fd`, so a directory swapped for a
/// symlink mid-walk is never followed.
///
/// # Errors
/// `NotFound`, or the first error the walk meets.
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref();
    let op = Statx::path(None, path, libc::AT_SYMLINK_NOFOLLOW, METADATA_MASK)?;
    if !Metadata::from_statx(submit(op).await?).is_dir() {
        return crate::remove_file(path).await;
    }
    let dir = open_dir(None, path).await?;
    clear_dir(dir).await?;
    crate::remove_dir(path).await
}

/// Opens a directory for the walk, never through a symlink.
async fn open_dir(parent: Option<&SharedFd>, name: &Path) -> io::Result<SharedFd> {
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW;
    let op = OpenAt::new(parent, name, flags, 0)?;
    Ok(SharedFd::new(submit(op).await?))
}

/// Removes everything inside the open directory `dir`.
fn clear_dir(dir: SharedFd) -> Pin<Box<dyn Future<Output = io::Result<()>> + Send>> {
    Box::pin(async move {
        let listing = PathBuf::from(format!("/proc/self/fd/{}", dir.raw()));
        let entries: Vec<(OsString, bool)> = blocking(move || {
            std::fs::read_dir(listing)?
                .map(|e| {
                    let e = e?;
                    Ok((e.file_name(), e.file_type()?.is_dir()))
                })
                .collect()
        })
        .await?;
        for (name, is_dir) in entries {
            if is_dir {
                let child = open_dir(Some(&dir), Path::new(&name)).await?;
                clear_dir(child).await?;
            }
            let flags = if is_dir { libc::AT_REMOVEDIR } else { 0 };
            match submit(UnlinkAt::new(Some(&dir), &name, flags)?).await {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                other => other?,
            }
        }
        Ok(())
    })
}
