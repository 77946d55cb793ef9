//! [`OwnedReadHalf`] and [`OwnedWriteHalf`] of a [`TcpStream`]: thin
//! wrappers over the halves every stream protocol shares.

use super::TcpStream;
use crate::buf::ReadBuf;
use crate::recv_stream::RecvStream;
use crate::stream_core::{ReadHalfCore, WriteHalfCore};
use ringbolt_reactor::{BufResult, BufRingConfig, IoBuf};
use std::io;
use std::net::SocketAddr;

/// The read half of a [`TcpStream`], from [`TcpStream::into_split`].
#[derive(Debug)]
pub struct OwnedReadHalf {
    pub(crate) core: ReadHalfCore,
}

/// The write half of a [`TcpStream`], from [`TcpStream::into_split`].
/// Dropping it shuts down the write direction, so the peer sees the end of
/// the stream even while the read half lives on; bytes `poll_write`
/// accepted are sent first (see the crate docs on cancellation).
#[derive(Debug)]
pub struct OwnedWriteHalf {
    pub(crate) core: WriteHalfCore,
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
    let (read, write) = stream.core.into_split();
    (OwnedReadHalf { core: read }, OwnedWriteHalf { core: write })
}

impl OwnedReadHalf {
    /// As [`TcpStream::read`].
    pub async fn read<B: ReadBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.core.read(buf).await
    }

    /// As [`TcpStream::recv_stream`].
    pub fn recv_stream(&mut self) -> RecvStream<'_> {
        self.core.recv_stream(BufRingConfig::default())
    }

    /// As [`TcpStream::recv_stream_with`].
    pub fn recv_stream_with(&mut self, config: BufRingConfig) -> RecvStream<'_> {
        self.core.recv_stream(config)
    }

    /// As [`TcpStream::peek`].
    pub async fn peek<B: ReadBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.core.peek(buf).await
    }

    /// The remote address.
    ///
    /// # Errors
    /// `NotConnected` once the peer is gone.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.core.sock.peer_ip_addr()
    }

    /// The local address.
    ///
    /// # Errors
    /// From `getsockname(2)`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.core.sock.local_ip_addr()
    }

    /// Puts the halves back together.
    ///
    /// # Errors
    /// [`ReuniteError`] when they come from different streams.
    pub fn reunite(self, write: OwnedWriteHalf) -> Result<TcpStream, Box<ReuniteError>> {
        if !self.core.pairs_with(&write.core) {
            return Err(Box::new(ReuniteError(self, write)));
        }
        Ok(TcpStream {
            core: self.core.reunite(write.core),
        })
    }
}

impl OwnedWriteHalf {
    /// As [`TcpStream::write`].
    pub async fn write<B: IoBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.core.write(buf).await
    }

    /// As [`TcpStream::write_all`].
    pub async fn write_all<B: IoBuf>(&mut self, buf: B) -> BufResult<(), B> {
        self.core.write_all(buf).await
    }

    /// As [`TcpStream::write_vectored`].
    pub async fn write_vectored<B: IoBuf>(&mut self, bufs: Vec<B>) -> BufResult<usize, Vec<B>> {
        self.core.write_vectored(bufs).await
    }

    /// As [`TcpStream::flush`].
    ///
    /// # Errors
    /// The error of a failed write-behind send.
    pub async fn flush(&mut self) -> io::Result<()> {
        self.core.flush().await
    }

    /// Flushes, then shuts down the write direction (the peer reads end of
    /// stream).
    ///
    /// # Errors
    /// From the flush or `shutdown(2)`.
    pub async fn shutdown(&mut self) -> io::Result<()> {
        self.core.shutdown().await
    }

    /// Sets `TCP_NODELAY`.
    ///
    /// # Errors
    /// From `setsockopt(2)`.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.core.sock.ctl().set_tcp_nodelay(nodelay)
    }

    /// The remote address.
    ///
    /// # Errors
    /// `NotConnected` once the peer is gone.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.core.sock.peer_ip_addr()
    }

    /// The local address.
    ///
    /// # Errors
    /// From `getsockname(2)`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.core.sock.local_ip_addr()
    }
}
