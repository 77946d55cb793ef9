//! [`TcpListener`] and its [`Incoming`] stream.

use super::{TcpSocket, TcpStream};
use crate::sys::Sock;
use futures_util::Stream;
use ringbolt_reactor::op::{Accept, AcceptMulti};
use ringbolt_reactor::{submit, submit_multishot, Multishot};
use std::io;
use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Backlog of [`TcpListener::bind`].
const DEFAULT_BACKLOG: u32 = 1024;

/// A listening TCP socket.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use futures_util::StreamExt;
/// use ringbolt_net::TcpListener;
/// let listener = TcpListener::bind(([127, 0, 0, 1], 7878))?;
/// let mut incoming = listener.incoming();
/// while let Some(stream) = incoming.next().await {
///     let stream = stream?;
///     println!("{:?}", stream.peer_addr());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TcpListener {
    pub(crate) sock: Sock,
}

impl TcpListener {
    /// Binds to `addr` with `SO_REUSEADDR` (as `std` does) and a backlog
    /// of 1024; use [`TcpSocket`] for other settings.
    ///
    /// # Errors
    /// `AddrInUse` when another socket listens there, and other
    /// `bind(2)`/`listen(2)` errors.
    pub fn bind(addr: impl Into<SocketAddr>) -> io::Result<TcpListener> {
        let addr = addr.into();
        let socket = TcpSocket::new_for(&addr)?;
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        socket.listen(DEFAULT_BACKLOG)
    }

    pub(crate) fn from_sock(sock: Sock) -> Self {
        Self { sock }
    }

    /// Takes over a listening `std` listener.
    ///
    /// # Errors
    /// When the descriptor cannot be switched to blocking.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(false)?;
        Ok(Self::from_sock(Sock::new(socket2::Socket::from(listener))))
    }

    /// Accepts one connection (a ring accept op). A cancelled accept
    /// closes the connection it may have taken.
    ///
    /// # Errors
    /// `EMFILE`/`ENFILE` (no descriptors left: the listener keeps working
    /// once some are freed), `ECONNABORTED`…
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (fd, addr) = submit(Accept::new(&self.sock.fd)).await?;
        accepted(fd, addr)
    }

    /// The connections as a stream of `io::Result<TcpStream>`; an error
    /// (such as `EMFILE`) is one item and the stream goes on. It never
    /// ends.
    ///
    /// One multishot accept op serves the whole stream: the kernel accepts
    /// each connection as it arrives and queues it for the stream, with
    /// no op submitted per connection. When the kernel ends the op (after
    /// an error such as `EMFILE`, or a completion-queue overflow) the next
    /// poll submits a new one. Dropping the stream cancels the op; the
    /// home ring closes every connection it had accepted that the stream
    /// never yielded, so none leaks.
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming {
            listener: self,
            accepts: None,
        }
    }

    /// The bound address.
    ///
    /// # Errors
    /// From `getsockname(2)`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.sock.local_ip_addr()
    }
}

fn accepted(fd: OwnedFd, addr: Option<SocketAddr>) -> io::Result<(TcpStream, SocketAddr)> {
    let sock = Sock::from_fd(fd);
    let addr = match addr {
        Some(a) => a,
        None => sock.peer_ip_addr()?,
    };
    Ok((TcpStream::from_sock(sock), addr))
}

/// The stream of [`TcpListener::incoming`].
#[must_use = "streams do nothing unless polled"]
pub struct Incoming<'a> {
    listener: &'a TcpListener,
    /// The multishot accept in flight (`None`: submit one on next poll).
    accepts: Option<Multishot<AcceptMulti>>,
}

impl std::fmt::Debug for Incoming<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Incoming")
            .field("listener", self.listener)
            .finish_non_exhaustive()
    }
}

impl Stream for Incoming<'_> {
    type Item = io::Result<TcpStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let fd = &this.listener.sock.fd;
        loop {
            let accepts = this
                .accepts
                .get_or_insert_with(|| submit_multishot(AcceptMulti::new(fd)));
            match ready!(accepts.poll_next(cx)) {
                Some(res) => {
                    let stream = res.map(|fd| TcpStream::from_sock(Sock::from_fd(fd)));
                    return Poll::Ready(Some(stream));
                }
                // The kernel ended the op (its final CQE was the last
                // item): re-arm on this poll's ring.
                None => this.accepts = None,
            }
        }
    }
}
