//! The write half of a stream socket: owned writes and the write-behind
//! buffer behind `AsyncWrite`.
//!
//! `poll_write` copies the caller's bytes into an internal buffer, starts a
//! `send` of it and reports them written; the send stays in flight here.
//! The next `poll_write`, `poll_flush` or owned write first finishes it
//! (resending the rest after a short send), and reports its error if it
//! failed. Every send is `MSG_NOSIGNAL`: a closed peer is `BrokenPipe` (or
//! `ConnectionReset`), never `SIGPIPE`.

use ringbolt_reactor::op::{Send, SendMsg};
use ringbolt_reactor::{submit, BufResult, IoBuf, Op, SharedFd, Slice};
use std::future::{poll_fn, Future};
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Most bytes one `poll_write` takes.
const POLL_WRITE_BUF: usize = 256 * 1024;

/// Write-side state of a stream.
#[derive(Default)]
pub(crate) struct WriteSide {
    in_flight: Option<Op<Send<Slice<Vec<u8>>>>>,
    spare: Vec<u8>,
}

impl std::fmt::Debug for WriteSide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteSide")
            .field("in_flight", &self.in_flight.is_some())
            .finish()
    }
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
        self.poll_write_vectored(cx, fd, &[IoSlice::new(data)])
    }

    /// `AsyncWrite::poll_write_vectored`: copies the slices, in order and
    /// up to 256 KiB in all, into one buffer and sends it with one op.
    pub(crate) fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        fd: &SharedFd,
        data: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_drain(cx, fd))?;
        let mut buf = std::mem::take(&mut self.spare);
        for slice in data {
            let room = POLL_WRITE_BUF - buf.len();
            if room == 0 {
                break;
            }
            buf.extend_from_slice(&slice[..slice.len().min(room)]);
        }
        let n = buf.len();
        if n == 0 {
            self.spare = buf;
            return Poll::Ready(Ok(0));
        }
        self.in_flight = Some(submit(Send::new(fd, buf.slice(..n), 0)));
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
            let (res, s) = submit(Send::new(fd, slice, 0)).await;
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
