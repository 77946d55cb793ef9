//! The write half of a stream socket: owned writes and the write-behind
//! buffer behind `AsyncWrite`.
//!
//! `poll_write` copies the caller's bytes into an internal buffer, starts a
//! `send` of it and reports them written; the send stays in flight here.
//! The next `poll_write`, `poll_flush` or owned write first finishes it
//! (resending the rest after a short send), and reports its error if it
//! failed. Every send is `MSG_NOSIGNAL`: a closed peer is `BrokenPipe` (or
//! `ConnectionReset`), never `SIGPIPE`.
//!
//! `write_all` sends what is left of a buffer with `IORING_OP_SEND_ZC`
//! (no copy into the socket) while at least [`ZERO_COPY_MIN`] bytes
//! remain, and with `send` below that: measured with `ringbolt-bench
//! --workloads raw_send_zc_16k,raw_send_zc_256k`, zero-copy took 1.4–1.7×
//! the time of `send` for 16 KiB messages and 0.78–0.80× for 256 KiB ones
//! (two full runs). A socket whose kernel or family refuses `SEND_ZC`
//! (`EINVAL`, `EOPNOTSUPP`: kernels before 6.0, Unix sockets) goes back to
//! `send` for good.

use ringbolt_reactor::op::{submit_send_zc, Send, SendMsg, SendZc};
use ringbolt_reactor::{submit, BufResult, IoBuf, Op, SharedFd, Slice};
use std::future::{poll_fn, Future};
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Most bytes one `poll_write` takes.
const POLL_WRITE_BUF: usize = 256 * 1024;

/// Bytes left of a `write_all` from which it sends with zero copy.
pub(crate) const ZERO_COPY_MIN: usize = 256 * 1024;

/// Write-side state of a stream.
#[derive(Default)]
pub(crate) struct WriteSide {
    in_flight: Option<Op<Send<Slice<Vec<u8>>>>>,
    spare: Vec<u8>,
    /// This socket refused `SEND_ZC` once: plain sends from now on.
    no_zero_copy: bool,
}

impl std::fmt::Debug for WriteSide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteSide")
            .field("in_flight", &self.in_flight.is_some())
            .finish()
    }
}

/// The kernel (before 6.0) or the socket's family (Unix) has no `SEND_ZC`.
fn refuses_zero_copy(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EINVAL) | Some(libc::EOPNOTSUPP)
    )
}

fn write_zero() -> io::Error {
    io::Error::new(io::ErrorKind::WriteZero, "send wrote zero bytes")
}

impl WriteSide {
    /// Finishes the write-behind send, resending after short sends.
    pub(crate) fn poll_drain(
        &mut self,
        cx: &mut Context<'_>,
        fd: &SharedFd,
    ) -> Poll<io::Result<()>> {
        while let Some(op) = self.in_flight.as_mut() {
            let (res, slice) = ready!(Pin::new(op).poll(cx));
            self.in_flight = None;
            let end = slice.end();
            let begin = slice.begin();
            let mut buf = slice.into_inner();
            match res {
                Ok(n) if begin + n < end => {
                    if n == 0 {
                        return Poll::Ready(Err(write_zero()));
                    }
                    let rest = buf.slice(begin + n..end);
                    self.in_flight = Some(submit(Send::new(fd, rest, 0)));
                }
                Ok(_) => {
                    buf.clear();
                    self.spare = buf;
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        Poll::Ready(Ok(()))
    }

    /// `AsyncWrite::poll_write`.
    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        fd: &SharedFd,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_drain(cx, fd))?;
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let n = data.len().min(POLL_WRITE_BUF);
        let mut buf = std::mem::take(&mut self.spare);
        buf.extend_from_slice(&data[..n]);
        let len = buf.len();
        self.in_flight = Some(submit(Send::new(fd, buf.slice(..len), 0)));
        // Submit now so the bytes leave while the caller does other work; a
        // later failure surfaces on the next write or flush.
        if let Poll::Ready(Err(e)) = self.poll_drain(cx, fd) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(n))
    }

    /// An owned write (`send` of `buf`), after any write-behind bytes.
    pub(crate) async fn write<B: IoBuf>(&mut self, fd: &SharedFd, buf: B) -> BufResult<usize, B> {
        if let Err(e) = poll_fn(|cx| self.poll_drain(cx, fd)).await {
            return (Err(e), buf);
        }
        submit(Send::new(fd, buf, 0)).await
    }

    /// Writes all of `buf`.
    pub(crate) async fn write_all<B: IoBuf>(&mut self, fd: &SharedFd, buf: B) -> BufResult<(), B> {
        if let Err(e) = poll_fn(|cx| self.poll_drain(cx, fd)).await {
            return (Err(e), buf);
        }
        let end = buf.bytes_init();
        let mut slice = buf.slice(..end);
        let mut done = 0;
        while done < end {
            let (res, s) = if end - done >= ZERO_COPY_MIN && !self.no_zero_copy {
                match submit_send_zc(SendZc::new(fd, slice)).await {
                    (Err(e), s) if refuses_zero_copy(&e) => {
                        self.no_zero_copy = true;
                        submit(Send::new(fd, s, 0)).await
                    }
                    other => other,
                }
            } else {
                submit(Send::new(fd, slice, 0)).await
            };
            let buf = s.into_inner();
            match res {
                Ok(0) => return (Err(write_zero()), buf),
                Ok(n) => done += n,
                Err(e) => return (Err(e), buf),
            }
            slice = buf.slice(done..end);
        }
        (Ok(()), slice.into_inner())
    }
}

impl WriteSide {
    /// A gathered write: one ring `sendmsg` (`MSG_NOSIGNAL`) of the
    /// buffers in order, straight from them (no copy), after any
    /// write-behind bytes; returns how many bytes went out.
    pub(crate) async fn write_vectored<B: IoBuf>(
        &mut self,
        fd: &SharedFd,
        bufs: Vec<B>,
    ) -> BufResult<usize, Vec<B>> {
        if let Err(e) = poll_fn(|cx| self.poll_drain(cx, fd)).await {
            return (Err(e), bufs);
        }
        match SendMsg::new(fd, bufs, None, 0) {
            Ok(op) => submit(op).await,
            Err((e, bufs)) => (Err(e), bufs),
        }
    }
}
