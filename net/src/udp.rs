//! [`UdpSocket`].

use crate::sys::retry_nonblocking;
use ringbolt_reactor::SharedFd;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::io;
use std::net::SocketAddr;

/// A UDP socket.
///
/// Datagram calls take borrowed slices: the reactor has no `sendmsg`/
/// `recvmsg` op yet, so each call waits for readiness with a ring poll op
/// and then runs the non-blocking syscall (no kernel-owned memory spans an
/// await). A dropped call sends or consumes nothing after it is dropped.
#[derive(Debug)]
pub struct UdpSocket {
    fd: SharedFd,
    io: std::net::UdpSocket,
}

impl UdpSocket {
    /// Binds to `addr` (port 0 picks a free one).
    ///
    /// # Errors
    /// `AddrInUse` and other `bind(2)` errors.
    pub fn bind(addr: impl Into<SocketAddr>) -> io::Result<UdpSocket> {
        let addr = addr.into();
        let domain = if addr.is_ipv4() {
            Domain::IPV4
        } else {
            Domain::IPV6
        };
        let socket = Socket::new(domain, Type::DGRAM.cloexec(), Some(Protocol::UDP))?;
        socket.bind(&SockAddr::from(addr))?;
        socket.set_nonblocking(true)?;
        let io = std::net::UdpSocket::from(socket.try_clone()?);
        let fd = SharedFd::new(socket.into());
        Ok(Self { fd, io })
    }

    /// Sets the default peer for [`send`](Self::send) and filters
    /// [`recv`](Self::recv) to it (UDP `connect` sends nothing).
    ///
    /// # Errors
    /// From `connect(2)`.
    pub fn connect(&self, addr: impl Into<SocketAddr>) -> io::Result<()> {
        self.io.connect(addr.into())
    }

    /// Sends one datagram to `addr`.
    ///
    /// # Errors
    /// From `sendto(2)`.
    pub async fn send_to(&self, buf: &[u8], addr: impl Into<SocketAddr>) -> io::Result<usize> {
        let addr = addr.into();
        retry_nonblocking(&self.fd, libc::POLLOUT, || self.io.send_to(buf, addr)).await
    }

    /// Receives one datagram; a datagram longer than `buf` is truncated.
    ///
    /// # Errors
    /// From `recvfrom(2)`.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        retry_nonblocking(&self.fd, libc::POLLIN, || self.io.recv_from(buf)).await
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Errors
    /// `NotConnected` without [`connect`](Self::connect); `ConnectionRefused`
    /// after an ICMP port-unreachable.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        retry_nonblocking(&self.fd, libc::POLLOUT, || self.io.send(buf)).await
    }

    /// Receives one datagram from the connected peer.
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

    /// The connected peer.
    ///
    /// # Errors
    /// `NotConnected` without [`connect`](Self::connect).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.peer_addr()
    }
}
