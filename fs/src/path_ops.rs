//! Functions on paths, like `std::fs`'s, each one or a few ring ops.

use crate::metadata::Metadata;
use crate::util::METADATA_MASK;
use crate::{File, OpenOptions};
use ringbolt_reactor::op::{LinkAt, MkDirAt, RenameAt, Statx, SymlinkAt, UnlinkAt};
use ringbolt_reactor::{submit, IoBuf};
use std::io;
use std::path::Path;

/// Reads the whole file at `path` (openat, reads, close).
///
/// ```
/// # ringbolt::Runtime::new().unwrap().block_on(async {
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("r");
/// ringbolt_fs::write(&path, "abc").await.unwrap();
/// assert_eq!(ringbolt_fs::read(&path).await.unwrap(), b"abc");
/// # });
/// ```
///
/// # Errors
/// `NotFound`, `InvalidInput` for a NUL byte in the path, or the kernel's
/// error.
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let file = File::open(path).await?;
    let (res, buf) = file.read_to_end_at(Vec::new(), 0).await;
    res?;
    file.close().await?;
    Ok(buf)
}

/// Reads the whole file at `path` as UTF-8.
///
/// # Errors
/// As [`read`]; `InvalidData` if it is not UTF-8.
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    String::from_utf8(read(path).await?).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Creates or truncates the file at `path` and writes `contents` to it
/// (openat, writes, close). `contents` is an owned buffer: a `Vec<u8>`, a
/// `&'static str`, `bytes::Bytes`…
///
/// # Errors
/// As [`File::create`] and [`File::write_all_at`].
pub async fn write(path: impl AsRef<Path>, contents: impl IoBuf) -> io::Result<()> {
    let file = File::create(path).await?;
    file.write_all_at(contents, 0).await.0?;
    file.close().await
}

/// Metadata of `path`, following symlinks (`statx`).
///
/// # Errors
/// `NotFound`, `InvalidInput` for a NUL byte, or the kernel's error.
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let op = Statx::path(None, path.as_ref(), 0, METADATA_MASK)?;
    submit(op).await.map(Metadata::from_statx)
}

/// Metadata of `path` itself, not following a final symlink.
///
/// # Errors
/// As [`metadata`].
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let op = Statx::path(
        None,
        path.as_ref(),
        libc::AT_SYMLINK_NOFOLLOW,
        METADATA_MASK,
    )?;
    submit(op).await.map(Metadata::from_statx)
}

/// Whether `path` exists (following symlinks): `Ok(false)` only for
/// `NotFound`.
///
/// # Errors
/// Any other error of [`metadata`] (`PermissionDenied`…).
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    match metadata(path).await {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Creates a directory (`mkdirat`, mode `0o777` before the umask).
///
/// # Errors
/// `AlreadyExists`, `NotFound` for a missing parent, or the kernel's error.
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    submit(MkDirAt::new(None, path.as_ref(), 0o777)?).await
}

/// Creates a directory and every missing parent; an existing directory is
/// fine.
///
/// # Errors
/// As [`create_dir`]; `AlreadyExists` if a component is not a directory.
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let mut todo = vec![path.as_ref().to_path_buf()];
    while let Some(dir) = todo.last() {
        if dir.as_os_str().is_empty() {
            todo.pop();
            continue;
        }
        match create_dir(dir).await {
            Ok(()) => {
                todo.pop();
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                if !metadata(dir).await.is_ok_and(|m| m.is_dir()) {
                    return Err(e);
                }
                todo.pop();
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => match dir.parent() {
                Some(parent) => todo.push(parent.to_path_buf()),
                None => return Err(e),
            },
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Removes a file or symlink (`unlinkat`).
///
/// # Errors
/// `NotFound`, `IsADirectory`, or the kernel's error.
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    submit(UnlinkAt::new(None, path.as_ref(), 0)?).await
}

/// Removes an empty directory (`unlinkat(AT_REMOVEDIR)`).
///
/// # Errors
/// `DirectoryNotEmpty`, `NotFound`, `NotADirectory`, or the kernel's error.
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    submit(UnlinkAt::new(None, path.as_ref(), libc::AT_REMOVEDIR)?).await
}

/// Renames `from` to `to`, replacing `to` if it exists (`renameat`).
///
/// # Errors
/// `NotFound`, or the kernel's error (`EXDEV` across file systems).
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    submit(RenameAt::new(None, from.as_ref(), None, to.as_ref(), 0)?).await
}

/// Creates a hard link `link` to `original` (`linkat`).
///
/// # Errors
/// `AlreadyExists`, `NotFound`, or the kernel's error.
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    submit(LinkAt::new(
        None,
        original.as_ref(),
        None,
        link.as_ref(),
        0,
    )?)
    .await
}

/// Creates a symbolic link `link` holding `original` (`symlinkat`).
///
/// # Errors
/// `AlreadyExists`, or the kernel's error.
pub async fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    submit(SymlinkAt::new(original.as_ref(), None, link.as_ref())?).await
}

/// Copies the contents of `from` to `to` (created or truncated) with reads
/// and writes on the ring, 1 MiB at a time; returns the byte count. A new
/// `to` gets `from`'s permission bits, masked by the umask (there is no
/// ring op for `fchmod`).
///
/// # Errors
/// As [`File::open`], [`File::create`] and their I/O.
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let src = File::open(from).await?;
    let meta = src.metadata().await?;
    if !meta.is_file() {
        return Err(crate::util::invalid_input(
            "copy's source is not a regular file",
        ));
    }
    let dst = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(meta.mode() & 0o7777)
        .open(to)
        .await?;
    let mut buf = Vec::with_capacity(1 << 20);
    let mut pos = 0u64;
    loop {
        buf.clear();
        let (res, b) = src.read_at(buf, pos).await;
        let n = res?;
        if n == 0 {
            break;
        }
        let (res, b) = dst.write_all_at(b, pos).await;
        res?;
        buf = b;
        pos += n as u64;
    }
    src.close().await?;
    dst.close().await?;
    Ok(pos)
}
