//! [`File`]: an open file and its positional, owned-buffer I/O.

use crate::direct::DioAlign;
use crate::metadata::Metadata;
use crate::util::{invalid_input, offset_add, METADATA_MASK};
use crate::{FileStream, OpenOptions};
use ringbolt_reactor::op::{Fallocate, Fsync, Ftruncate, Read, Readv, Statx, Write, Writev};
use ringbolt_reactor::{submit, BufResult, IoBuf, IoBufMut, SharedFd};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::Path;

/// The most buffers one vectored op takes (`IOV_MAX`).
const IOV_MAX: usize = 1024;

/// An open file. Every method is an io_uring op on the ring of the worker
/// that polls it; buffers go in by value and come back with the result.
///
/// Methods take `&self` and name their offset, so one `File` can serve many
/// concurrent tasks (share it with an `Arc`). For a cursor and the
/// `futures-io` traits, turn it into a [`FileStream`].
///
/// Dropping a `File` closes the descriptor once the last op on it has
/// completed, without waiting; [`close`](Self::close) waits and reports the
/// result.
///
/// ```
/// # ringbolt::Runtime::new().unwrap().block_on(async {
/// use ringbolt_fs::File;
/// let dir = tempfile::tempdir().unwrap();
/// let file = File::options().read(true).write(true).create(true)
///     .open(dir.path().join("f")).await.unwrap();
/// file.write_all_at(b"0123456789".to_vec(), 0).await.0.unwrap();
/// let (n, buf) = file.read_at(Vec::with_capacity(4), 3).await;
/// assert_eq!((n.unwrap(), &buf[..]), (4, &b"3456"[..]));
/// file.close().await.unwrap();
/// # });
/// ```
#[derive(Debug)]
pub struct File {
    fd: SharedFd,
    dio: Option<DioAlign>,
}

impl File {
    pub(crate) fn from_parts(fd: SharedFd, dio: Option<DioAlign>) -> File {
        File { fd, dio }
    }

    /// Opens `path` read-only.
    ///
    /// # Errors
    /// As [`OpenOptions::open`].
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Opens `path` write-only, creating it or truncating it.
    ///
    /// # Errors
    /// As [`OpenOptions::open`].
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// A new [`OpenOptions`].
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps a std file (not opened with `O_DIRECT`).
    pub fn from_std(file: std::fs::File) -> File {
        File::from_parts(SharedFd::new(OwnedFd::from(file)), None)
    }

    /// The alignment this file requires, if it was opened with `O_DIRECT`.
    pub fn dio_align(&self) -> Option<DioAlign> {
        self.dio
    }

    /// Turns the file into a cursor-based stream implementing `futures-io`'s
    /// `AsyncRead`, `AsyncBufRead`, `AsyncWrite` and `AsyncSeek`.
    pub fn into_stream(self) -> FileStream {
        FileStream::new(self)
    }

    pub(crate) fn shared_fd(&self) -> &SharedFd {
        &self.fd
    }

    /// Closes the file with an io_uring `close` after every op still in
    /// flight on it has completed, and reports the result.
    ///
    /// # Errors
    /// What `close(2)` reports (for instance a delayed write error).
    pub async fn close(self) -> io::Result<()> {
        self.fd.close().await
    }

    fn check_direct(&self, addr: usize, len: usize, pos: u64) -> io::Result<()> {
        match &self.dio {
            Some(align) => align.check(addr, len, pos),
            None => Ok(()),
        }
    }

