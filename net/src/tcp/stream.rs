//! [`TcpStream`].

use super::split::{OwnedReadHalf, OwnedWriteHalf};
use super::TcpSocket;
use crate::buf::ReadBuf;
use crate::recv_stream::RecvStream;
use crate::stream_core::StreamCore;
use crate::sys::Sock;
use ringbolt_reactor::{BufResult, BufRingConfig, IoBuf};
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::time::Duration;

/// A TCP connection.
///
/// Reads and writes take owned buffers and give them back
/// ([`BufResult`]); the type also implements the `futures-io`
/// `AsyncRead`/`AsyncWrite` traits through internal buffers. A read
/// cancelled mid-flight loses no data, and dropping the stream does not
/// lose bytes `poll_write` accepted (see the crate docs).
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use ringbolt_net::TcpStream;
/// let mut stream = TcpStream::connect(([127, 0, 0, 1], 7878)).await?;
/// let (res, _) = stream.write_all(b"hello" as &'static [u8]).await;
/// res?;
/// let (n, buf) = stream.read(Vec::with_capacity(64)).await;
/// println!("{:?}", &buf[..n?]);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TcpStream {
    pub(crate) core: StreamCore,
}

impl TcpStream {
    /// Opens a connection to `addr` (socket and connect are ring ops).
    ///
    /// # Errors
    /// `ConnectionRefused` when nothing listens there, and whatever else
    /// `connect(2)` reports. Wrap it in `ringbolt::time::timeout` to bound
    /// the wait for a peer that never answers.
    pub async fn connect(addr: impl Into<SocketAddr>) -> io::Result<TcpStream> {
        let addr = addr.into();
        TcpSocket::new_ring_for(addr).await?.connect(addr).await
    }

    pub(crate) fn from_sock(sock: Sock) -> Self {
        Self {
            core: StreamCore::new(sock),
        }
    }

    /// Takes over a connected `std` stream (left in, or put back to,
    /// blocking mode: the ring does the waiting).
    ///
    /// # Errors
    /// When the descriptor cannot be switched to blocking.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(false)?;
        Ok(Self::from_sock(Sock::new(socket2::Socket::from(stream))))
    }

    /// Receives into `buf` (from its start, up to its capacity). `Ok(0)`
    /// is end of stream (or a zero-capacity buffer).
    ///
    /// The bytes received are `buf[..n]`; a `Vec`'s or `BytesMut`'s length
    /// is then exactly `n`, also when the buffer is reused (the length rule
    /// of [`IoBufMut`](ringbolt_reactor::IoBufMut)).
    pub async fn read<B: ReadBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.core.read(buf).await
    }

    /// The received bytes as a stream of [`RingBuf`](crate::RingBuf)s from a multishot
    /// receive into the worker's provided-buffer ring (the default pool:
    /// 256 × 4 KiB per worker). See [`RecvStream`] for when it pays off.
    ///
    /// ```no_run
    /// # async fn demo(mut stream: ringbolt_net::TcpStream) -> std::io::Result<()> {
    /// use futures_util::StreamExt;
    /// let mut bytes = stream.recv_stream();
    /// while let Some(buf) = bytes.next().await {
    ///     let buf = buf?; // a RingBuf: derefs to &[u8]
    ///     println!("{} bytes", buf.len());
    /// } // each buffer goes back to its ring when dropped
    /// # Ok(()) }
    /// ```
    pub fn recv_stream(&mut self) -> RecvStream<'_> {
        self.core.recv_stream(BufRingConfig::default())
    }

    /// As [`recv_stream`](Self::recv_stream), with pools of shape `config`
    /// (checked on first poll: a bad shape is an `InvalidInput` item).
    pub fn recv_stream_with(&mut self, config: BufRingConfig) -> RecvStream<'_> {
        self.core.recv_stream(config)
    }

    /// Receives into `buf` without consuming the bytes (`MSG_PEEK`).
    pub async fn peek<B: ReadBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.core.peek(buf).await
    }

    /// Sends the initialised bytes of `buf`, maybe only some of them.
    pub async fn write<B: IoBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.core.write(buf).await
    }

    /// Sends all the initialised bytes of `buf`.
    pub async fn write_all<B: IoBuf>(&mut self, buf: B) -> BufResult<(), B> {
        self.core.write_all(buf).await
    }

    /// Sends the initialised bytes of the buffers, in order, with one ring
    /// `sendmsg` (`MSG_NOSIGNAL`) straight from them (no copy into one
    /// buffer), maybe only partly; returns how many bytes went out.
    ///
    /// # Errors
    /// `InvalidInput` for more than 1024 buffers (handed back), and what
    /// `sendmsg(2)` reports.
    pub async fn write_vectored<B: IoBuf>(&mut self, bufs: Vec<B>) -> BufResult<usize, Vec<B>> {
        self.core.write_vectored(bufs).await
    }

    /// Waits until bytes accepted by `AsyncWrite::poll_write` are sent.
    ///
    /// # Errors
    /// The error of a failed write-behind send.
    pub async fn flush(&mut self) -> io::Result<()> {
        self.core.flush().await
    }

    /// Shuts down one or both directions (after flushing for writes).
    ///
    /// # Errors
    /// `NotConnected` when the connection is gone.
    pub async fn shutdown(&mut self, how: Shutdown) -> io::Result<()> {
        self.core.shutdown(how).await
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm when `true`).
    ///
    /// # Errors
    /// From `setsockopt(2)`.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.core.sock.ctl().set_tcp_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// # Errors
    /// From `getsockopt(2)`.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.core.sock.ctl().tcp_nodelay()
    }

    /// Sets `SO_LINGER`; `Some(Duration::ZERO)` makes a close reset the
    /// connection.
    ///
    /// # Errors
    /// From `setsockopt(2)`.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.core.sock.ctl().set_linger(linger)
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

    /// Splits into a read half and a write half that can move to different
    /// tasks (and workers). Bytes stashed by a cancelled read go with the
    /// read half.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        super::split::split(self)
    }
}
