//! [`FileStream`]: a file with a cursor and an internal buffer, for the
//! `futures-io` traits.
//!
//! `poll_read` lends us the caller's buffer only for the call, but the
//! kernel needs memory it may keep after a future is dropped. So the stream
//! owns one buffer and at most one op at a time (a read into the buffer, a
//! write from it, or a `statx` for `SeekFrom::End`), and copies between the
//! buffer and the caller's slices. The buffer is in one of three modes:
//!
//! 1. `Empty`: no data buffered.
//! 2. `Read`: `buf[rd..]` are the file's bytes at `pos` (the cursor).
//! 3. `Write`: `buf` holds bytes not yet written, meant for the file at
//!    `pos - buf.len()`.
//!
//! An op in flight owns the buffer (`buf` is `None`); every poll method
//! first drives it to completion, then acts. Dropping the stream abandons
//! an op in flight (the reactor cancels it and frees the buffer).

use crate::util::{invalid_input, METADATA_MASK};
use crate::File;
use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
use ringbolt_reactor::op::{Read, Statx, Write};
use ringbolt_reactor::{submit, Op};
use std::future::{poll_fn, Future};
use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Size of the internal buffer, and so of each read and write op.
const CAPACITY: usize = 64 * 1024;

/// What the buffer holds (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Empty,
    Read,
    Write,
}

/// The op the stream has in flight.
#[derive(Debug)]
enum InFlight {
    Idle,
    Read(Op<Read<Vec<u8>>>),
    Write(Op<Write<Vec<u8>>>),
    Size(Op<Statx>),
}

/// What finishing the op in flight produced.
enum Finished {
    Nothing,
    Read(io::Result<usize>),
    Write(io::Result<usize>),
    Size(io::Result<u64>),
}

/// A [`File`] with a cursor and a 64 KiB buffer, implementing `futures-io`'s
/// [`AsyncRead`], [`AsyncBufRead`], [`AsyncWrite`] and [`AsyncSeek`], so
/// `futures::io::copy`, `lines()` and friends work on it. Each read or
/// write of the buffer is one ring op. With the `tokio-io` feature it also
/// implements tokio's four traits of the same names, on the same buffer.
///
/// Every poll method leaves the op it started in the stream, so dropping
/// a pending read, write or seek (a timeout, a `select!` branch that lost)
/// loses no bytes: the next call finishes that op first.
///
/// Writes are buffered: call `flush` (or [`close`](Self::close)) before
/// dropping it, or the buffered bytes are lost. A file opened with
/// `append` writes at its end whatever the cursor says.
///
/// ```
/// # ringbolt::Runtime::new().unwrap().block_on(async {
/// use futures::io::{AsyncBufReadExt, AsyncSeekExt, AsyncWriteExt};
/// use futures::TryStreamExt;
/// use ringbolt_fs::OpenOptions;
/// let dir = tempfile::tempdir().unwrap();
/// let file = OpenOptions::new().read(true).write(true).create(true)
///     .open(dir.path().join("s")).await.unwrap();
/// let mut stream = file.into_stream();
/// stream.write_all(b"one\ntwo\n").await.unwrap();
/// stream.seek(std::io::SeekFrom::Start(0)).await.unwrap();
/// let lines: Vec<String> = (&mut stream).lines().try_collect().await.unwrap();
/// assert_eq!(lines, ["one", "two"]);
/// stream.close().await.unwrap();
/// # });
/// ```
#[derive(Debug)]
pub struct FileStream {
    file: File,
    buf: Option<Vec<u8>>,
    rd: usize,
    mode: Mode,
    pos: u64,
    inflight: InFlight,
    seek_end: i64,
    /// The target of tokio's `start_seek`, until `poll_complete` reaches it.
    #[cfg(feature = "tokio-io")]
    pub(crate) tokio_seek: Option<SeekFrom>,
}

impl FileStream {
    /// A stream over `file` with its cursor at 0.
    pub fn new(file: File) -> FileStream {
        FileStream {
            file,
            buf: Some(Vec::new()),
            rd: 0,
            mode: Mode::Empty,
            pos: 0,
            inflight: InFlight::Idle,
            seek_end: 0,
            #[cfg(feature = "tokio-io")]
            tokio_seek: None,
        }
    }

    /// The file underneath, for positional I/O (which ignores the cursor
    /// and the buffer).
    pub fn get_ref(&self) -> &File {
        &self.file
    }

    /// The cursor: where the next read or write goes.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Writes out buffered bytes and gives the file back.
    ///
    /// # Errors
    /// The first write error.
    pub async fn into_file(mut self) -> io::Result<File> {
        poll_fn(|cx| self.poll_flush_inner(cx)).await?;
        Ok(self.file)
    }

    /// Writes out buffered bytes, then closes the file (see [`File::close`]).
    ///
    /// # Errors
    /// The first write error, or `close`'s.
    pub async fn close(self) -> io::Result<()> {
        self.into_file().await?.close().await
    }

    fn buf_mut(&mut self) -> &mut Vec<u8> {
        self.buf
            .as_mut()
            .expect("the buffer is home while no op is in flight")
    }

