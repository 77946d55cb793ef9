//! [`UnixDatagram`].

use super::addr::{from_named, to_std};
use crate::dgram;
use crate::sys::Sock;
use ringbolt_reactor::op::RawAddr;
use ringbolt_reactor::op::UnixName as Named;
use ringbolt_reactor::{BufResult, IoBuf, IoBufMut};
use socket2::{SockAddr, Socket};
use std::io;
use std::os::unix::net::{self as std_unix, SocketAddr};
use std::path::Path;

/// A Unix datagram socket. Like [`UdpSocket`](crate::UdpSocket), calls
/// take owned buffers: `send_to` is a ring `sendmsg` to a path,
/// `recv_from` a ring `recvmsg` that reports the sender.
#[derive(Debug)]
pub struct UnixDatagram {
    pub(crate) sock: Sock,
}

impl UnixDatagram {
    /// Binds to `path`.
    ///
    /// # Errors
    /// `AddrInUse` when the path exists.
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        Self::from_std(std_unix::UnixDatagram::bind(path)?)
    }

    /// A socket bound to no address.
    ///
    /// # Errors
    /// `EMFILE`…
    pub fn unbound() -> io::Result<UnixDatagram> {
        Self::from_std(std_unix::UnixDatagram::unbound()?)
    }

    /// A connected pair.
    ///
    /// # Errors
    /// `EMFILE`…
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = std_unix::UnixDatagram::pair()?;
        Ok((Self::from_std(a)?, Self::from_std(b)?))
    }

    /// Takes over a `std` socket (left in, or put back to, blocking mode:
    /// the ring does the waiting).
    ///
    /// # Errors
    /// When the descriptor cannot be switched to blocking.
    pub fn from_std(io: std_unix::UnixDatagram) -> io::Result<UnixDatagram> {
        io.set_nonblocking(false)?;
        Ok(Self {
            sock: Sock::new(Socket::from(io)),
        })
    }

    /// Sets the default peer.
    ///
    /// # Errors
    /// From `connect(2)`.
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.sock.ctl().connect(&SockAddr::unix(path)?)
    }

    /// Sends the initialised bytes of `buf` as one datagram to `path`.
    ///
    /// # Errors
    /// `InvalidInput` for a path with a NUL byte or longer than 107
    /// bytes; then what `sendmsg(2)` reports (`NotFound`,
    /// `ConnectionRefused`…).
    pub async fn send_to<B: IoBuf>(&self, buf: B, path: impl AsRef<Path>) -> BufResult<usize, B> {
        match RawAddr::unix_path(path.as_ref()) {
            Ok(addr) => dgram::send_to(&self.sock.fd, buf, addr).await,
            Err(e) => (Err(e), buf),
        }
    }

    /// Receives one datagram into `buf` (truncated to its capacity) and
    /// its sender's address.
    ///
    /// # Errors
    /// From `recvmsg(2)`.
    pub async fn recv_from<B: IoBufMut>(&self, buf: B) -> BufResult<(usize, SocketAddr), B> {
        let (res, buf) = dgram::recv_from(&self.sock.fd, buf).await;
        // An unbound sender leaves the name empty (length 0, no family).
        let res = res
            .and_then(|(n, addr)| Ok((n, from_named(addr.to_unix().unwrap_or(Named::Unnamed))?)));
        (res, buf)
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Errors
    /// `NotConnected` without a peer.
    pub async fn send<B: IoBuf>(&self, buf: B) -> BufResult<usize, B> {
        dgram::send(&self.sock.fd, buf).await
    }

    /// Receives one datagram.
    ///
    /// # Errors
    /// From `recv(2)`.
    pub async fn recv<B: IoBufMut>(&self, buf: B) -> BufResult<usize, B> {
        dgram::recv(&self.sock.fd, buf).await
    }

    /// The bound address.
    ///
    /// # Errors
    /// From `getsockname(2)`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        to_std(&self.sock.ctl().local_addr()?)
    }
}
