//! [`UnixListener`].

use super::{SocketAddr, UnixStream};
use crate::sys::Sock;
use ringbolt_reactor::op::Accept;
use ringbolt_reactor::submit;
use std::io;
use std::path::Path;

/// A listening Unix stream socket.
#[derive(Debug)]
pub struct UnixListener {
    pub(crate) sock: Sock,
}

impl UnixListener {
    /// Binds to `path` (which must not exist) and listens.
    ///
    /// # Errors
    /// `AddrInUse` when the path exists, and other `bind(2)` errors.
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let std = std::os::unix::net::UnixListener::bind(path)?;
        Ok(Self {
            sock: Sock::new(socket2::Socket::from(std)),
        })
    }

    /// Accepts one connection (a ring accept op).
    ///
    /// # Errors
    /// `EMFILE` and other `accept4(2)` errors.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (fd, _) = submit(Accept::new(&self.sock.fd)).await?;
        let sock = Sock::from_fd(fd);
        let addr = unix_addr(&sock.ctl(), true)?;
        Ok((UnixStream::from_sock(sock), addr))
    }

    /// The bound address.
    ///
    /// # Errors
    /// From `getsockname(2)`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        unix_addr(&self.sock.ctl(), false)
    }
}

/// The local or peer address of a Unix socket, as `std`'s type.
pub(super) fn unix_addr(socket: &socket2::SockRef<'_>, peer: bool) -> io::Result<SocketAddr> {
    let addr = if peer {
        socket.peer_addr()?
    } else {
        socket.local_addr()?
    };
    super::addr::to_std(&addr)
}
