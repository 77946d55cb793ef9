//! The read half of a stream socket: cancellation-safe owned reads and the
//! buffered `poll_read` behind `AsyncRead`.
//!
//! # Rules
//!
//! 1. At most one receive op is in flight per read side. When a read
//!    future is dropped while its op is in flight, the op is not dropped
//!    (which would cancel it and lose whatever the kernel already put in
//!    its buffer): it is **parked** here, still owning its buffer.
//! 2. Every read first finishes a parked op. Its bytes go to the **stash**;
//!    an error or end of stream it reports is the answer of that next read.
//! 3. Bytes in the stash are handed out before any new op is submitted, so
//!    the order of bytes on the wire is the order readers see, whichever
//!    worker the next read runs on (a parked op is polled through its
//!    completion cell, which works from any thread).

use crate::buf::ReadBuf;
use ringbolt_reactor::op::Recv;
use ringbolt_reactor::{submit, BufResult, Op, SharedFd};
use std::future::poll_fn;
use std::io;
use std::task::{ready, Context, Poll};

/// Capacity of the internal buffer `poll_read` receives into.
const POLL_READ_BUF: usize = 64 * 1024;

/// A receive op (or a cancelled multishot receive) that nobody awaits any
/// more.
pub(crate) trait ParkedRecv: Send {
    /// Completes the op: its bytes as a `Vec` (empty: end of stream), or
    /// `None` when it ended having received nothing.
    fn poll_bytes(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Vec<u8>>>>;
}

impl<B: ReadBuf> ParkedRecv for Op<Recv<B>> {
    fn poll_bytes(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Vec<u8>>>> {
        let (res, buf) = ready!(std::pin::Pin::new(self).poll(cx));
        Poll::Ready(res.map(|n| Some(buf.into_vec(n))))
    }
}

use std::future::Future as _;

/// Read-side state of a stream (rules in the module docs).
#[derive(Default)]
pub(crate) struct ReadSide {
    parked: Option<Box<dyn ParkedRecv>>,
    stash: Vec<u8>,
    pos: usize,
}

impl std::fmt::Debug for ReadSide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadSide")
            .field("parked", &self.parked.is_some())
            .field("stashed", &(self.stash.len() - self.pos))
            .finish()
    }
}

/// What finishing a parked op gave.
pub(crate) enum Parked {
    /// Nothing was parked, or its bytes are now in the stash.
    Stashed,
    /// It reported end of stream or an error: the next read's answer.
    Answer(io::Result<usize>),
}

impl ReadSide {
    fn stashed(&self) -> &[u8] {
        &self.stash[self.pos..]
    }

    /// Parks a receive nobody awaits (rule 1); only while none is parked.
    pub(crate) fn park(&mut self, op: Box<dyn ParkedRecv>) {
        debug_assert!(self.parked.is_none(), "one receive in flight per read side");
        self.parked = Some(op);
    }

    /// Takes every stashed byte (after [`poll_parked`](Self::poll_parked)).
    pub(crate) fn take_stash(&mut self) -> Option<Vec<u8>> {
        if self.stashed().is_empty() {
            return None;
        }
        let mut bytes = std::mem::take(&mut self.stash);
        bytes.drain(..self.pos);
        self.pos = 0;
        Some(bytes)
    }

    /// Rule 2.
    pub(crate) fn poll_parked(&mut self, cx: &mut Context<'_>) -> Poll<Parked> {
        let Some(op) = self.parked.as_mut() else {
            return Poll::Ready(Parked::Stashed);
        };
        let res = ready!(op.poll_bytes(cx));
        self.parked = None;
        Poll::Ready(match res {
            Ok(None) => Parked::Stashed,
            Ok(Some(bytes)) if bytes.is_empty() => Parked::Answer(Ok(0)),
            Ok(Some(bytes)) => {
                if self.stashed().is_empty() {
                    self.stash = bytes;
                    self.pos = 0;
                } else {
                    self.stash.extend_from_slice(&bytes);
                }
                Parked::Stashed
            }
            Err(e) => Parked::Answer(Err(e)),
        })
    }

    /// Copies stashed bytes into `out` (consuming them unless `peek`).
    fn take_stashed(&mut self, out: impl FnOnce(&[u8]) -> usize, peek: bool) -> usize {
        let n = out(self.stashed());
        if !peek {
            self.pos += n;
            if self.pos == self.stash.len() {
                self.stash.clear();
                self.pos = 0;
            }
        }
        n
    }

