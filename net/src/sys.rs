//! The socket under every type: a [`SharedFd`] for ring ops and a control
//! handle for socket options and addresses.

use ringbolt_reactor::op::PollMulti;
use ringbolt_reactor::{submit_multishot, SharedFd};
use socket2::Socket;
use std::io;
use std::net::SocketAddr;
use std::os::fd::OwnedFd;

/// A socket as the ring sees it (`fd`) plus a second descriptor of the same
/// socket (`ctl`, from `dup`) for `setsockopt`, `getsockname` and friends.
///
/// The duplicate exists only because `SharedFd` does not implement `AsFd`
/// and this crate forbids `unsafe`; once it does, `ctl` becomes a
/// `SockRef::from(&fd)` and the extra descriptor goes away.
#[derive(Debug)]
pub(crate) struct Sock {
    pub(crate) fd: SharedFd,
    ctl: Socket,
}

impl Sock {
    /// Wraps a socket (blocking mode: the ring waits for it).
    pub(crate) fn new(socket: Socket) -> io::Result<Self> {
        let ctl = socket.try_clone()?;
        Ok(Self {
            fd: SharedFd::new(OwnedFd::from(socket)),
            ctl,
        })
    }

    /// Wraps a socket fd produced by the ring (socket, accept).
    pub(crate) fn from_fd(fd: OwnedFd) -> io::Result<Self> {
        Self::new(Socket::from(fd))
    }

    /// The control handle (options, addresses, non-blocking syscalls).
    pub(crate) fn ctl(&self) -> &Socket {
        &self.ctl
    }

    /// The local IP address.
    pub(crate) fn local_ip_addr(&self) -> io::Result<SocketAddr> {
        ip(self.ctl.local_addr()?)
    }

    /// The peer's IP address.
    pub(crate) fn peer_ip_addr(&self) -> io::Result<SocketAddr> {
        ip(self.ctl.peer_addr()?)
    }
}

fn ip(addr: socket2::SockAddr) -> io::Result<SocketAddr> {
    addr.as_socket()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not an IP socket address"))
}

/// Waits until `fd` is ready for `events` (`POLLIN`, `POLLOUT`) with an
/// io_uring poll op; used where the reactor has no op for the syscall
/// (datagram `sendto`/`recvfrom`, Unix `connect`).
pub(crate) async fn wait_ready(fd: &SharedFd, events: i16) -> io::Result<()> {
    let mut poll = submit_multishot(PollMulti::new(fd, events as u32));
    match poll.next().await {
        Some(Ok(_)) => Ok(()),
        Some(Err(e)) => Err(e),
        None => Err(io::Error::other("poll op ended without a result")),
    }
}

/// Runs a non-blocking syscall until it stops saying `WouldBlock`, waiting
/// for readiness in between.
pub(crate) async fn retry_nonblocking<T>(
    fd: &SharedFd,
    events: i16,
    mut f: impl FnMut() -> io::Result<T>,
) -> io::Result<T> {
    loop {
        match f() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => wait_ready(fd, events).await?,
            other => return other,
        }
    }
}
