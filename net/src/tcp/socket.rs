//! [`TcpSocket`]: set options before `bind`/`listen` or `connect`.

use super::{TcpListener, TcpStream};
use crate::sys::Sock;
use ringbolt_reactor::op::{Connect, Socket as SocketOp};
use ringbolt_reactor::submit;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// A TCP socket not yet listening or connected.
///
/// ```no_run
/// # fn demo() -> std::io::Result<()> {
/// use ringbolt_net::TcpSocket;
/// let socket = TcpSocket::new_v4()?;
/// socket.set_reuseaddr(true)?;
/// socket.set_reuseport(true)?;
/// socket.bind(([127, 0, 0, 1], 0).into())?;
/// let listener = socket.listen(1024)?;
/// # drop(listener); Ok(()) }
/// ```
#[derive(Debug)]
pub struct TcpSocket {
    pub(crate) inner: Socket,
}

fn domain_of(addr: &SocketAddr) -> Domain {
    if addr.is_ipv4() {
        Domain::IPV4
    } else {
        Domain::IPV6
    }
}

impl TcpSocket {
    /// An IPv4 TCP socket.
    ///
    /// # Errors
    /// From `socket(2)` (`EMFILE`…).
    pub fn new_v4() -> io::Result<TcpSocket> {
        Self::new(Domain::IPV4)
    }

    /// An IPv6 TCP socket.
    ///
    /// # Errors
    /// From `socket(2)`.
    pub fn new_v6() -> io::Result<TcpSocket> {
        Self::new(Domain::IPV6)
    }

    fn new(domain: Domain) -> io::Result<TcpSocket> {
        let inner = Socket::new(domain, Type::STREAM.cloexec(), Some(Protocol::TCP))?;
        Ok(Self { inner })
    }

    /// A socket of `addr`'s family, made with the ring's socket op.
    pub(super) async fn new_ring_for(addr: SocketAddr) -> io::Result<TcpSocket> {
        let domain = if addr.is_ipv4() {
            libc::AF_INET
        } else {
            libc::AF_INET6
        };
        let fd = submit(SocketOp::new(domain, libc::SOCK_STREAM, libc::IPPROTO_TCP)).await?;
        Ok(Self {
            inner: Socket::from(fd),
        })
    }

    pub(super) fn new_for(addr: &SocketAddr) -> io::Result<TcpSocket> {
        Self::new(domain_of(addr))
    }

    /// Sets `SO_REUSEADDR` (rebind a port whose old connections linger in
    /// `TIME_WAIT`).
    ///
    /// # Errors
    /// From `setsockopt(2)`.
    pub fn set_reuseaddr(&self, reuse: bool) -> io::Result<()> {
        self.inner.set_reuse_address(reuse)
    }

    /// Sets `SO_REUSEPORT` (several listeners share a port; the kernel
    /// spreads connections over them).
    ///
    /// # Errors
    /// From `setsockopt(2)`.
    pub fn set_reuseport(&self, reuse: bool) -> io::Result<()> {
        self.inner.set_reuse_port(reuse)
    }

    /// Sets `TCP_NODELAY`.
    ///
    /// # Errors
    /// From `setsockopt(2)`.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.set_tcp_nodelay(nodelay)
    }

    /// Sets `SO_LINGER`.
    ///
    /// # Errors
    /// From `setsockopt(2)`.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.inner.set_linger(linger)
    }

    /// Binds to `addr` (port 0 picks a free port).
    ///
    /// # Errors
    /// `AddrInUse`, `AddrNotAvailable`, `PermissionDenied`…
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.bind(&SockAddr::from(addr))
    }

    /// The bound address.
    ///
    /// # Errors
    /// From `getsockname(2)`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not an IP socket address"))
    }

    /// Starts listening with a queue of `backlog` pending connections
    /// (clamped by the kernel to `net.core.somaxconn`).
    ///
    /// # Errors
    /// From `listen(2)` (`AddrInUse` when another socket listens on the
    /// same port without `SO_REUSEPORT`).
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        self.inner
            .listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
        Ok(TcpListener::from_sock(Sock::new(self.inner)))
    }

    /// Connects to `addr` with the ring's connect op.
    ///
    /// # Errors
    /// `ConnectionRefused`, `NetworkUnreachable`… as `connect(2)`.
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        let sock = Sock::new(self.inner);
        submit(Connect::new(&sock.fd, addr)).await?;
        Ok(TcpStream::from_sock(sock))
    }
}
