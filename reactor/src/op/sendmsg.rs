//! `IORING_OP_SENDMSG` from owned buffers.

use super::msghdr::MsgHdr;
use super::readv::check_count;
use super::sockaddr::RawAddr;
use super::{sys, Interest, OpCode, Perform};
use crate::buf::{BufResult, IoBuf};
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::io;

/// `sendmsg(2)` of the initialised bytes of each buffer in turn, as one
/// message (one datagram, or a gathered stream write without copying), to
/// `addr` or the connected peer. `MSG_NOSIGNAL` is always added.
pub struct SendMsg<B> {
    fd: SharedFd,
    bufs: Vec<B>,
    msg: Box<MsgHdr>,
    flags: i32,
}

impl<B: IoBuf> SendMsg<B> {
    /// Sends `bufs` on socket `fd` to `addr` (`None`: the connected peer)
    /// with `flags` (`MSG_*`).
    ///
    /// # Errors
    /// `InvalidInput` for more than 1024 buffers, handed back with them.
    pub fn new(
        fd: &SharedFd,
        bufs: Vec<B>,
        addr: Option<RawAddr>,
        flags: i32,
    ) -> Result<Self, (io::Error, Vec<B>)> {
        if let Err(e) = check_count(bufs.len()) {
            return Err((e, bufs));
        }
        let iovecs = bufs
            .iter()
            .map(|b| libc::iovec {
                iov_base: b.stable_ptr() as *mut _,
                iov_len: b.bytes_init(),
            })
            .collect();
        Ok(Self {
            fd: fd.clone(),
            bufs,
            msg: MsgHdr::new(iovecs, addr),
            flags,
        })
    }
}

// SAFETY: the SQE points at `msg` (a Box owned by `self`), which points at
// its own heap iovec array and address and into `bufs` (IoBufs owned by
// `self`, whose memory does not move).
unsafe impl<B: IoBuf> OpCode for SendMsg<B> {
    type Output = BufResult<usize, Vec<B>>;
    fn create_entry(&mut self) -> Entry {
        let flags = (self.flags | libc::MSG_NOSIGNAL) as u32;
        opcode::SendMsg::new(self.fd.fd(), self.msg.as_ptr())
            .flags(flags)
            .build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::OnReadiness {
            fd: &self.fd,
            interest: Interest::Write,
        }
    }
    fn perform(&mut self) -> io::Result<u32> {
        let flags = self.flags | libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT;
        // SAFETY: `msg` points at its own iovecs and address and into
        // `bufs`, all owned by `self` for the whole call.
        let n = unsafe { libc::sendmsg(self.fd.raw(), self.msg.as_ptr(), flags) };
        sys::cvt(n as _)
    }
    fn complete(self, result: io::Result<u32>, _flags: u32) -> BufResult<usize, Vec<B>> {
        (result.map(|n| n as usize), self.bufs)
    }
}