    /// Drives the op in flight to completion and takes its buffer back.
    fn poll_op(&mut self, cx: &mut Context<'_>) -> Poll<Finished> {
        let finished = match &mut self.inflight {
            InFlight::Idle => return Poll::Ready(Finished::Nothing),
            InFlight::Read(op) => {
                let (res, buf) = ready!(Pin::new(op).poll(cx));
                self.rd = 0;
                self.mode = if res.as_ref().is_ok_and(|&n| n > 0) {
                    Mode::Read
                } else {
                    Mode::Empty
                };
                self.buf = Some(buf);
                if self.mode == Mode::Empty {
                    self.buf_mut().clear();
                }
                Finished::Read(res)
            }
            InFlight::Write(op) => {
                let (res, mut buf) = ready!(Pin::new(op).poll(cx));
                if let Ok(n) = res {
                    buf.drain(..n);
                }
                if buf.is_empty() {
                    self.mode = Mode::Empty;
                }
                self.buf = Some(buf);
                match res {
                    Ok(0) => Finished::Write(Err(io::ErrorKind::WriteZero.into())),
                    res => Finished::Write(res),
                }
            }
            InFlight::Size(op) => Finished::Size(ready!(Pin::new(op).poll(cx)).map(|s| s.stx_size)),
        };
        self.inflight = InFlight::Idle;
        Poll::Ready(finished)
    }

    /// Submits a write of the buffered bytes if there are any; `false` if
    /// there was nothing to write.
    fn start_write(&mut self) -> bool {
        if self.mode != Mode::Write || self.buf_mut().is_empty() {
            return false;
        }
        let buf = self
            .buf
            .take()
            .expect("the buffer is home while no op is in flight");
        let at = self.pos - buf.len() as u64;
        self.inflight = InFlight::Write(submit(Write::new(self.file.shared_fd(), buf, at)));
        true
    }

    fn poll_flush_inner(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            if let Finished::Write(Err(e)) = ready!(self.poll_op(cx)) {
                return Poll::Ready(Err(e));
            }
            if !self.start_write() {
                return Poll::Ready(Ok(()));
            }
        }
    }

    /// Forgets buffered read-ahead (the cursor stays).
    fn drop_read_ahead(&mut self) {
        if self.mode == Mode::Read {
            self.buf_mut().clear();
            self.rd = 0;
            self.mode = Mode::Empty;
        }
    }

    /// Moves the cursor to `to`, keeping read-ahead that still covers it.
    fn move_cursor(&mut self, to: u64) {
        if self.mode == Mode::Read {
            let start = self.pos - self.rd as u64;
            let len = self.buf_mut().len() as u64;
            if to >= start && to <= start + len {
                self.rd = (to - start) as usize;
            } else {
                self.drop_read_ahead();
            }
        }
        self.pos = to;
    }
}

fn add_signed(base: u64, delta: i64) -> io::Result<u64> {
    base.checked_add_signed(delta)
        .ok_or_else(|| invalid_input("seek to a negative or overflowing position"))
}

impl AsyncBufRead for FileStream {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        loop {
            match ready!(this.poll_op(cx)) {
                Finished::Read(Ok(0)) => return Poll::Ready(Ok(&[])),
                Finished::Read(Err(e)) | Finished::Write(Err(e)) => return Poll::Ready(Err(e)),
                _ => {}
            }
            if this.start_write() {
                continue;
            }
            if this.mode == Mode::Read && this.rd < this.buf_mut().len() {
                let rd = this.rd;
                return Poll::Ready(Ok(&this.buf.as_ref().expect("buffer is home")[rd..]));
            }
            let mut buf = this
                .buf
                .take()
                .expect("the buffer is home while no op is in flight");
            buf.clear();
            buf.reserve(CAPACITY);
            this.mode = Mode::Empty;
            this.inflight = InFlight::Read(submit(Read::new(this.file.shared_fd(), buf, this.pos)));
        }
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        if this.mode == Mode::Read {
            let amt = amt.min(this.buf_mut().len() - this.rd);
            this.rd += amt;
            this.pos += amt as u64;
        }
    }
}

impl AsyncRead for FileStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if out.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let data = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = data.len().min(out.len());
        out[..n].copy_from_slice(&data[..n]);
        self.consume(n);
        Poll::Ready(Ok(n))
    }
}

impl AsyncWrite for FileStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        loop {
            if let Finished::Write(Err(e)) = ready!(this.poll_op(cx)) {
                return Poll::Ready(Err(e));
            }
            this.drop_read_ahead();
            if this.buf_mut().len() >= CAPACITY && this.start_write() {
                continue;
            }
            let buf = this.buf_mut();
            let n = (CAPACITY - buf.len()).min(data.len());
            buf.extend_from_slice(&data[..n]);
            this.mode = Mode::Write;
            this.pos += n as u64;
            return Poll::Ready(Ok(n));
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush_inner(cx)
    }

    /// Flushes; the descriptor itself is closed when the stream is dropped
    /// (or by [`FileStream::close`]).
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush_inner(cx)
    }
}

impl AsyncSeek for FileStream {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        target: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let this = self.get_mut();
        loop {
            match ready!(this.poll_op(cx)) {
                Finished::Size(size) => {
                    let to = add_signed(size?, this.seek_end)?;
                    this.move_cursor(to);
                    return Poll::Ready(Ok(to));
                }
                Finished::Write(Err(e)) => return Poll::Ready(Err(e)),
                _ => {}
            }
            if this.start_write() {
                continue;
            }
            let to = match target {
                SeekFrom::Start(to) => to,
                SeekFrom::Current(delta) => add_signed(this.pos, delta)?,
                SeekFrom::End(delta) => {
                    this.seek_end = delta;
                    let op = Statx::fd(this.file.shared_fd(), METADATA_MASK);
                    this.inflight = InFlight::Size(submit(op));
                    continue;
                }
            };
            this.move_cursor(to);
            return Poll::Ready(Ok(to));
        }
    }
}
