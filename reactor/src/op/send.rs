//! `IORING_OP_SEND`.

use super::{sys, Interest, OpCode, Perform};
use crate::buf::{sqe_len, BufResult, IoBuf};
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::io;

/// `send(2)` of the initialised bytes of `buf`; `MSG_NOSIGNAL` is always
/// added (a closed peer is `EPIPE`, not a signal). More than `u32::MAX`
/// bytes are asked for as `u32::MAX` (a short send is legal).
#[derive(Debug)]
pub struct Send<B> {
    fd: SharedFd,
    buf: B,
    flags: i32,
}

impl<B: IoBuf> Send<B> {
    /// Sends `buf` on socket `fd` with `flags` (`MSG_*`).
    pub fn new(fd: &SharedFd, buf: B, flags: i32) -> Self {
        Self {
            fd: fd.clone(),
            buf,
            flags,
        }
    }
}

// SAFETY: the SQE points into `buf`, an IoBuf owned by `self`.
unsafe impl<B: IoBuf> OpCode for Send<B> {
    type Output = BufResult<usize, B>;
    fn create_entry(&mut self) -> Entry {
        let len = sqe_len(self.buf.bytes_init());
        opcode::Send::new(self.fd.fd(), self.buf.stable_ptr(), len)
            .flags(self.flags | libc::MSG_NOSIGNAL)
            .build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::OnReadiness {
            fd: &self.fd,
            interest: Interest::Write,
        }
    }
    fn perform(&mut self) -> io::Result<u32> {
        let len = sqe_len(self.buf.bytes_init()) as usize;
        let ptr = self.buf.stable_ptr().cast();
        let flags = self.flags | libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT;
        // SAFETY: `ptr` points at `len` initialised bytes of `buf`, which
        // `self` owns for the whole call.
        let n = unsafe { libc::send(self.fd.raw(), ptr, len, flags) };
        sys::cvt(n as _)
    }
    fn complete(self, result: io::Result<u32>, _flags: u32) -> BufResult<usize, B> {
        (result.map(|n| n as usize), self.buf)
    }
}
