//! What TCP and Unix streams share: the socket, a read side and a write
//! side; and, for their owned halves, the two sides apart on one shared
//! socket. The public stream and half types of each protocol are thin
//! wrappers over these.

use crate::buf::ReadBuf;
use crate::read_side::ReadSide;
use crate::recv_stream::RecvStream;
use crate::sys::Sock;
use crate::write_side::WriteSide;
use ringbolt_reactor::op::Shutdown as ShutdownOp;
use ringbolt_reactor::{submit, BufResult, BufRingConfig, IoBuf};
use std::future::poll_fn;
use std::io;
use std::net::Shutdown;
use std::sync::Arc;

/// A connected stream socket.
#[derive(Debug)]
pub(crate) struct StreamCore {
    pub(crate) sock: Arc<Sock>,
    pub(crate) rd: ReadSide,
    pub(crate) wr: WriteSide,
}

impl StreamCore {
    pub(crate) fn new(sock: Sock) -> Self {
        Self {
            sock: Arc::new(sock),
            rd: ReadSide::default(),
            wr: WriteSide::default(),
        }
    }

    pub(crate) async fn read<B: ReadBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.rd.read(&self.sock.fd, buf).await
    }

    pub(crate) fn recv_stream(&mut self, config: BufRingConfig) -> RecvStream<'_> {
        RecvStream::new(&mut self.rd, &self.sock.fd, config)
    }

    pub(crate) async fn peek<B: ReadBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.rd.peek(&self.sock.fd, buf).await
    }

    pub(crate) async fn write<B: IoBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.wr.write(&self.sock.fd, buf).await
    }

    pub(crate) async fn write_all<B: IoBuf>(&mut self, buf: B) -> BufResult<(), B> {
        self.wr.write_all(&self.sock.fd, buf).await
    }

    pub(crate) async fn write_vectored<B: IoBuf>(
        &mut self,
        bufs: Vec<B>,
    ) -> BufResult<usize, Vec<B>> {
        self.wr.write_vectored(&self.sock.fd, bufs).await
    }

    pub(crate) async fn flush(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.wr.poll_drain(cx, &self.sock.fd)).await
    }

    pub(crate) async fn shutdown(&mut self, how: Shutdown) -> io::Result<()> {
        if how != Shutdown::Read {
            self.flush().await?;
        }
        submit(ShutdownOp::new(&self.sock.fd, how)).await
    }

    /// Splits into halves sharing the socket; stashed read bytes and
    /// write-behind sends go with their side.
    pub(crate) fn into_split(mut self) -> (ReadHalfCore, WriteHalfCore) {
        let read = ReadHalfCore {
            sock: self.sock.clone(),
            rd: std::mem::take(&mut self.rd),
        };
        let write = WriteHalfCore {
            sock: self.sock.clone(),
            wr: std::mem::take(&mut self.wr),
            shutdown_on_drop: true,
        };
        // `self` drops with nothing left to send.
        (read, write)
    }
}

/// A stream dropped with write-behind bytes unsent lets a task finish the
/// send and then shut down the write direction (bounded: see
/// `write_side`'s module docs).
impl Drop for StreamCore {
    fn drop(&mut self) {
        std::mem::take(&mut self.wr).finish_detached(&self.sock.fd);
    }
}

/// The read half of a split stream.
#[derive(Debug)]
pub(crate) struct ReadHalfCore {
    pub(crate) sock: Arc<Sock>,
    pub(crate) rd: ReadSide,
}

/// The write half of a split stream. Dropping it shuts down the write
/// direction (unless it is being reunited), so the peer sees the end of the
/// stream even while the read half lives on; write-behind bytes still in
/// flight are sent first (bounded: see `write_side`'s module docs).
#[derive(Debug)]
pub(crate) struct WriteHalfCore {
    pub(crate) sock: Arc<Sock>,
    pub(crate) wr: WriteSide,
    shutdown_on_drop: bool,
}

impl ReadHalfCore {
    pub(crate) async fn read<B: ReadBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.rd.read(&self.sock.fd, buf).await
    }

    pub(crate) fn recv_stream(&mut self, config: BufRingConfig) -> RecvStream<'_> {
        RecvStream::new(&mut self.rd, &self.sock.fd, config)
    }

    pub(crate) async fn peek<B: ReadBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.rd.peek(&self.sock.fd, buf).await
    }

    /// Whether `write` is the other half of this half's stream.
    pub(crate) fn pairs_with(&self, write: &WriteHalfCore) -> bool {
        Arc::ptr_eq(&self.sock, &write.sock)
    }

    /// The stream again; the halves must [pair](Self::pairs_with).
    pub(crate) fn reunite(self, mut write: WriteHalfCore) -> StreamCore {
        assert!(self.pairs_with(&write), "halves of different streams");
        write.shutdown_on_drop = false;
        let wr = std::mem::take(&mut write.wr);
        drop(write);
        StreamCore {
            sock: self.sock,
            rd: self.rd,
            wr,
        }
    }
}

impl WriteHalfCore {
    pub(crate) async fn write<B: IoBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.wr.write(&self.sock.fd, buf).await
    }

    pub(crate) async fn write_all<B: IoBuf>(&mut self, buf: B) -> BufResult<(), B> {
        self.wr.write_all(&self.sock.fd, buf).await
    }

    pub(crate) async fn write_vectored<B: IoBuf>(
        &mut self,
        bufs: Vec<B>,
    ) -> BufResult<usize, Vec<B>> {
        self.wr.write_vectored(&self.sock.fd, bufs).await
    }

    pub(crate) async fn flush(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.wr.poll_drain(cx, &self.sock.fd)).await
    }

    /// Flushes, then shuts down the write direction.
    pub(crate) async fn shutdown(&mut self) -> io::Result<()> {
        self.flush().await?;
        submit(ShutdownOp::new(&self.sock.fd, Shutdown::Write)).await
    }
}

impl Drop for WriteHalfCore {
    fn drop(&mut self) {
        if !self.shutdown_on_drop {
            return;
        }
        // A task finishes the write-behind send and shuts down after it.
        if !std::mem::take(&mut self.wr).finish_detached(&self.sock.fd) {
            // Not a ring op: drop cannot await, and shutdown never blocks.
            let _ = self.sock.ctl().shutdown(Shutdown::Write);
        }
    }
}
