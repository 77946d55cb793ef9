//! Unix-domain sockets: [`UnixListener`], [`UnixStream`], [`UnixDatagram`].

mod addr;
mod datagram;
mod listener;
mod stream;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use stream::UnixStream;

/// The address of a Unix socket (`std`'s type).
pub use std::os::unix::net::SocketAddr;
