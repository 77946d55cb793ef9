//! [`RecvStream`]: a stream socket's bytes as [`RingBuf`]s from a multishot
//! receive into the worker's provided-buffer ring.

use crate::read_side::{Parked, ParkedRecv, ReadSide};
use futures_util::Stream;
use ringbolt_reactor::op::RecvMultiStream;
use ringbolt_reactor::{BufRingConfig, RingBuf, SharedFd};
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// The received bytes of a TCP or Unix stream as a `Stream` of
/// `io::Result<RingBuf>`, from
/// [`TcpStream::recv_stream`](crate::TcpStream::recv_stream).
///
/// One multishot receive stays in flight on the ring of the worker that
/// polls the stream; the kernel fills a buffer of that ring's
/// provided-buffer pool for each arrival. No buffer is tied to an idle
/// connection, and no SQE is submitted per receive: the mode for servers
/// with many connections. Each [`RingBuf`] goes back to its ring when
/// dropped (from any thread); keep them short-lived — while every buffer
/// of the pool is held, the receive waits (bytes wait in the socket, none
/// is lost). When the kernel ends the receive (the pool ran dry,
/// `ENOBUFS`) it is re-armed.
///
/// The stream ends at end of stream, or after an error item. Bytes a
/// cancelled [`read`](crate::TcpStream::read) had received come first (in
/// a heap `RingBuf`). Dropping the stream loses nothing: a receive in
/// flight is cancelled and parked in the socket, and the next read
/// (or recv stream) hands out the bytes it had received first.
///
/// # When it pays off
///
/// Measured on this project's 2-vCPU Linux 6.18 box over loopback with
/// `cargo run --release -p ringbolt-net --example recv_modes -- 7`: writer
/// tasks send 1 KiB messages (one `send` each) while reader tasks on the
/// same 2-worker runtime receive them; messages received per second,
/// median of 7 runs (min..max), 400 000 messages per run:
///
/// | connections | `read` (reused owned 4 KiB `Vec`) | `recv_stream` (256 × 4 KiB pool) |
/// | --- | --- | --- |
/// | 1 | 426 k (289 k..575 k) | 390 k (289 k..565 k) |
/// | 64 | 214 k (166 k..252 k) | 184 k (162 k..215 k) |
///
/// A second 5-run pass gave 401 k vs 387 k (1 connection) and 176 k vs
/// 179 k (64). On this machine the two modes are within run-to-run noise
/// in throughput, owned reads slightly ahead in medians: the senders share
/// the two cores, and a busy stream's reads find data waiting, so the SQE
/// per read that multishot saves is a small part of the cost. What the
/// recv stream does save is memory: an owned read keeps a buffer in every
/// connection's in-flight receive, idle or not (64 KiB × 10 000 idle
/// connections is 640 MiB), while a recv stream ties buffers up only for
/// bytes that arrived, from one pool per worker. Use it for servers with
/// many mostly idle connections; use `read` when one stream's throughput
/// is what matters.
#[must_use = "streams do nothing unless polled"]
pub struct RecvStream<'a> {
    rd: &'a mut ReadSide,
    inner: Option<RecvMultiStream>,
    /// The parked read and the stash have been handed out.
    head_done: bool,
}

impl std::fmt::Debug for RecvStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecvStream")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<'a> RecvStream<'a> {
    pub(crate) fn new(rd: &'a mut ReadSide, fd: &SharedFd, config: BufRingConfig) -> Self {
        Self {
            rd,
            inner: Some(RecvMultiStream::new(fd, config)),
            head_done: false,
        }
    }
}

impl Stream for RecvStream<'_> {
    type Item = io::Result<RingBuf>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if !this.head_done {
            match ready!(this.rd.poll_parked(cx)) {
                Parked::Answer(Ok(_)) => {
                    this.head_done = true;
                    this.inner = None;
                    return Poll::Ready(None);
                }
                Parked::Answer(Err(e)) => return Poll::Ready(Some(Err(e))),
                Parked::Stashed => {}
            }
            if let Some(bytes) = this.rd.take_stash() {
                return Poll::Ready(Some(Ok(RingBuf::from(bytes))));
            }
            this.head_done = true;
        }
        match &mut this.inner {
            Some(inner) => inner.poll_next(cx),
            None => Poll::Ready(None),
        }
    }
}

impl Drop for RecvStream<'_> {
    fn drop(&mut self) {
        if let Some(mut inner) = self.inner.take() {
            if inner.is_in_flight() {
                inner.cancel();
                self.rd.park(Box::new(ParkedMulti {
                    inner,
                    bytes: Vec::new(),
                }));
            }
        }
    }
}

/// A cancelled multishot receive, parked until its last CQE.
struct ParkedMulti {
    inner: RecvMultiStream,
    bytes: Vec<u8>,
}

impl ParkedRecv for ParkedMulti {
    fn poll_bytes(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Vec<u8>>>> {
        loop {
            match ready!(self.inner.poll_next(cx)) {
                Some(Ok(buf)) => self.bytes.extend_from_slice(&buf),
                Some(Err(e)) if self.bytes.is_empty() => return Poll::Ready(Err(e)),
                // Bytes first; a lasting error shows up on the next read.
                Some(Err(_)) => {}
                None => {
                    let bytes = std::mem::take(&mut self.bytes);
                    return Poll::Ready(Ok(if bytes.is_empty() && !self.inner.is_eof() {
                        None
                    } else {
                        Some(bytes)
                    }));
                }
            }
        }
    }
}
