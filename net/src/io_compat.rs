//! `futures-io` [`AsyncRead`]/[`AsyncBufRead`]/[`AsyncWrite`] for streams
//! and halves, so `futures::io::copy`, codecs and line readers work.
//!
//! Reads receive into an internal buffer whose op stays inside the stream
//! between polls; `AsyncBufRead` lends that buffer out, so a reader that
//! copies from it (a protocol library's own buffer) copies once; writes are write-behind: `poll_write` copies the bytes,
//! starts their send and reports them written, and `poll_flush` waits for
//! it. `poll_close` flushes and shuts down the write direction.

use crate::sys::Sock;
use crate::tcp::{self, TcpStream};
use crate::unix::{self, UnixStream};
use crate::write_side::WriteSide;
use futures_io::{AsyncBufRead, AsyncRead, AsyncWrite};
use std::io::{self, IoSlice};
use std::net::Shutdown;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

macro_rules! async_read {
    ($ty:ty, |$s:ident| ($rd:expr, $sock:expr)) => {
        impl AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                let $s = self.get_mut();
                $rd.poll_read(cx, &$sock.fd, buf)
            }
        }

        impl AsyncBufRead for $ty {
            fn poll_fill_buf(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<io::Result<&[u8]>> {
                let $s = self.get_mut();
                $rd.poll_fill_buf(cx, &$sock.fd, 0)
            }

            fn consume(self: Pin<&mut Self>, amt: usize) {
                let $s = self.get_mut();
                $rd.consume(amt)
            }
        }
    };
}

macro_rules! async_write {
    ($ty:ty, |$s:ident| ($wr:expr, $sock:expr)) => {
        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                let $s = self.get_mut();
                $wr.poll_write(cx, &$sock.fd, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let $s = self.get_mut();
                $wr.poll_drain(cx, &$sock.fd)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                let $s = self.get_mut();
                $wr.poll_write_vectored(cx, &$sock.fd, bufs)
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let $s = self.get_mut();
                poll_shutdown_write(cx, &mut $wr, &$sock)
            }
        }
    };
}

/// `poll_close` (and tokio's `poll_shutdown`): flushes, then shuts down
/// the write direction. `shutdown(2)` never blocks, so it is a plain
/// syscall rather than an op kept in the type; a peer already gone
/// (`NotConnected`) is no error.
pub(crate) fn poll_shutdown_write(
    cx: &mut Context<'_>,
    wr: &mut WriteSide,
    sock: &Sock,
) -> Poll<io::Result<()>> {
    ready!(wr.poll_drain(cx, &sock.fd))?;
    match sock.ctl().shutdown(Shutdown::Write) {
        Err(e) if e.kind() != io::ErrorKind::NotConnected => Poll::Ready(Err(e)),
        _ => Poll::Ready(Ok(())),
    }
}

async_read!(TcpStream, |s| (s.core.rd, s.core.sock));
async_write!(TcpStream, |s| (s.core.wr, s.core.sock));
async_read!(UnixStream, |s| (s.core.rd, s.core.sock));
async_write!(UnixStream, |s| (s.core.wr, s.core.sock));
async_read!(tcp::OwnedReadHalf, |s| (s.core.rd, s.core.sock));
async_write!(tcp::OwnedWriteHalf, |s| (s.core.wr, s.core.sock));
async_read!(unix::OwnedReadHalf, |s| (s.core.rd, s.core.sock));
async_write!(unix::OwnedWriteHalf, |s| (s.core.wr, s.core.sock));
