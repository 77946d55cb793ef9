//! [`OwnedReadHalf`] and [`OwnedWriteHalf`] of a [`TcpStream`].

use super::TcpStream;
use crate::buf::ReadBuf;
use crate::read_side::ReadSide;
use crate::recv_stream::RecvStream;
use crate::stream_core::StreamCore;
use crate::sys::Sock;
use crate::write_side::WriteSide;
use ringbolt_reactor::op::Shutdown as ShutdownOp;
use ringbolt_reactor::{submit, BufResult, BufRingConfig, IoBuf};
use std::future::poll_fn;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::sync::Arc;

/// The read half of a [`TcpStream`], from [`TcpStream::into_split`].
#[derive(Debug)]
pub struct OwnedReadHalf {
    pub(crate) sock: Arc<Sock>,
    pub(crate) rd: ReadSide,
}

/// The write half of a [`TcpStream`], from [`TcpStream::into_split`].
/// Dropping it shuts down the write direction, so the peer sees the end of
/// the stream even while the read half lives on.
#[derive(Debug)]
pub struct OwnedWriteHalf {
    pub(crate) sock: Arc<Sock>,
    pub(crate) wr: WriteSide,
    shutdown_on_drop: bool,
}

/// The halves given to [`OwnedReadHalf::reunite`] came from different
/// streams; they are handed back.
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl std::fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("tried to reunite halves of different streams")
    }
}

impl std::error::Error for ReuniteError {}

pub(super) fn split(stream: TcpStream) -> (OwnedReadHalf, OwnedWriteHalf) {
    let StreamCore { sock, rd, wr } = stream.core;
    let read = OwnedReadHalf {
        sock: sock.clone(),
        rd,
    };
    let write = OwnedWriteHalf {
        sock,
        wr,
        shutdown_on_drop: true,
    };
    (read, write)
}

impl OwnedReadHalf {
    /// As [`TcpStream::read`].
    pub async fn read<B: ReadBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.rd.read(&self.sock.fd, buf).await
    }

    /// As [`TcpStream::recv_stream`].
    pub fn recv_stream(&mut self) -> RecvStream<'_> {
        RecvStream::new(&mut self.rd, &self.sock.fd, BufRingConfig::default())
    }

    /// As [`TcpStream::recv_stream_with`].
    pub fn recv_stream_with(&mut self, config: BufRingConfig) -> RecvStream<'_> {
        RecvStream::new(&mut self.rd, &self.sock.fd, config)
    }

    /// As [`TcpStream::peek`].
    pub async fn peek<B: ReadBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.rd.peek(&self.sock.fd, buf).await
    }

    /// The remote address.
    ///
    /// # Errors
    /// `NotConnected` once the peer is gone.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.sock.peer_ip_addr()
    }

    /// The local address.
    ///
    /// # Errors
    /// From `getsockname(2)`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.sock.local_ip_addr()
    }

    /// Puts the halves back together.
    ///
    /// # Errors
    /// [`ReuniteError`] when they come from different streams.
    pub fn reunite(self, mut write: OwnedWriteHalf) -> Result<TcpStream, Box<ReuniteError>> {
        if !Arc::ptr_eq(&self.sock, &write.sock) {
            return Err(Box::new(ReuniteError(self, write)));
        }
        write.shutdown_on_drop = false;
        let wr = std::mem::take(&mut write.wr);
        drop(write);
        Ok(TcpStream {
            core: StreamCore {
                sock: self.sock,
                rd: self.rd,
                wr,
            },
        })
    }
}

impl OwnedWriteHalf {
    /// As [`TcpStream::write`].
    pub async fn write<B: IoBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.wr.write(&self.sock.fd, buf).await
    }

    /// As [`TcpStream::write_all`].
    pub async fn write_all<B: IoBuf>(&mut self, buf: B) -> BufResult<(), B> {
        self.wr.write_all(&self.sock.fd, buf).await
    }

    /// As [`TcpStream::write_vectored`].
    pub async fn write_vectored<B: IoBuf>(&mut self, bufs: Vec<B>) -> BufResult<usize, Vec<B>> {
        self.wr.write_vectored(&self.sock.fd, bufs).await
    }

    /// As [`TcpStream::flush`].
    ///
    /// # Errors
    /// The error of a failed write-behind send.
    pub async fn flush(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.wr.poll_drain(cx, &self.sock.fd)).await
    }

    /// Flushes, then shuts down the write direction (the peer reads end of
    /// stream).
    ///
    /// # Errors
    /// From the flush or `shutdown(2)`.
    pub async fn shutdown(&mut self) -> io::Result<()> {
        self.flush().await?;
        submit(ShutdownOp::new(&self.sock.fd, Shutdown::Write)).await
    }

    /// Sets `TCP_NODELAY`.
    ///
    /// # Errors
    /// From `setsockopt(2)`.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.sock.ctl().set_tcp_nodelay(nodelay)
    }

    /// The remote address.
    ///
    /// # Errors
    /// `NotConnected` once the peer is gone.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.sock.peer_ip_addr()
    }

    /// The local address.
    ///
    /// # Errors
    /// From `getsockname(2)`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.sock.local_ip_addr()
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            // Not a ring op: drop cannot await, and shutdown never blocks.
            let _ = self.sock.ctl().shutdown(Shutdown::Write);
        }
    }
}
