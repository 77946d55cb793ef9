//! [`OwnedReadHalf`] and [`OwnedWriteHalf`] of a [`UnixStream`]: thin
//! wrappers over the halves every stream protocol shares.

use super::listener::unix_addr;
use super::{SocketAddr, UnixStream};
use crate::buf::ReadBuf;
use crate::recv_stream::RecvStream;
use crate::stream_core::{ReadHalfCore, WriteHalfCore};
use ringbolt_reactor::{BufResult, BufRingConfig, IoBuf};
use std::io;

/// The read half of a [`UnixStream`], from [`UnixStream::into_split`].
#[derive(Debug)]
pub struct OwnedReadHalf {
    pub(crate) core: ReadHalfCore,
}

/// The write half of a [`UnixStream`], from [`UnixStream::into_split`].
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

pub(super) fn split(stream: UnixStream) -> (OwnedReadHalf, OwnedWriteHalf) {
    let (read, write) = stream.core.into_split();
    (OwnedReadHalf { core: read }, OwnedWriteHalf { core: write })
}

impl OwnedReadHalf {
    /// As [`UnixStream::read`].
    pub async fn read<B: ReadBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.core.read(buf).await
    }

    /// As [`UnixStream::recv_stream`].
    pub fn recv_stream(&mut self) -> RecvStream<'_> {
        self.core.recv_stream(BufRingConfig::default())
    }

    /// As [`UnixStream::recv_stream_with`].
    pub fn recv_stream_with(&mut self, config: BufRingConfig) -> RecvStream<'_> {
        self.core.recv_stream(config)
    }

    /// As [`UnixStream::peek`].
    pub async fn peek<B: ReadBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.core.peek(buf).await
    }

    /// The peer's address.
    ///
    /// # Errors
    /// From `getpeername(2)`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        unix_addr(&self.core.sock.ctl(), true)
    }

    /// The local address.
    ///
    /// # Errors
    /// From `getsockname(2)`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        unix_addr(&self.core.sock.ctl(), false)
    }

    /// Puts the halves back together.
    ///
    /// # Errors
    /// [`ReuniteError`] when they come from different streams.
    pub fn reunite(self, write: OwnedWriteHalf) -> Result<UnixStream, Box<ReuniteError>> {
        if !self.core.pairs_with(&write.core) {
            return Err(Box::new(ReuniteError(self, write)));
        }
        Ok(UnixStream {
            core: self.core.reunite(write.core),
        })
    }
}

impl OwnedWriteHalf {
    /// As [`UnixStream::write`].
    pub async fn write<B: IoBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.core.write(buf).await
    }

    /// As [`UnixStream::write_all`].
    pub async fn write_all<B: IoBuf>(&mut self, buf: B) -> BufResult<(), B> {
        self.core.write_all(buf).await
    }

    /// As [`UnixStream::write_vectored`].
    pub async fn write_vectored<B: IoBuf>(&mut self, bufs: Vec<B>) -> BufResult<usize, Vec<B>> {
        self.core.write_vectored(bufs).await
    }

    /// As [`UnixStream::flush`].
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

    /// The peer's address.
    ///
    /// # Errors
    /// From `getpeername(2)`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        unix_addr(&self.core.sock.ctl(), true)
    }

    /// The local address.
    ///
    /// # Errors
    /// From `getsockname(2)`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        unix_addr(&self.core.sock.ctl(), false)
    }
}
