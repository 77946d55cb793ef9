//! tokio's [`AsyncRead`], [`AsyncBufRead`] and [`AsyncWrite`] for streams
//! and halves (feature `tokio-io`), so crates written against tokio's
//! traits — tokio-rustls, tokio-util's codecs — run on ringbolt sockets.
//!
//! These are the `futures-io` impls (`io_compat.rs`) in tokio's shapes, on
//! the same read and write sides: a read receives into the stream's own
//! buffer and its op stays parked in the stream between polls, so a
//! dropped poll (a `select!` branch that lost, a timeout) loses no bytes;
//! writes are write-behind. The read buffer is exposed as it is by
//! `AsyncBufRead`, so `read_line` and codecs read without a second copy.
//! Only tokio's trait definitions are used: no tokio runtime, reactor or
//! thread is involved.

use crate::io_compat::poll_shutdown_write;
use crate::tcp::{self, TcpStream};
use crate::unix::{self, UnixStream};
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};

macro_rules! tokio_read {
    ($ty:ty) => {
        impl AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                let core = &mut self.get_mut().core;
                let want = buf.remaining();
                ready!(core.rd.poll_read_with(cx, &core.sock.fd, want, |bytes| {
                    let n = bytes.len().min(want);
                    buf.put_slice(&bytes[..n]);
                    n
                }))?;
                Poll::Ready(Ok(()))
            }
        }

        impl AsyncBufRead for $ty {
            fn poll_fill_buf(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<io::Result<&[u8]>> {
                let core = &mut self.get_mut().core;
                core.rd.poll_fill_buf(cx, &core.sock.fd, 0)
            }

            fn consume(self: Pin<&mut Self>, amt: usize) {
                self.get_mut().core.rd.consume(amt);
            }
        }
    };
}

macro_rules! tokio_write {
    ($ty:ty) => {
        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                let core = &mut self.get_mut().core;
                core.wr.poll_write(cx, &core.sock.fd, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                let core = &mut self.get_mut().core;
                core.wr.poll_write_vectored(cx, &core.sock.fd, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let core = &mut self.get_mut().core;
                core.wr.poll_drain(cx, &core.sock.fd)
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let core = &mut self.get_mut().core;
                poll_shutdown_write(cx, &mut core.wr, &core.sock)
            }
        }
    };
}

tokio_read!(TcpStream);
tokio_write!(TcpStream);
tokio_read!(UnixStream);
tokio_write!(UnixStream);
tokio_read!(tcp::OwnedReadHalf);
tokio_write!(tcp::OwnedWriteHalf);
tokio_read!(unix::OwnedReadHalf);
tokio_write!(unix::OwnedWriteHalf);
