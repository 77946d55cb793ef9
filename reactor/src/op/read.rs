//! `IORING_OP_READ` into an owned buffer.

use super::{sys, OpCode, Perform};
use crate::buf::{sqe_len, BufResult, IoBufMut};
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::io;

/// Reads into the start of `buf` (up to its capacity) at `offset`
/// (`u64::MAX`: the file position; ignored by pipes and sockets). A
/// capacity over `u32::MAX` is asked for as `u32::MAX` bytes: a short read
/// is legal and the count says what was read.
#[derive(Debug)]
pub struct Read<B> {
    fd: SharedFd,
    buf: B,
    offset: u64,
}

impl<B: IoBufMut> Read<B> {
    /// A read of `fd` into `buf` at `offset`.
    pub fn new(fd: &SharedFd, buf: B, offset: u64) -> Self {
        Self {
            fd: fd.clone(),
            buf,
            offset,
        }
    }
}

// SAFETY: the SQE points into `buf`, an IoBufMut owned by `self` whose
// memory does not move with it.
unsafe impl<B: IoBufMut> OpCode for Read<B> {
    type Output = BufResult<usize, B>;
    fn create_entry(&mut self) -> Entry {
        let len = sqe_len(self.buf.bytes_total());
        opcode::Read::new(self.fd.fd(), self.buf.stable_mut_ptr(), len)
            .offset(self.offset)
            .build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::OnBlockingPool
    }
    fn perform(&mut self) -> io::Result<u32> {
        let len = sqe_len(self.buf.bytes_total()) as usize;
        let ptr = self.buf.stable_mut_ptr().cast();
        // SAFETY: `ptr` points at `len` writable bytes of `buf`, which
        // `self` owns for the whole call.
        let n = unsafe {
            match sys::offset(self.offset) {
                Some(at) => libc::pread(self.fd.raw(), ptr, len, at),
                None => libc::read(self.fd.raw(), ptr, len),
            }
        };
        sys::cvt(n as _)
    }
    fn complete(mut self, result: io::Result<u32>, _flags: u32) -> BufResult<usize, B> {
        let result = result.map(|n| n as usize);
        if let Ok(n) = result {
            // A read reports the bytes it stored from the start of the
            // buffer, never more than it was asked for (`bytes_total`, or
            // less); `set_init` clamps to `bytes_total` in any case.
            // SAFETY: so the bytes it marks are the ones the kernel stored.
            unsafe { self.buf.set_init(n) };
        }
        (result, self.buf)
    }
}
