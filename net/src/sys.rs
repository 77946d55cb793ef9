//! The socket under every type: a [`SharedFd`] for ring ops and a control
//! handle for socket options and addresses.

use ringbolt_reactor::op::PollMulti;
use ringbolt_reactor::{submit_multishot, SharedFd};
use socket2::{SockRef, Socket};
use std::io;
use std::net::SocketAddr;
use std::os::fd::OwnedFd;

/// A socket as the ring sees it. Socket options and addresses go through
/// [`ctl`](Self::ctl), a `socket2::SockRef` borrowing the same descriptor
/// (`SharedFd` implements `AsFd`): one descriptor per socket.
#[derive(Debug)]
pub(crate) struct Sock {
    pub(crate) fd: SharedFd,
}

impl Sock {
    /// Wraps a socket (blocking mode: the ring waits for it).
    pub(crate) fn new(socket: Socket) -> Self {
        Self {
            fd: SharedFd::new(OwnedFd::from(socket)),
        }
    }

    /// Takes over a socket descriptor from the caller (`From<OwnedFd>`),
    /// switching it to blocking mode as `from_std` does: the ring does the
    /// waiting, and not every kernel that ringbolt runs on waits in the
    /// ring for a non-blocking socket.
    pub(crate) fn adopt(fd: OwnedFd) -> Self {
        let socket = Socket::from(fd);
        // Only a descriptor that is no socket can refuse; then every op on
        // it reports the kernel's error (`ENOTSOCK`), so nothing is lost
        // by going on.
        let _ = socket.set_nonblocking(false);
        Self::new(socket)
    }

    /// Wraps a socket fd produced by the ring (socket, accept).
    pub(crate) fn from_fd(fd: OwnedFd) -> Self {
        Self {
            fd: SharedFd::new(fd),
        }
    }

    /// The control handle (options, addresses, non-blocking syscalls).
    pub(crate) fn ctl(&self) -> SockRef<'_> {
        SockRef::from(&self.fd)
    }

    /// The local IP address.
    pub(crate) fn local_ip_addr(&self) -> io::Result<SocketAddr> {
        ip(self.ctl().local_addr()?)
    }

    /// The peer's IP address.
    pub(crate) fn peer_ip_addr(&self) -> io::Result<SocketAddr> {
        ip(self.ctl().peer_addr()?)
    }
}

fn ip(addr: socket2::SockAddr) -> io::Result<SocketAddr> {
    addr.as_socket()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not an IP socket address"))
}

/// Waits until `fd` is ready for `events` (`POLLIN`, `POLLOUT`) with an
/// io_uring poll op; used where the reactor has no op for the syscall
/// (Unix `connect`).
pub(crate) async fn wait_ready(fd: &SharedFd, events: i16) -> io::Result<()> {
    let mut poll = submit_multishot(PollMulti::new(fd, events as u32));
    match poll.next().await {
        Some(Ok(_)) => Ok(()),
        Some(Err(e)) => Err(e),
        None => Err(io::Error::other("poll op ended without a result")),
    }
}
