//! [`UdpSocket`].

use crate::dgram;
use crate::sys::Sock;
use ringbolt_reactor::op::RawAddr;
use ringbolt_reactor::{BufResult, IoBuf, IoBufMut};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::io;
use std::net::SocketAddr;

/// A UDP socket.
///
/// Datagram calls take owned buffers and give them back
/// ([`BufResult`]), like stream reads and writes: `send_to` is a ring
/// `sendmsg` carrying the destination, `recv_from` a ring `recvmsg` that
/// reports the sender. Cancelling a `recv_from` (dropping its future) may
/// lose the datagram the kernel was handing to it, as if the network had
/// dropped it; a cancelled send may or may not have gone out.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use ringbolt_net::UdpSocket;
/// let socket = UdpSocket::bind(([127, 0, 0, 1], 0))?;
/// let (res, _) = socket.send_to(b"ping" as &'static [u8], ([127, 0, 0, 1], 7878)).await;
/// res?;
/// let (res, buf) = socket.recv_from(Vec::with_capacity(1500)).await;
/// let (n, from) = res?;
/// println!("{from}: {:?}", &buf[..n]);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct UdpSocket {
    pub(crate) sock: Sock,
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
        Ok(Self {
            sock: Sock::new(socket),
        })
    }

    /// Takes over a bound `std` socket (left in, or put back to, blocking
    /// mode: the ring does the waiting).
    ///
    /// # Errors
    /// When the descriptor cannot be switched to blocking.
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(false)?;
        Ok(Self {
            sock: Sock::new(Socket::from(socket)),
        })
    }

    /// Sets the default peer for [`send`](Self::send) and filters
    /// [`recv`](Self::recv) to it (UDP `connect` sends nothing).
    ///
    /// # Errors
    /// From `connect(2)`.
    pub fn connect(&self, addr: impl Into<SocketAddr>) -> io::Result<()> {
        self.sock.ctl().connect(&SockAddr::from(addr.into()))
    }

    /// Sends the initialised bytes of `buf` as one datagram to `addr`.
    ///
    /// # Errors
    /// From `sendmsg(2)`.
    pub async fn send_to<B: IoBuf>(
        &self,
        buf: B,
        addr: impl Into<SocketAddr>,
    ) -> BufResult<usize, B> {
        dgram::send_to(&self.sock.fd, buf, RawAddr::from_std(addr.into())).await
    }

    /// Receives one datagram into `buf` (from its start, up to its
    /// capacity; a longer datagram is truncated) and its sender.
    ///
    /// # Errors
    /// From `recvmsg(2)`.
    pub async fn recv_from<B: IoBufMut>(&self, buf: B) -> BufResult<(usize, SocketAddr), B> {
        let (res, buf) = dgram::recv_from(&self.sock.fd, buf).await;
        let res = res.and_then(|(n, addr)| {
            let addr = addr.to_std().ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidData, "datagram without an IP sender")
            })?;
            Ok((n, addr))
        });
        (res, buf)
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Errors
    /// `NotConnected` without [`connect`](Self::connect); `ConnectionRefused`
    /// after an ICMP port-unreachable.
    pub async fn send<B: IoBuf>(&self, buf: B) -> BufResult<usize, B> {
        dgram::send(&self.sock.fd, buf).await
    }

    /// Receives one datagram from the connected peer.
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
        self.sock.local_ip_addr()
    }

    /// The connected peer.
    ///
    /// # Errors
    /// `NotConnected` without [`connect`](Self::connect).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.sock.peer_ip_addr()
    }
}