    /// Reads up to `buf.bytes_total()` bytes at `pos` with one op. Returns
    /// the count (0 at end of file, short near it; a buffer over
    /// `u32::MAX` bytes gets a short read, never a truncated request). A
    /// `Vec`'s or `BytesMut`'s length is then the count, so a buffer reused
    /// for many reads holds only the last one's bytes (the length rule of
    /// [`IoBufMut`]).
    ///
    /// # Errors
    /// The kernel's error (`EBADF` on a write-only file); on an `O_DIRECT`
    /// file `InvalidInput` for a misaligned request, before submission. An
    /// empty buffer is `Ok(0)` without a syscall.
    pub async fn read_at<B: IoBufMut>(&self, buf: B, pos: u64) -> BufResult<usize, B> {
        if buf.bytes_total() == 0 {
            return (Ok(0), buf);
        }
        if let Err(e) = self.check_direct(buf.stable_ptr().addr(), buf.bytes_total(), pos) {
            return (Err(e), buf);
        }
        submit(Read::new(&self.fd, buf, pos)).await
    }

    /// Writes up to `buf.bytes_init()` bytes at `pos` with one op and
    /// returns the count (which may be short).
    ///
    /// # Errors
    /// As [`read_at`](Self::read_at) (`EBADF` on a read-only file).
    pub async fn write_at<B: IoBuf>(&self, buf: B, pos: u64) -> BufResult<usize, B> {
        if buf.bytes_init() == 0 {
            return (Ok(0), buf);
        }
        if let Err(e) = self.check_direct(buf.stable_ptr().addr(), buf.bytes_init(), pos) {
            return (Err(e), buf);
        }
        submit(Write::new(&self.fd, buf, pos)).await
    }

    /// Fills the whole buffer (`bytes_total` bytes) from `pos`, with as
    /// many ops as it takes.
    ///
    /// # Errors
    /// `UnexpectedEof` if the file ends first (the bytes read so far are
    /// in the buffer); otherwise as [`read_at`](Self::read_at).
    pub async fn read_exact_at<B: IoBufMut>(&self, mut buf: B, pos: u64) -> BufResult<(), B> {
        let total = buf.bytes_total();
        let mut done = 0;
        while done < total {
            let at = match offset_add(pos, done) {
                Ok(at) => at,
                Err(e) => return (Err(e), buf),
            };
            let (res, slice) = self.read_at(buf.slice(done..), at).await;
            buf = slice.into_inner();
            match res {
                Ok(0) => {
                    let e = io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "file ended before the buffer was full",
                    );
                    return (Err(e), buf);
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return (Err(e), buf),
            }
        }
        (Ok(()), buf)
    }

