//! [`UnixDatagram`].

use crate::sys::retry_nonblocking;
use ringbolt_reactor::SharedFd;
use std::io;
use std::os::unix::net::{self as std_unix, SocketAddr};
use std::path::Path;

/// A Unix datagram socket. Like [`UdpSocket`](crate::UdpSocket), each
/// call waits for readiness with a ring poll op, then runs the
/// non-blocking syscall on a borrowed slice.
#[derive(Debug)]
pub struct UnixDatagram {
    fd: SharedFd,
    io: std_unix::UnixDatagram,
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

    /// Takes over a `std` socket (switched to non-blocking).
    ///
    /// # Errors
    /// When the descriptor cannot be duplicated.
    pub fn from_std(io: std_unix::UnixDatagram) -> io::Result<UnixDatagram> {
        io.set_nonblocking(true)?;
        let fd = SharedFd::new(io.try_clone()?.into());
        Ok(Self { fd, io })
    }

    /// Sets the default peer.
    ///
    /// # Errors
    /// From `connect(2)`.
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.io.connect(path)
    }

    /// Sends one datagram to `path`.
    ///
    /// # Errors
    /// From `sendto(2)`.
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let path = path.as_ref();
        retry_nonblocking(&self.fd, libc::POLLOUT, || self.io.send_to(buf, path)).await
    }

    /// Receives one datagram and its sender's address.
    ///
    /// # Errors
    /// From `recvfrom(2)`.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        retry_nonblocking(&self.fd, libc::POLLIN, || self.io.recv_from(buf)).await
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Errors
    /// `NotConnected` without a peer.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        retry_nonblocking(&self.fd, libc::POLLOUT, || self.io.send(buf)).await
    }

    /// Receives one datagram.
    ///
    /// # Errors
    /// From `recv(2)`.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        retry_nonblocking(&self.fd, libc::POLLIN, || self.io.recv(buf)).await
    }

    /// The bound address.
    ///
    /// # Errors
    /// From `getsockname(2)`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.local_addr()
    }
}
