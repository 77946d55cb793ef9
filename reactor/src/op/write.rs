//! `IORING_OP_WRITE` from an owned buffer.

use super::{sys, OpCode, Perform};
use crate::buf::{sqe_len, BufResult, IoBuf};
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::io;

/// Writes the initialised bytes of `buf` at `offset` (`u64::MAX`: the file
/// position / append; ignored by pipes and sockets). More than `u32::MAX`
/// bytes are asked for as `u32::MAX`: a short write is legal and the count
/// says what was written.
#[derive(Debug)]
pub struct Write<B> {
    fd: SharedFd,
    buf: B,
    offset: u64,
}

impl<B: IoBuf> Write<B> {
    /// A write of `buf` to `fd` at `offset`.
    pub fn new(fd: &SharedFd, buf: B, offset: u64) -> Self {
        Self {
            fd: fd.clone(),
            buf,
            offset,
        }
    }
}

// SAFETY: the SQE points into `buf`, an IoBuf owned by `self` whose memory
// does not move with it.
unsafe impl<B: IoBuf> OpCode for Write<B> {
    type Output = BufResult<usize, B>;
    fn create_entry(&mut self) -> Entry {
        let len = sqe_len(self.buf.bytes_init());
        opcode::Write::new(self.fd.fd(), self.buf.stable_ptr(), len)
            .offset(self.offset)
            .build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::OnBlockingPool
    }
    fn perform(&mut self) -> io::Result<u32> {
        let len = sqe_len(self.buf.bytes_init()) as usize;
        let ptr = self.buf.stable_ptr().cast();
        // SAFETY: `ptr` points at `len` initialised bytes of `buf`, which
        // `self` owns for the whole call.
        let n = unsafe {
            match sys::offset(self.offset) {
                Some(at) => libc::pwrite(self.fd.raw(), ptr, len, at),
                None => libc::write(self.fd.raw(), ptr, len),
            }
        };
        sys::cvt(n as _)
    }
    fn complete(self, result: io::Result<u32>, _flags: u32) -> BufResult<usize, B> {
        (result.map(|n| n as usize), self.buf)
    }
}
