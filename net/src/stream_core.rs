//! What TCP and Unix streams share: the socket, a read side and a write
//! side.

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
}
