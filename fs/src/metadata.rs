//! [`Metadata`] and [`FileType`], built from a `statx` result.

use std::fs::Permissions;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, SystemTime};

/// The kind of a file, from the `S_IFMT` bits of its mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileType(u32);

impl FileType {
    pub(crate) fn from_mode(mode: u32) -> FileType {
        FileType(mode)
    }

    fn is(self, kind: u32) -> bool {
        self.0 & libc::S_IFMT == kind
    }

    /// A regular file.
    pub fn is_file(self) -> bool {
        self.is(libc::S_IFREG)
    }

    /// A directory.
    pub fn is_dir(self) -> bool {
        self.is(libc::S_IFDIR)
    }

    /// A symbolic link (only seen through [`crate::symlink_metadata`]).
    pub fn is_symlink(self) -> bool {
        self.is(libc::S_IFLNK)
    }

    /// A block device.
    pub fn is_block_device(self) -> bool {
        self.is(libc::S_IFBLK)
    }

    /// A character device.
    pub fn is_char_device(self) -> bool {
        self.is(libc::S_IFCHR)
    }

    /// A FIFO (named pipe).
    pub fn is_fifo(self) -> bool {
        self.is(libc::S_IFIFO)
    }

    /// A Unix domain socket.
    pub fn is_socket(self) -> bool {
        self.is(libc::S_IFSOCK)
    }
}

/// A file's metadata, as `statx(2)` reports it, with std-like accessors.
///
/// ```
/// # ringbolt::Runtime::new().unwrap().block_on(async {
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("m");
/// ringbolt_fs::write(&path, b"12345".to_vec()).await.unwrap();
/// let meta = ringbolt_fs::metadata(&path).await.unwrap();
/// assert!(meta.is_file());
/// assert_eq!(meta.len(), 5);
/// assert!(meta.modified().is_ok());
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct Metadata {
    stx: StatxFields,
}

/// The fields we keep (libc's `statx` is not `Clone + Debug` everywhere).
#[derive(Clone, Copy, Debug)]
struct StatxFields {
    mask: u32,
    mode: u32,
    size: u64,
    uid: u32,
    gid: u32,
    nlink: u32,
    ino: u64,
    dev: u64,
    blksize: u32,
    blocks: u64,
    atime: (i64, u32),
    mtime: (i64, u32),
    ctime: (i64, u32),
    btime: (i64, u32),
}

impl Metadata {
    pub(crate) fn from_statx(s: libc::statx) -> Metadata {
        let ts = |t: libc::statx_timestamp| (t.tv_sec, t.tv_nsec);
        Metadata {
            stx: StatxFields {
                mask: s.stx_mask,
                mode: u32::from(s.stx_mode),
                size: s.stx_size,
                uid: s.stx_uid,
                gid: s.stx_gid,
                nlink: s.stx_nlink,
                ino: s.stx_ino,
                dev: libc::makedev(s.stx_dev_major, s.stx_dev_minor),
                blksize: s.stx_blksize,
                blocks: s.stx_blocks,
                atime: ts(s.stx_atime),
                mtime: ts(s.stx_mtime),
                ctime: ts(s.stx_ctime),
                btime: ts(s.stx_btime),
            },
        }
    }

    /// Size in bytes.
    pub fn len(&self) -> u64 {
        self.stx.size
    }

    /// Whether the size is 0.
    pub fn is_empty(&self) -> bool {
        self.stx.size == 0
    }

    /// The file's kind.
    pub fn file_type(&self) -> FileType {
        FileType(self.stx.mode)
    }

    /// A regular file.
    pub fn is_file(&self) -> bool {
        self.file_type().is_file()
    }

    /// A directory.
    pub fn is_dir(&self) -> bool {
        self.file_type().is_dir()
    }

    /// A symbolic link (only seen through [`crate::symlink_metadata`]).
    pub fn is_symlink(&self) -> bool {
        self.file_type().is_symlink()
    }

    /// Permissions, as std's type (built from the whole `st_mode`, as std does).
    pub fn permissions(&self) -> Permissions {
        Permissions::from_mode(self.stx.mode)
    }

    /// The full `st_mode` (type and permission bits).
    pub fn mode(&self) -> u32 {
        self.stx.mode
    }

    /// Owner user id.
    pub fn uid(&self) -> u32 {
        self.stx.uid
    }

    /// Owner group id.
    pub fn gid(&self) -> u32 {
        self.stx.gid
    }

    /// Number of hard links.
    pub fn nlink(&self) -> u64 {
        u64::from(self.stx.nlink)
    }

    /// Inode number.
    pub fn ino(&self) -> u64 {
        self.stx.ino
    }

    /// Device the file lives on.
    pub fn dev(&self) -> u64 {
        self.stx.dev
    }

    /// Preferred I/O block size.
    pub fn blksize(&self) -> u64 {
        u64::from(self.stx.blksize)
    }

    /// 512-byte blocks allocated.
    pub fn blocks(&self) -> u64 {
        self.stx.blocks
    }

    fn time(&self, bit: u32, (sec, nsec): (i64, u32)) -> io::Result<SystemTime> {
        if self.stx.mask & bit == 0 {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "this time is not available on this file system",
            ));
        }
        let t = if sec >= 0 {
            SystemTime::UNIX_EPOCH.checked_add(Duration::new(sec.unsigned_abs(), nsec))
        } else {
            SystemTime::UNIX_EPOCH
                .checked_sub(Duration::from_secs(sec.unsigned_abs()))
                .and_then(|t| t.checked_add(Duration::from_nanos(u64::from(nsec))))
        };
        t.ok_or_else(|| io::Error::other("file time out of range"))
    }

    /// Last modification time.
    ///
    /// # Errors
    /// `Unsupported` if the file system does not record it.
    pub fn modified(&self) -> io::Result<SystemTime> {
        self.time(libc::STATX_MTIME, self.stx.mtime)
    }

    /// Last access time.
    ///
    /// # Errors
    /// As [`modified`](Self::modified).
    pub fn accessed(&self) -> io::Result<SystemTime> {
        self.time(libc::STATX_ATIME, self.stx.atime)
    }

    /// Creation (birth) time.
    ///
    /// # Errors
    /// As [`modified`](Self::modified) (tmpfs and ext4 record it).
    pub fn created(&self) -> io::Result<SystemTime> {
        self.time(libc::STATX_BTIME, self.stx.btime)
    }

    /// Last status change time.
    ///
    /// # Errors
    /// As [`modified`](Self::modified).
    pub fn changed(&self) -> io::Result<SystemTime> {
        self.time(libc::STATX_CTIME, self.stx.ctime)
    }
}
