//! tokio's `AsyncRead`, `AsyncBufRead`, `AsyncWrite` and `AsyncSeek` for
//! [`FileStream`] (feature `tokio-io`): the `futures-io` impls of
//! `stream.rs` in tokio's shapes, on the same buffer and the same op in
//! flight, so they keep its cancellation guarantee (a dropped poll leaves
//! its op in the stream and loses no bytes). No tokio runtime is involved.

use crate::FileStream;
use futures_io::{AsyncBufRead as FutBufRead, AsyncSeek as FutSeek, AsyncWrite as FutWrite};
use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};

impl AsyncRead for FileStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        let data = ready!(FutBufRead::poll_fill_buf(self.as_mut(), cx))?;
        let n = data.len().min(buf.remaining());
        buf.put_slice(&data[..n]);
        FutBufRead::consume(self, n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncBufRead for FileStream {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        FutBufRead::poll_fill_buf(self, cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        FutBufRead::consume(self, amt);
    }
}

impl AsyncWrite for FileStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        FutWrite::poll_write(self, cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        FutWrite::poll_flush(self, cx)
    }

    /// Flushes; the descriptor itself is closed when the stream is dropped
    /// (or by [`FileStream::close`]).
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        FutWrite::poll_close(self, cx)
    }
}

impl AsyncSeek for FileStream {
    /// Records the target; [`poll_complete`](AsyncSeek::poll_complete)
    /// moves there.
    ///
    /// # Errors
    /// `Other` while an earlier seek has not been completed.
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        let this = self.get_mut();
        if this.tokio_seek.is_some() {
            return Err(io::Error::other(
                "a seek is still pending: call poll_complete before start_seek",
            ));
        }
        this.tokio_seek = Some(position);
        Ok(())
    }

    /// Completes the started seek (writing out buffered bytes first, and
    /// asking the kernel for the size for `SeekFrom::End`); with none
    /// started, the cursor.
    fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let Some(target) = self.tokio_seek else {
            return Poll::Ready(Ok(self.position()));
        };
        let res = ready!(FutSeek::poll_seek(self.as_mut(), cx, target));
        self.tokio_seek = None;
        Poll::Ready(res)
    }
}
