//! `IORING_OP_RECV`.

use super::{sys, Interest, OpCode, Perform};
use crate::buf::{sqe_len, BufResult, IoBufMut};
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::io;

/// `recv(2)` into the start of `buf` (up to its capacity, clamped to
/// `u32::MAX`: a short receive is legal).
///
/// The count is what `recv(2)` returns: the bytes stored, except with
/// `MSG_TRUNC` in the flags on a datagram socket, where it is the
/// datagram's full length and may exceed the buffer. The buffer is marked
/// initialised up to what the kernel stored, never past its capacity.
#[derive(Debug)]
pub struct Recv<B> {
    fd: SharedFd,
    buf: B,
    flags: i32,
}

impl<B: IoBufMut> Recv<B> {
    /// Receives on socket `fd` into `buf` with `flags` (`MSG_*`).
    pub fn new(fd: &SharedFd, buf: B, flags: i32) -> Self {
        Self {
            fd: fd.clone(),
            buf,
            flags,
        }
    }
}

// SAFETY: the SQE points into `buf`, an IoBufMut owned by `self`.
unsafe impl<B: IoBufMut> OpCode for Recv<B> {
    type Output = BufResult<usize, B>;
    fn create_entry(&mut self) -> Entry {
        let len = sqe_len(self.buf.bytes_total());
        opcode::Recv::new(self.fd.fd(), self.buf.stable_mut_ptr(), len)
            .flags(self.flags)
            .build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::OnReadiness {
            fd: &self.fd,
            interest: Interest::Read,
        }
    }
    fn perform(&mut self) -> io::Result<u32> {
        let len = sqe_len(self.buf.bytes_total()) as usize;
        let ptr = self.buf.stable_mut_ptr().cast();
        let flags = self.flags | libc::MSG_DONTWAIT;
        // SAFETY: `ptr` points at `len` writable bytes of `buf`, which
        // `self` owns for the whole call.
        let n = unsafe { libc::recv(self.fd.raw(), ptr, len, flags) };
        sys::cvt(n as _)
    }
    fn complete(mut self, result: io::Result<u32>, _flags: u32) -> BufResult<usize, B> {
        let result = result.map(|n| n as usize);
        if let Ok(n) = result {
            // The kernel stored `min(n, bytes_total)` bytes from the start of
            // the buffer: `n` itself unless `MSG_TRUNC` made it a datagram's
            // full length. `set_init` clamps to `bytes_total`.
            // SAFETY: so the bytes it marks are the ones the kernel stored.
            unsafe { self.buf.set_init(n) };
        }
        (result, self.buf)
    }
}
