//! TCP: [`TcpListener`], [`TcpStream`], its owned halves and the
//! [`TcpSocket`] builder.

mod listener;
mod socket;
mod split;
mod stream;

pub use listener::{Incoming, TcpListener};
pub use socket::TcpSocket;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
pub use stream::TcpStream;
