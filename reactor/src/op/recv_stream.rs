//! [`RecvMultiStream`]: a multishot receive into the provided-buffer ring
//! of whichever reactor polls it, re-armed when the kernel ends it.

use super::recv::Recv;
use super::recv_multi::RecvMulti;
use super::{submit, submit_multishot, Multishot, Op};
use crate::buf_ring::{BufRingConfig, RingBuf};
use crate::metrics::ReactorMetrics;
use crate::reactor::{with_current, Driver, NO_REACTOR};
use crate::SharedFd;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Received bytes of a stream socket as a stream of [`RingBuf`]s.
///
/// One multishot `recv` (`IORING_OP_RECV` with `IORING_RECV_MULTISHOT`)
/// stays in flight on the ring of the thread that polled it; the kernel
/// fills a buffer of that ring's pool (shape `config`, made on first use)
/// for each arrival and posts a CQE naming it, with no SQE per receive and
/// no buffer tied up in an idle connection. When the kernel ends the op
/// the next poll re-arms it, on the polling thread's ring:
///
/// - after `ENOBUFS` (every buffer of the pool is out, held by `RingBuf`s):
///   once one comes back — no byte is lost, they wait in the socket;
/// - after a completion-queue overflow, or a cancel, likewise.
///
/// The stream ends (`None`) at end of stream, after yielding an error, or
/// after [`cancel`](Self::cancel) once the CQEs in flight are yielded.
/// Dropping it cancels the receive; bytes the kernel had already put in
/// buffers are then dropped (the buffers go back to their ring).
///
/// On the readiness driver (no ring, no provided buffers) each item is a
/// plain receive into a heap buffer of `config.buf_size` bytes, made when
/// the socket is readable; [`cancel`](Self::cancel) and dropping lose
/// nothing, since no receive is pending in the kernel.
///
/// # Panics
/// Polling it on a thread with no entered reactor.
#[must_use = "streams do nothing unless polled"]
pub struct RecvMultiStream {
    fd: SharedFd,
    config: BufRingConfig,
    op: Option<Multishot<RecvMulti>>,
    /// Readiness driver: the receive waiting for the socket.
    plain: Option<Op<Recv<Vec<u8>>>>,
    /// The kernel said `ENOBUFS`: re-arm once the pool has a free buffer.
    starved: bool,
    /// This starvation is counted in the metrics already.
    counted_starve: bool,
    /// End of stream, an error, or `cancel`: no re-arm.
    finished: bool,
    /// The kernel reported end of stream.
    eof: bool,
}

impl std::fmt::Debug for RecvMultiStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecvMultiStream")
            .field("config", &self.config)
            .field("in_flight", &self.op.is_some())
            .field("finished", &self.finished)
            .finish()
    }
}

impl RecvMultiStream {
    /// Receives on stream socket `fd` into pools of shape `config`
    /// (checked when first polled).
    pub fn new(fd: &SharedFd, config: BufRingConfig) -> Self {
        Self {
            fd: fd.clone(),
            config,
            op: None,
            plain: None,
            starved: false,
            counted_starve: false,
            finished: false,
            eof: false,
        }
    }

    /// Polls for the next buffer; `None` once the stream has ended.
    pub fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Result<RingBuf>>> {
        loop {
            if let Some(op) = &mut self.op {
                match ready!(op.poll_next(cx)) {
                    Some(Ok(Some(buf))) if !buf.is_empty() => return Poll::Ready(Some(Ok(buf))),
                    // End of stream (the op's final CQE).
                    Some(Ok(_)) => {
                        self.finished = true;
                        self.eof = true;
                    }
                    Some(Err(e)) if e.raw_os_error() == Some(libc::ENOBUFS) => self.starved = true,
                    Some(Err(e)) if self.finished && e.raw_os_error() == Some(libc::ECANCELED) => {}
                    Some(Err(e)) => {
                        self.finished = true;
                        return Poll::Ready(Some(Err(e)));
                    }
                    None => self.op = None,
                }
                continue;
            }
            if let Some(op) = &mut self.plain {
                let (res, buf) = ready!(std::pin::Pin::new(op).poll(cx));
                self.plain = None;
                return Poll::Ready(match res {
                    Ok(0) => {
                        self.finished = true;
                        self.eof = true;
                        None
                    }
                    Ok(_) => Some(Ok(RingBuf::from(buf))),
                    Err(e) => {
                        self.finished = true;
                        Some(Err(e))
                    }
                });
            }
            if self.finished {
                return Poll::Ready(None);
            }
            let pool = with_current(|d| match d {
                Driver::Ring(inner) => Some(inner.buf_pool(self.config)),
                Driver::Poll(_) => None,
            })
            .unwrap_or_else(|| panic!("{NO_REACTOR}"));
            let Some(pool) = pool else {
                if let Err(e) = self.config.validate() {
                    self.finished = true;
                    return Poll::Ready(Some(Err(e)));
                }
                let buf = Vec::with_capacity(self.config.buf_size as usize);
                self.plain = Some(submit(Recv::new(&self.fd, buf, 0)));
                continue;
            };
            let pool = match pool {
                Ok(pool) => pool,
                Err(e) => {
                    self.finished = true;
                    return Poll::Ready(Some(Err(e)));
                }
            };
            if self.starved {
                if !self.counted_starve {
                    self.counted_starve = true;
                    ReactorMetrics::add(&pool.home.metrics.provided_bufs_starved, 1);
                }
                ready!(pool.waiters.poll_free(pool.config.buf_count as usize, cx));
                self.starved = false;
                self.counted_starve = false;
            }
            self.op = Some(submit_multishot(RecvMulti::new(&self.fd, pool)));
        }
    }

    /// The next buffer; `None` once the stream has ended.
    pub async fn next(&mut self) -> Option<io::Result<RingBuf>> {
        std::future::poll_fn(|cx| self.poll_next(cx)).await
    }

    /// Whether the stream ended because the peer closed its side (as
    /// opposed to an error or [`cancel`](Self::cancel)).
    pub fn is_eof(&self) -> bool {
        self.eof
    }

    /// Whether a receive is in flight (the stream was polled and has not
    /// ended).
    pub fn is_in_flight(&self) -> bool {
        self.op.is_some() || self.plain.is_some()
    }

    /// Ends the stream without losing bytes: cancels the receive in flight
    /// and stops re-arming; buffers the kernel filled before the cancel are
    /// still yielded, then `None`.
    pub fn cancel(&mut self) {
        self.finished = true;
        // A plain receive has taken nothing yet (op rule 10).
        self.plain = None;
        if let Some(op) = &self.op {
            op.cancel();
        }
    }
}

impl futures_util::Stream for RecvMultiStream {
    type Item = io::Result<RingBuf>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        RecvMultiStream::poll_next(self.get_mut(), cx)
    }
}