    /// Writes all `bytes_init` bytes from `pos`, with as many ops as it
    /// takes (a buffer over `u32::MAX` bytes takes several).
    ///
    /// # Errors
    /// `WriteZero` if the kernel accepts nothing; otherwise as
    /// [`write_at`](Self::write_at).
    pub async fn write_all_at<B: IoBuf>(&self, mut buf: B, pos: u64) -> BufResult<(), B> {
        let total = buf.bytes_init();
        let mut done = 0;
        while done < total {
            let at = match offset_add(pos, done) {
                Ok(at) => at,
                Err(e) => return (Err(e), buf),
            };
            let (res, slice) = self.write_at(buf.slice(done..total), at).await;
            buf = slice.into_inner();
            match res {
                Ok(0) => {
                    let e = io::Error::new(io::ErrorKind::WriteZero, "the file accepted no bytes");
                    return (Err(e), buf);
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return (Err(e), buf),
            }
        }
        (Ok(()), buf)
    }

    /// Reads into each buffer in turn (up to its `bytes_total`) from `pos`
    /// with one `readv` op; returns the total count.
    ///
    /// # Errors
    /// `InvalidInput` for more than 1024 buffers or on an `O_DIRECT` file
    /// (use [`read_aligned_at`](Self::read_aligned_at)); else as
    /// [`read_at`](Self::read_at).
    pub async fn readv_at<B: IoBufMut>(&self, bufs: Vec<B>, pos: u64) -> BufResult<usize, Vec<B>> {
        if let Err(e) = self.check_vectored(bufs.len()) {
            return (Err(e), bufs);
        }
        if bufs.iter().all(|b| b.bytes_total() == 0) {
            return (Ok(0), bufs);
        }
        match Readv::new(&self.fd, bufs, pos) {
            Ok(op) => submit(op).await,
            Err(_) => unreachable!("buffer count checked above"),
        }
    }

    /// Writes each buffer's `bytes_init` bytes in turn from `pos` with one
    /// `writev` op; returns the total count (which may be short).
    ///
    /// # Errors
    /// As [`readv_at`](Self::readv_at).
    pub async fn writev_at<B: IoBuf>(&self, bufs: Vec<B>, pos: u64) -> BufResult<usize, Vec<B>> {
        if let Err(e) = self.check_vectored(bufs.len()) {
            return (Err(e), bufs);
        }
        if bufs.iter().all(|b| b.bytes_init() == 0) {
            return (Ok(0), bufs);
        }
        match Writev::new(&self.fd, bufs, pos) {
            Ok(op) => submit(op).await,
            Err(_) => unreachable!("buffer count checked above"),
        }
    }

    fn check_vectored(&self, count: usize) -> io::Result<()> {
        if count > IOV_MAX {
            return Err(invalid_input(format!(
                "vectored I/O takes at most {IOV_MAX} buffers, got {count}"
            )));
        }
        if self.dio.is_some() {
            return Err(invalid_input(
                "vectored I/O on an O_DIRECT file is not supported",
            ));
        }
        Ok(())
    }

    /// Appends everything from `pos` to the end of the file to `buf`;
    /// returns the number of bytes appended.
    ///
    /// # Errors
    /// As [`read_at`](Self::read_at); the bytes read so far stay in `buf`.
    pub async fn read_to_end_at(&self, mut buf: Vec<u8>, pos: u64) -> BufResult<usize, Vec<u8>> {
        let start = buf.len();
        loop {
            if buf.capacity() - buf.len() < 4096 {
                buf.reserve(buf.capacity().clamp(8192, 1 << 24));
            }
            let len = buf.len();
            let at = match offset_add(pos, len - start) {
                Ok(at) => at,
                Err(e) => return (Err(e), buf),
            };
            let (res, slice) = self.read_at(buf.slice(len..), at).await;
            buf = slice.into_inner();
            match res {
                Ok(0) => return (Ok(buf.len() - start), buf),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return (Err(e), buf),
            }
        }
    }

    /// Flushes data and metadata to the device (`fsync`).
    ///
    /// # Errors
    /// The kernel's error (`EIO`…).
    pub async fn sync_all(&self) -> io::Result<()> {
        submit(Fsync::new(&self.fd)).await
    }

    /// Flushes data, and only the metadata needed to read it (`fdatasync`).
    ///
    /// # Errors
    /// As [`sync_all`](Self::sync_all).
    pub async fn sync_data(&self) -> io::Result<()> {
        submit(Fsync::datasync(&self.fd)).await
    }

    /// Truncates or extends the file to `len` bytes (`ftruncate`).
    ///
    /// # Errors
    /// The kernel's error (`EINVAL` on a file not open for writing).
    pub async fn set_len(&self, len: u64) -> io::Result<()> {
        submit(Ftruncate::new(&self.fd, len)).await
    }

    /// Reserves disk space for `offset..offset + len`, extending the file
    /// if needed (`fallocate` mode 0).
    ///
    /// # Errors
    /// The kernel's error (`EOPNOTSUPP` on file systems without it).
    pub async fn allocate(&self, offset: u64, len: u64) -> io::Result<()> {
        submit(Fallocate::new(&self.fd, offset, len, 0)).await
    }

    /// The file's metadata (`statx` on the descriptor).
    ///
    /// # Errors
    /// The kernel's error.
    pub async fn metadata(&self) -> io::Result<Metadata> {
        submit(Statx::fd(&self.fd, METADATA_MASK))
            .await
            .map(Metadata::from_statx)
    }
}

impl AsRawFd for File {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}
