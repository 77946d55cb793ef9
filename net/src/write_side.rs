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
//! # Dropped with bytes unsent
//!
//! Bytes `poll_write` accepted are sent even if the stream (or its write
//! half) is dropped before a flush: the drop hands the send in flight to a
//! task of the current runtime ([`WriteSide::finish_detached`]), which
//! finishes it (resending after short sends) and then shuts down the write
//! direction, so the peer sees every byte and then the end of the stream.
//! That task is bounded three ways, so a peer that never reads cannot hold
//! anything for ever:
//!
//! 1. it holds at most one `poll_write`'s bytes ([`POLL_WRITE_BUF`]);
//! 2. it gives up after [`DROP_LINGER`] (30 s): the send is cancelled and
//!    the write direction shut down, so the peer sees a prefix of the
//!    bytes and then the end of the stream;
//! 3. the runtime's shutdown drops it like any task, with the same effect:
//!    it never delays the shutdown.
//!
//! A stream dropped where no runtime is current (a plain thread) cannot
//! start that task: its send is cancelled at once.

use ringbolt_executor::Handle;
use ringbolt_reactor::op::{Send, SendMsg};
use ringbolt_reactor::{submit, BufResult, IoBuf, Op, SharedFd, Slice};
use std::future::{poll_fn, Future};
use std::io::{self, IoSlice};
use std::net::Shutdown;
use std::pin::{pin, Pin};
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// Most bytes one `poll_write` takes.
pub(crate) const POLL_WRITE_BUF: usize = 256 * 1024;

/// How long a dropped stream's write-behind bytes may take to reach the
/// kernel before the send is cancelled (see the module docs).
pub(crate) const DROP_LINGER: Duration = Duration::from_secs(30);

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

/// Shuts down the write direction of its socket when dropped.
struct ShutdownWrite(SharedFd);

impl Drop for ShutdownWrite {
    fn drop(&mut self) {
        // shutdown(2) never blocks; an error (the peer is gone) leaves
        // nothing to do.
        let _ = socket2::SockRef::from(&self.0).shutdown(Shutdown::Write);
    }
}

impl WriteSide {
    /// For the `Drop` of a stream or write half: if a write-behind send is
    /// in flight and a runtime is current, hands it (with `fd`) to a task
    /// that finishes it and then shuts down the write direction, bounded
    /// as the module docs say, and returns `true`. Otherwise returns
    /// `false`; a send in flight is then cancelled when `self` drops.
    pub(crate) fn finish_detached(self, fd: &SharedFd) -> bool {
        if self.in_flight.is_none() {
            return false;
        }
        let Some(runtime) = Handle::try_current() else {
            return false;
        };
        let fd = fd.clone();
        // Detached: nobody awaits it; a shutdown drops it like any task.
        drop(runtime.spawn(self.linger(fd, DROP_LINGER)));
        true
    }

    /// Finishes the write-behind send for at most `limit`, then shuts down
    /// the write direction (also when dropped before that: runtime
    /// shutdown).
    async fn linger(mut self, fd: SharedFd, limit: Duration) {
        let fd = ShutdownWrite(fd);
        let mut deadline = pin!(ringbolt_reactor::time::sleep(limit));
        poll_fn(|cx| match self.poll_drain(cx, &fd.0) {
            // Sent, or failed (the peer is gone): either way, done.
            Poll::Ready(_) => Poll::Ready(()),
            Poll::Pending => deadline.as_mut().poll(cx),
        })
        .await;
        // A send still in flight (the limit ran out) is cancelled here,
        // before the write direction is shut down.
        drop(self);
        drop(fd);
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Bound 2 of the module docs: against a peer that never reads, a
    /// lingering send gives up after its limit and shuts the write
    /// direction down, so the peer sees a prefix and the end of the stream.
    #[test]
    fn linger_gives_up_after_its_limit() {
        let (ours, mut peer) = std::os::unix::net::UnixStream::pair().unwrap();
        let fd = SharedFd::new(ours.into());
        let rt = ringbolt::Runtime::new().unwrap();
        rt.block_on(async {
            let mut wr = WriteSide::default();
            let data = vec![7u8; POLL_WRITE_BUF];
            let n = poll_fn(|cx| wr.poll_write(cx, &fd, &data)).await;
            assert_eq!(n.unwrap(), POLL_WRITE_BUF);
            // Returns although the peer reads nothing, and not before the
            // limit (a sleep never ends early).
            let start = std::time::Instant::now();
            wr.linger(fd.clone(), Duration::from_millis(50)).await;
            assert!(start.elapsed() >= Duration::from_millis(50));
        });
        drop(fd);
        drop(rt);
        peer.set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut got = Vec::new();
        peer.read_to_end(&mut got).expect("the end of the stream");
        assert!(
            got.len() < POLL_WRITE_BUF,
            "the peer never read, so not all fit"
        );
        assert!(got.iter().all(|&b| b == 7));
    }
}
