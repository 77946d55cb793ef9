//! ringbolt-net: TCP, UDP and Unix sockets on io_uring.
//!
//! Stream sockets ([`TcpStream`], [`UnixStream`]) do their I/O with ring
//! ops — `socket`, `connect`, `accept`, `send`, `recv`, `shutdown` — on the
//! ring of the worker that polls them, and may move between workers
//! between (and during) operations. Reads and writes take owned buffers
//! and give them back ([`BufResult`](ringbolt_reactor::BufResult)); the
//! `futures-io` `AsyncRead`/`AsyncBufRead`/`AsyncWrite` traits are
//! implemented on top, with internal buffers, for the ecosystem
//! (`futures::io::copy`, codecs, line readers, hyper through
//! `ringbolt-hyper`).
//!
//! On the readiness driver (where the host denies io_uring) the same
//! types make non-blocking system calls retried when the socket is ready
//! (epoll), with the same owned buffers, results and cancellation rules;
//! [`TcpStream::recv_stream`] then receives into heap buffers.
//!
//! # Cancellation
//!
//! Dropping an I/O future never blocks and never loses received stream
//! data:
//!
//! - **Reads.** A stream read dropped while its `recv` is in flight is not
//!   cancelled: the op, still owning its buffer, is parked in the stream (or
//!   read half). The next read on that stream — from any task, on any worker —
//!   first finishes the parked op and hands out its bytes before receiving
//!   more, so every byte arrives once and in order. (Cancelling the op
//!   instead could race with the kernel having already consumed the data
//!   into a buffer that would then be freed.) A dropped `peek` consumes
//!   nothing and is simply cancelled. The buffer given to the dropped read
//!   is not returned; its bytes are copied into the next read's buffer,
//!   which is why stream reads take a [`ReadBuf`].
//! - **Writes.** A dropped `write` is cancelled; some prefix of its bytes
//!   may have been sent (as with any cancelled `send`), so a stream whose
//!   write was cancelled midway should be treated as broken. Bytes accepted
//!   by `AsyncWrite::poll_write` are sent (write-behind), and `poll_flush`
//!   reports their failure.
//! - **Dropping a stream or a write half** with write-behind bytes still
//!   unsent does not lose them: a task of the current runtime finishes the
//!   send and only then shuts down the write direction, so the peer sees
//!   every byte and then the end of the stream. That task holds at most
//!   256 KiB (one `poll_write`), gives up after 30 s, and is dropped by the
//!   runtime's shutdown like any task, so a peer that never reads cannot
//!   hold anything for ever; when it gives up, the send is cancelled and
//!   the peer sees a prefix of the bytes and then the end of the stream. A
//!   stream dropped on a thread with no runtime cancels the send at once.
//!   Flush (or `close`) before dropping to learn whether the bytes went out.
//! - **Accept.** A dropped accept closes the connection it may have taken.
//!   Dropping an `incoming` stream closes every connection its multishot
//!   accept had taken but not yielded.
//! - **Recv streams.** Dropping a [`RecvStream`] cancels its multishot
//!   receive and parks it like a read: the next read hands out the bytes
//!   the kernel had already put in buffers.
//! - **Datagrams.** The exception: a dropped `recv_from`/`recv` on a
//!   datagram socket is cancelled, and a datagram the kernel was handing to
//!   it is lost, as if the network had dropped it.
//!
//! Sends use `MSG_NOSIGNAL`: writing to a reset or closed peer is
//! `BrokenPipe`/`ConnectionReset`, never `SIGPIPE`.
//!
//! # Multishot and provided buffers
//!
//! - [`TcpListener::incoming`] runs on one multishot accept op, re-armed
//!   when the kernel ends it; connections it accepted that the stream
//!   never yielded are closed when the stream is dropped.
//! - [`TcpStream::recv_stream`] (also on [`UnixStream`] and the read
//!   halves, [`OwnedReadHalf`] and [`unix::OwnedReadHalf`]) receives with
//!   one multishot `recv` into the worker ring's provided-buffer pool and
//!   yields [`RingBuf`]s; see [`RecvStream`] for the measurements of when
//!   it pays off.
//!
//! # Owned halves
//!
//! [`TcpStream::into_split`] and [`UnixStream::into_split`] give a read
//! half and a write half that move to different tasks (and workers) and
//! [`reunite`](OwnedReadHalf::reunite) back into the stream. TCP's are
//! [`OwnedReadHalf`] and [`OwnedWriteHalf`] (also in [`tcp`]), Unix's
//! [`unix::OwnedReadHalf`] and [`unix::OwnedWriteHalf`].
//!
//! # Datagrams and vectored writes
//!
//! [`UdpSocket`] and [`UnixDatagram`] take owned buffers: `send_to` is a
//! ring `sendmsg` carrying the destination, `recv_from` a ring `recvmsg`
//! reporting the sender. [`TcpStream::write_vectored`] is one `sendmsg`
//! (`MSG_NOSIGNAL`) straight from the caller's buffers. Socket options and
//! addresses are ordinary syscalls through `socket2::SockRef` on the
//! socket's one descriptor.
//!
//! # Descriptors
//!
//! Every socket, listener and owned half implements `AsFd` and `AsRawFd`
//! (set any option the API lacks through `socket2::SockRef::from(&socket)`).
//! Every socket and listener also converts from an `OwnedFd`, a raw fd or
//! a `socket2::Socket`, and back into them (`IntoRawFd`, `From<_> for
//! OwnedFd`, `From<_> for socket2::Socket`, and the fallible `into_std`).
//! Taking the descriptor out follows the op protocol's rule 9: while ops
//! still hold it (an abandoned op waiting for its final CQE) the caller
//! gets a duplicate, so closing it never frees a number the kernel still
//! works on; bytes received but not yet read and unflushed write-behind
//! bytes are dropped. Descriptors given in may be blocking or not (they are
//! switched to blocking mode, as `from_std` does).
//!
//! # tokio's I/O traits
//!
//! With the `tokio-io` feature, streams and their halves implement
//! `tokio::io::AsyncRead` and `AsyncWrite`, and the read sides
//! `AsyncBufRead`, on the same internal buffers as the `futures-io`
//! traits and with the same cancellation guarantee, so crates written for
//! tokio's traits (tokio-rustls, tokio-util's codecs) run on ringbolt
//! sockets. It needs only tokio's trait definitions: no tokio runtime runs.
//!
//! # What is not a ring op (yet)
//!
//! - Name resolution ([`lookup_host`]) runs on the blocking pool.
//! - [`UnixStream::connect`] runs a non-blocking `connect(2)` and waits
//!   with a ring poll op: the reactor's connect op takes IP addresses only.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use ringbolt_net::TcpListener;
//! let listener = TcpListener::bind(([127, 0, 0, 1], 0))?;
//! let (mut stream, _peer) = listener.accept().await?;
//! loop {
//!     let (n, buf) = stream.read(Vec::with_capacity(4096)).await;
//!     if n? == 0 {
//!         break;
//!     }
//!     let (res, _) = stream.write_all(buf).await;
//!     res?;
//! }
//! # Ok(()) }
//! ```
// `FromRawFd` is an unsafe trait method: `fd.rs` alone allows it.
#![deny(unsafe_code)]

mod addr;
mod buf;
mod dgram;
mod fd;
mod io_compat;
mod read_side;
mod recv_stream;
mod stream_core;
mod sys;
pub mod tcp;
#[cfg(feature = "tokio-io")]
mod tokio_io;
mod udp;
pub mod unix;
mod write_side;

pub use addr::lookup_host;
pub use buf::ReadBuf;
pub use recv_stream::RecvStream;
pub use ringbolt_reactor::{BufRingConfig, RingBuf};
pub use tcp::{OwnedReadHalf, OwnedWriteHalf, TcpListener, TcpSocket, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixStream};