    /// An owned read (`recv` into `buf`), cancellation-safe by rule 1.
    pub(crate) async fn read<B: ReadBuf>(
        &mut self,
        fd: &SharedFd,
        mut buf: B,
    ) -> BufResult<usize, B> {
        if let Parked::Answer(res) = poll_fn(|cx| self.poll_parked(cx)).await {
            return (res, buf);
        }
        if !self.stashed().is_empty() {
            let n = self.take_stashed(|s| buf.fill_from(s), false);
            return (Ok(n), buf);
        }
        let mut in_flight = InFlight {
            slot: &mut self.parked,
            op: Some(submit(Recv::new(fd, buf, 0))),
        };
        poll_fn(|cx| in_flight.poll(cx)).await
    }

    /// Reads without consuming (`MSG_PEEK`); stashed bytes come first.
    pub(crate) async fn peek<B: ReadBuf>(
        &mut self,
        fd: &SharedFd,
        mut buf: B,
    ) -> BufResult<usize, B> {
        if let Parked::Answer(res) = poll_fn(|cx| self.poll_parked(cx)).await {
            return (res, buf);
        }
        if !self.stashed().is_empty() {
            let n = self.take_stashed(|s| buf.fill_from(s), true);
            return (Ok(n), buf);
        }
        // A dropped peek consumed nothing, so it may simply be cancelled.
        submit(Recv::new(fd, buf, libc::MSG_PEEK)).await
    }

    /// `AsyncRead::poll_read`: receives into an internal buffer whose op
    /// stays parked here between polls.
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        fd: &SharedFd,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            if let Parked::Answer(res) = ready!(self.poll_parked(cx)) {
                return Poll::Ready(res);
            }
            if !self.stashed().is_empty() || out.is_empty() {
                let n = self.take_stashed(
                    |s| {
                        let n = s.len().min(out.len());
                        out[..n].copy_from_slice(&s[..n]);
                        n
                    },
                    false,
                );
                return Poll::Ready(Ok(n));
            }
            let cap = out.len().clamp(POLL_READ_BUF, 4 * POLL_READ_BUF);
            let mut buf = std::mem::take(&mut self.stash);
            buf.clear();
            buf.reserve(cap);
            self.parked = Some(Box::new(submit(Recv::new(fd, buf, 0))));
        }
    }
}

impl ReadSide {
    /// `AsyncBufRead::poll_fill_buf`: the stashed bytes, receiving more
    /// (into the internal buffer, whose op stays parked here between polls)
    /// when there are none. Empty: end of stream.
    pub(crate) fn poll_fill_buf(
        &mut self,
        cx: &mut Context<'_>,
        fd: &SharedFd,
    ) -> Poll<io::Result<&[u8]>> {
        loop {
            match ready!(self.poll_parked(cx)) {
                Parked::Answer(Ok(_)) => return Poll::Ready(Ok(&[])),
                Parked::Answer(Err(e)) => return Poll::Ready(Err(e)),
                Parked::Stashed => {}
            }
            if !self.stashed().is_empty() {
                return Poll::Ready(Ok(self.stashed()));
            }
            let mut buf = std::mem::take(&mut self.stash);
            buf.clear();
            buf.reserve(POLL_READ_BUF);
            self.parked = Some(Box::new(submit(Recv::new(fd, buf, 0))));
        }
    }

    /// `AsyncBufRead::consume`: `n` bytes of the stash are used up.
    pub(crate) fn consume(&mut self, n: usize) {
        self.take_stashed(|s| n.min(s.len()), false);
    }
}

/// A receive op that is parked in `slot` if dropped before it completes.
struct InFlight<'a, B: ReadBuf> {
    slot: &'a mut Option<Box<dyn ParkedRecv>>,
    op: Option<Op<Recv<B>>>,
}

impl<B: ReadBuf> InFlight<'_, B> {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<BufResult<usize, B>> {
        let op = self.op.as_mut().expect("polled after completion");
        let out = ready!(std::pin::Pin::new(op).poll(cx));
        self.op = None;
        Poll::Ready(out)
    }
}

impl<B: ReadBuf> Drop for InFlight<'_, B> {
    fn drop(&mut self) {
        if let Some(op) = self.op.take() {
            *self.slot = Some(Box::new(op));
        }
    }
}
