//! [`UnixStream`].

use super::listener::unix_addr;
use super::split::{OwnedReadHalf, OwnedWriteHalf};
use super::SocketAddr;
use crate::buf::ReadBuf;
use crate::recv_stream::RecvStream;
use crate::stream_core::StreamCore;
use crate::sys::{wait_ready, Sock};
use ringbolt_reactor::{BufResult, BufRingConfig, IoBuf};
use socket2::{Domain, SockAddr, Socket, Type};
use std::io;
use std::net::Shutdown;
use std::path::Path;

/// A connected Unix stream socket; the same I/O surface as
/// [`TcpStream`](crate::TcpStream), `AsyncRead`/`AsyncWrite` included.
#[derive(Debug)]
pub struct UnixStream {
    pub(crate) core: StreamCore,
}

impl UnixStream {
    /// Connects to the socket at `path`.
    ///
    /// The reactor's connect op takes IP addresses only, so this runs a
    /// non-blocking `connect(2)` and waits for it with a ring poll op.
    ///
    /// # Errors
    /// `NotFound` (no such path), `ConnectionRefused` (nobody listens).
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let socket = Socket::new(Domain::UNIX, Type::STREAM.cloexec(), None)?;
        socket.set_nonblocking(true)?;
        let sock = Sock::new(socket);
        match sock.ctl().connect(&SockAddr::unix(path)?) {
            Ok(()) => {}
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock
                    || e.raw_os_error() == Some(libc::EINPROGRESS) =>
            {
                wait_ready(&sock.fd, libc::POLLOUT).await?;
                if let Some(e) = sock.ctl().take_error()? {
                    return Err(e);
                }
            }
            Err(e) => return Err(e),
        }
        sock.ctl().set_nonblocking(false)?;
        Ok(Self::from_sock(sock))
    }

    /// A connected pair (`socketpair(2)`).
    ///
    /// # Errors
    /// `EMFILE`…
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = std::os::unix::net::UnixStream::pair()?;
        Ok((Self::from_std(a)?, Self::from_std(b)?))
    }

    /// Takes over a connected `std` stream.
    ///
    /// # Errors
    /// When the descriptor cannot be switched to blocking.
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(false)?;
        Ok(Self::from_sock(Sock::new(Socket::from(stream))))
    }

    pub(crate) fn from_sock(sock: Sock) -> Self {
        Self {
            core: StreamCore::new(sock),
        }
    }

    /// As [`TcpStream::read`](crate::TcpStream::read).
    pub async fn read<B: ReadBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.core.read(buf).await
    }

    /// As [`TcpStream::recv_stream`](crate::TcpStream::recv_stream).
    pub fn recv_stream(&mut self) -> RecvStream<'_> {
        self.core.recv_stream(BufRingConfig::default())
    }

    /// As [`TcpStream::recv_stream_with`](crate::TcpStream::recv_stream_with).
    pub fn recv_stream_with(&mut self, config: BufRingConfig) -> RecvStream<'_> {
        self.core.recv_stream(config)
    }

    /// As [`TcpStream::peek`](crate::TcpStream::peek).
    pub async fn peek<B: ReadBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.core.peek(buf).await
    }

    /// As [`TcpStream::write`](crate::TcpStream::write).
    pub async fn write<B: IoBuf>(&mut self, buf: B) -> BufResult<usize, B> {
        self.core.write(buf).await
    }

    /// As [`TcpStream::write_all`](crate::TcpStream::write_all).
    pub async fn write_all<B: IoBuf>(&mut self, buf: B) -> BufResult<(), B> {
        self.core.write_all(buf).await
    }

    /// As [`TcpStream::write_vectored`](crate::TcpStream::write_vectored).
    pub async fn write_vectored<B: IoBuf>(&mut self, bufs: Vec<B>) -> BufResult<usize, Vec<B>> {
        self.core.write_vectored(bufs).await
    }

    /// As [`TcpStream::flush`](crate::TcpStream::flush).
    ///
    /// # Errors
    /// The error of a failed write-behind send.
    pub async fn flush(&mut self) -> io::Result<()> {
        self.core.flush().await
    }

    /// As [`TcpStream::shutdown`](crate::TcpStream::shutdown).
    ///
    /// # Errors
    /// `NotConnected` when the connection is gone.
    pub async fn shutdown(&mut self, how: Shutdown) -> io::Result<()> {
        self.core.shutdown(how).await
    }

    /// The local address.
    ///
    /// # Errors
    /// From `getsockname(2)`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        unix_addr(&self.core.sock.ctl(), false)
    }

    /// The peer's address.
    ///
    /// # Errors
    /// From `getpeername(2)`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        unix_addr(&self.core.sock.ctl(), true)
    }

    /// Splits into a read half and a write half that can move to different
    /// tasks (and workers); [`OwnedReadHalf::reunite`] puts them back
    /// together. Bytes stashed by a cancelled read go with the read half.
    /// Dropping the write half shuts down the write direction.
    ///
    /// ```
    /// use ringbolt_net::UnixStream;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// ringbolt::run(async {
    ///     let (ours, theirs) = UnixStream::pair()?;
    ///     let (mut rd, mut wr) = ours.into_split();
    ///     let writer = ringbolt::spawn(async move {
    ///         let (res, _) = wr.write_all(b"ping" as &'static [u8]).await;
    ///         res.map(|()| wr)
    ///     });
    ///     let (mut theirs_rd, mut theirs_wr) = theirs.into_split();
    ///     let (n, buf) = theirs_rd.read(Vec::with_capacity(16)).await;
    ///     assert_eq!(&buf[..n?], b"ping");
    ///     let (res, _) = theirs_wr.write_all(b"pong" as &'static [u8]).await;
    ///     res?;
    ///     let (n, buf) = rd.read(Vec::with_capacity(16)).await;
    ///     assert_eq!(&buf[..n?], b"pong");
    ///     let wr = writer.await.expect("writer task")?;
    ///     let _stream: UnixStream = rd.reunite(wr).expect("halves of one stream");
    ///     Ok(())
    /// })?
    /// # }
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        super::split::split(self)
    }
}
