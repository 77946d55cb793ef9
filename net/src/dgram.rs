//! Datagram I/O shared by [`UdpSocket`](crate::UdpSocket) and
//! [`UnixDatagram`](crate::UnixDatagram): one owned buffer per call, sent
//! with a ring `sendmsg` (to an address) or `send`, received with a ring
//! `recvmsg` (with the sender's address) or `recv`.

use ringbolt_reactor::op::{RawAddr, Recv, RecvMsg, Send, SendMsg};
use ringbolt_reactor::{submit, BufResult, IoBuf, IoBufMut, SharedFd};

/// Sends `buf` as one datagram to `addr`.
pub(crate) async fn send_to<B: IoBuf>(fd: &SharedFd, buf: B, addr: RawAddr) -> BufResult<usize, B> {
    let op = match SendMsg::new(fd, vec![buf], Some(addr), 0) {
        Ok(op) => op,
        Err((e, mut bufs)) => return (Err(e), one(&mut bufs)),
    };
    let (res, mut bufs) = submit(op).await;
    (res, one(&mut bufs))
}

/// Receives one datagram into `buf`, with its sender.
pub(crate) async fn recv_from<B: IoBufMut>(
    fd: &SharedFd,
    buf: B,
) -> BufResult<(usize, RawAddr), B> {
    let op = match RecvMsg::new(fd, vec![buf], 0) {
        Ok(op) => op,
        Err((e, mut bufs)) => return (Err(e), one(&mut bufs)),
    };
    let (res, mut bufs) = submit(op).await;
    let buf = one(&mut bufs);
    // The count is the bytes stored, not the datagram's full length.
    let cap = buf.bytes_total();
    (res.map(|out| (out.len.min(cap), out.addr)), buf)
}

/// Sends `buf` as one datagram to the connected peer.
pub(crate) async fn send<B: IoBuf>(fd: &SharedFd, buf: B) -> BufResult<usize, B> {
    submit(Send::new(fd, buf, 0)).await
}

/// Receives one datagram from the connected peer.
pub(crate) async fn recv<B: IoBufMut>(fd: &SharedFd, buf: B) -> BufResult<usize, B> {
    submit(Recv::new(fd, buf, 0)).await
}

/// The single buffer a one-buffer op gives back.
fn one<B>(bufs: &mut Vec<B>) -> B {
    bufs.pop().expect("a one-buffer op gives its buffer back")
}
