//! Descriptors in and out: `AsFd`/`AsRawFd` for every socket, listener and
//! half; `FromRawFd`, `From<OwnedFd>`, `IntoRawFd`, `From<_> for OwnedFd`
//! and the `socket2::Socket` conversions for every socket and listener; and
//! the fallible `into_std`.
//!
//! # Taking a descriptor out (rule 9)
//!
//! A socket's descriptor is shared with its in-flight ops, which keep it
//! open until their final CQE so that its number is never reused under
//! them. A socket given away as a raw or owned descriptor has nobody left
//! to await those ops: its own parked receive and write-behind send are
//! cancelled, and an op abandoned earlier may still be in the kernel. If
//! none holds the descriptor any more, the caller gets it as it is;
//! otherwise the caller gets a duplicate (the same socket under a new
//! number, which it may close whenever it likes) and the original is
//! closed when the last op lets go of it. Only the duplicate can fail (no
//! descriptor left): `into_std` reports that as an error, the infallible
//! conversions panic.
//!
//! Bytes a stream had received but nobody had read yet (after a cancelled
//! read, or read-ahead of `AsyncRead`/`AsyncBufRead`) and write-behind
//! bytes not yet flushed are dropped with it: read to the end of what you
//! expect and flush before taking the descriptor.
//!
//! # Giving one in
//!
//! The socket must be of the type's kind (a connected TCP stream for
//! [`TcpStream`], a listening socket for a listener…), as with `std`'s
//! conversions; a wrong kind makes the ring ops on it fail with the
//! kernel's error (`ENOTSOCK`, `EINVAL`…), not undefined behaviour. The
//! descriptor may be blocking or not: it is switched to blocking mode, as
//! `from_std` does (the ring does the waiting), which other handles to the
//! same open socket see too.
#![allow(unsafe_code)]

use crate::tcp::{self, TcpListener, TcpSocket, TcpStream};
use crate::unix::{self, UnixDatagram, UnixListener, UnixStream};
use crate::{sys::Sock, UdpSocket};
use ringbolt_reactor::SharedFd;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};

/// The message of the panic of an infallible conversion that needed a
/// duplicate and could not make one.
const NO_DUPLICATE: &str =
    "ops still hold the socket's descriptor and no descriptor is left for a duplicate; \
     use `into_std` to get this as an error";

/// `AsFd` and `AsRawFd` through the expression naming the socket's `Sock`.
macro_rules! borrow_fd {
    ($ty:ty, |$s:ident| $sock:expr) => {
        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                let $s = self;
                $sock.fd.as_fd()
            }
        }

        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                let $s = self;
                $sock.fd.as_raw_fd()
            }
        }
    };
}

/// Every conversion in and out, for a type whose `Sock` is named by the
/// expression and that is built from a `Sock` by `$new`.
macro_rules! convert_fd {
    ($ty:ty, |$s:ident| $sock:expr, $new:expr, $std:ty) => {
        borrow_fd!($ty, |$s| $sock);

        impl $ty {
            /// The descriptor, to the caller alone (see [the rules for
            /// taking it out](crate#descriptors)).
            fn into_owned_fd(self) -> io::Result<OwnedFd> {
                let fd: SharedFd = {
                    let $s = &self;
                    $sock.fd.clone()
                };
                drop(self);
                fd.into_owned()
            }

            #[doc = concat!("Gives the socket back as a `", stringify!($std), "`, in blocking mode.")]
            ///
            /// Bytes received but not yet read and write-behind bytes not
            /// yet flushed are dropped; while ops still hold the descriptor
            /// the result is a duplicate of it (see [the rules for taking
            /// it out](crate#descriptors)).
            ///
            /// # Errors
            /// `EMFILE`/`ENFILE` when a duplicate is needed and no
            /// descriptor is left.
            pub fn into_std(self) -> io::Result<$std> {
                self.into_owned_fd().map(<$std>::from)
            }
        }

        impl From<OwnedFd> for $ty {
            /// Takes over a socket descriptor of this type's kind.
            fn from(fd: OwnedFd) -> Self {
                let new: fn(Sock) -> $ty = $new;
                new(Sock::adopt(fd))
            }
        }

        impl FromRawFd for $ty {
            /// # Safety
            /// `fd` must be an open descriptor that nothing else owns or
            /// closes, as for `OwnedFd::from_raw_fd`.
            unsafe fn from_raw_fd(fd: RawFd) -> Self {
                // SAFETY: the caller upholds `OwnedFd::from_raw_fd`'s
                // contract (an open descriptor owned by nobody else); that
                // is this function's own `# Safety` section.
                Self::from(unsafe { OwnedFd::from_raw_fd(fd) })
            }
        }

        impl From<socket2::Socket> for $ty {
            /// Takes over a `socket2` socket of this type's kind (set any
            /// option first).
            fn from(socket: socket2::Socket) -> Self {
                Self::from(OwnedFd::from(socket))
            }
        }

        impl From<$ty> for OwnedFd {
            /// The socket's descriptor, a duplicate while ops still hold
            /// it (see [the rules for taking it out](crate#descriptors)).
            ///
            /// # Panics
            /// When a duplicate is needed and no descriptor is left; use
            #[doc = concat!("[`", stringify!($ty), "::into_std`] to get that as an error.")]
            fn from(socket: $ty) -> OwnedFd {
                socket.into_owned_fd().expect(NO_DUPLICATE)
            }
        }

        impl IntoRawFd for $ty {
            /// As `OwnedFd::from`: a duplicate while ops still hold the
            /// descriptor; panics when no descriptor is left for it.
            fn into_raw_fd(self) -> RawFd {
                OwnedFd::from(self).into_raw_fd()
            }
        }

        impl From<$ty> for socket2::Socket {
            /// As `OwnedFd::from`, to set options the API does not cover
            /// (and convert back with `From<socket2::Socket>`); panics when
            /// a needed duplicate cannot be made.
            fn from(socket: $ty) -> socket2::Socket {
                socket2::Socket::from(OwnedFd::from(socket))
            }
        }
    };
}

