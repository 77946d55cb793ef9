//! Unix-domain sockets: [`UnixListener`], [`UnixStream`], its owned
//! halves, and [`UnixDatagram`].

mod addr;
mod datagram;
mod listener;
mod split;
mod stream;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
pub use stream::UnixStream;

/// The address of a Unix socket (`std`'s type).
pub use std::os::unix::net::SocketAddr;
