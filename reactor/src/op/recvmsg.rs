//! `IORING_OP_RECVMSG` into owned buffers.

use super::msghdr::MsgHdr;
use super::readv::check_count;
use super::sockaddr::RawAddr;
use super::{sys, Interest, OpCode, Perform};
use crate::buf::{BufResult, IoBufMut};
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::io;

/// What a [`RecvMsg`] received besides the bytes.
#[derive(Debug)]
pub struct RecvMsgOut {
    /// Bytes received: what the buffers hold, except with `MSG_TRUNC` in
    /// the op's flags on a datagram socket, where it is the datagram's full
    /// length and may exceed them (the buffers hold what fit).
    pub len: usize,
    /// The sender (its family is `AF_UNSPEC` when the socket reports none,
    /// as connected stream sockets do).
    pub addr: RawAddr,
    /// `msg_flags` (`MSG_TRUNC` when the datagram did not fit).
    pub flags: i32,
}

/// `recvmsg(2)` into each buffer in turn (from its start, up to its
/// capacity), with the sender's address.
pub struct RecvMsg<B> {
    fd: SharedFd,
    bufs: Vec<B>,
    msg: Box<MsgHdr>,
    flags: i32,
}

impl<B: IoBufMut> RecvMsg<B> {
    /// Receives one message on socket `fd` into `bufs` with `flags`.
    ///
    /// # Errors
    /// `InvalidInput` for more than 1024 buffers, handed back with them.
    pub fn new(fd: &SharedFd, mut bufs: Vec<B>, flags: i32) -> Result<Self, (io::Error, Vec<B>)> {
        if let Err(e) = check_count(bufs.len()) {
            return Err((e, bufs));
        }
        let iovecs = bufs
            .iter_mut()
            .map(|b| libc::iovec {
                iov_base: b.stable_mut_ptr().cast(),
                iov_len: b.bytes_total(),
            })
            .collect();
        Ok(Self {
            fd: fd.clone(),
            bufs,
            msg: MsgHdr::new(iovecs, Some(RawAddr::empty())),
            flags,
        })
    }
}

// SAFETY: the SQE points at `msg` (a Box owned by `self`), which points at
// its own heap iovec array and address storage and into `bufs` (IoBufMuts
// owned by `self`, whose memory does not move).
unsafe impl<B: IoBufMut> OpCode for RecvMsg<B> {
    type Output = BufResult<RecvMsgOut, Vec<B>>;
    fn create_entry(&mut self) -> Entry {
        opcode::RecvMsg::new(self.fd.fd(), self.msg.as_ptr())
            .flags(self.flags as u32)
            .build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::OnReadiness {
            fd: &self.fd,
            interest: Interest::Read,
        }
    }
    fn perform(&mut self) -> io::Result<u32> {
        let flags = self.flags | libc::MSG_DONTWAIT;
        // SAFETY: `msg` points at its own iovecs and address storage and
        // into `bufs`, all owned by `self` for the whole call.
        let n = unsafe { libc::recvmsg(self.fd.raw(), self.msg.as_ptr(), flags) };
        sys::cvt(n as _)
    }
    fn complete(mut self, result: io::Result<u32>, _flags: u32) -> Self::Output {
        let n = match result {
            Ok(n) => n as usize,
            Err(e) => return (Err(e), self.bufs),
        };
        let mut left = n;
        for b in &mut self.bufs {
            let filled = left.min(b.bytes_total());
            // The kernel fills the iovecs in order, each to its length
            // before the next, and stores `min(n, total length)` bytes (`n`
            // is a datagram's full length under `MSG_TRUNC`); `filled` is
            // this buffer's share, clamped to its length.
            // SAFETY: so this buffer's first `filled` bytes were stored.
            unsafe { b.set_init(filled) };
            left -= filled;
        }
        let out = RecvMsgOut {
            len: n,
            addr: self.msg.take_addr().unwrap_or_else(RawAddr::empty),
            flags: self.msg.flags(),
        };
        (Ok(out), self.bufs)
    }
}