convert_fd!(
    TcpStream,
    |s| s.core.sock,
    TcpStream::from_sock,
    std::net::TcpStream
);
convert_fd!(
    TcpListener,
    |s| s.sock,
    TcpListener::from_sock,
    std::net::TcpListener
);
convert_fd!(
    UdpSocket,
    |s| s.sock,
    |sock| UdpSocket { sock },
    std::net::UdpSocket
);
convert_fd!(
    UnixStream,
    |s| s.core.sock,
    UnixStream::from_sock,
    std::os::unix::net::UnixStream
);
convert_fd!(
    UnixListener,
    |s| s.sock,
    |sock| UnixListener { sock },
    std::os::unix::net::UnixListener
);
convert_fd!(
    UnixDatagram,
    |s| s.sock,
    |sock| UnixDatagram { sock },
    std::os::unix::net::UnixDatagram
);

borrow_fd!(tcp::OwnedReadHalf, |s| s.core.sock);
borrow_fd!(tcp::OwnedWriteHalf, |s| s.core.sock);
borrow_fd!(unix::OwnedReadHalf, |s| s.core.sock);
borrow_fd!(unix::OwnedWriteHalf, |s| s.core.sock);

// A `TcpSocket` has no ops in flight: it is a plain socket until it
// listens or connects.
impl AsFd for TcpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl From<OwnedFd> for TcpSocket {
    /// Takes over a TCP socket that is neither listening nor connected.
    fn from(fd: OwnedFd) -> Self {
        TcpSocket::from(socket2::Socket::from(fd))
    }
}

impl FromRawFd for TcpSocket {
    /// # Safety
    /// `fd` must be an open descriptor that nothing else owns or closes,
    /// as for `OwnedFd::from_raw_fd`.
    unsafe fn from_raw_fd(fd: RawFd) -> Self {
        // SAFETY: the caller upholds `OwnedFd::from_raw_fd`'s contract (an
        // open descriptor owned by nobody else), this function's own
        // `# Safety` section.
        Self::from(unsafe { OwnedFd::from_raw_fd(fd) })
    }
}

impl From<socket2::Socket> for TcpSocket {
    /// Takes over a `socket2` TCP socket that is neither listening nor
    /// connected.
    fn from(inner: socket2::Socket) -> Self {
        // Blocking, as every socket the ring waits on (see `Sock::adopt`).
        let _ = inner.set_nonblocking(false);
        TcpSocket { inner }
    }
}

impl From<TcpSocket> for OwnedFd {
    fn from(socket: TcpSocket) -> OwnedFd {
        socket.inner.into()
    }
}

impl IntoRawFd for TcpSocket {
    fn into_raw_fd(self) -> RawFd {
        self.inner.into_raw_fd()
    }
}

impl From<TcpSocket> for socket2::Socket {
    fn from(socket: TcpSocket) -> socket2::Socket {
        socket.inner
    }
}
