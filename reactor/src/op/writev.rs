//! `IORING_OP_WRITEV` from owned buffers.

use super::readv::{check_count, IoVecs};
use super::{sys, OpCode, Perform};
use crate::buf::{BufResult, IoBuf};
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::io;

/// Writes the initialised bytes of each buffer in turn at `offset`.
pub struct Writev<B> {
    fd: SharedFd,
    bufs: Vec<B>,
    iovecs: IoVecs,
    offset: u64,
}

impl<B: IoBuf> Writev<B> {
    /// A vectored write to `fd` at `offset`.
    ///
    /// # Errors
    /// `InvalidInput` for more than 1024 buffers.
    pub fn new(fd: &SharedFd, bufs: Vec<B>, offset: u64) -> io::Result<Self> {
        check_count(bufs.len())?;
        Ok(Self {
            fd: fd.clone(),
            bufs,
            iovecs: IoVecs(Vec::new()),
            offset,
        })
    }
}

// SAFETY: the SQE points at `iovecs` (a heap array owned by `self`), whose
// entries point into `bufs` (IoBufs owned by `self`); neither moves.
unsafe impl<B: IoBuf> OpCode for Writev<B> {
    type Output = BufResult<usize, Vec<B>>;
    fn create_entry(&mut self) -> Entry {
        self.iovecs.0 = self
            .bufs
            .iter()
            .map(|b| libc::iovec {
                iov_base: b.stable_ptr() as *mut _,
                iov_len: b.bytes_init(),
            })
            .collect();
        let n = self.iovecs.0.len() as u32;
        opcode::Writev::new(self.fd.fd(), self.iovecs.0.as_ptr(), n)
            .offset(self.offset)
            .build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::OnBlockingPool
    }
    fn perform(&mut self) -> io::Result<u32> {
        // Same iovecs as the SQE's.
        let _ = self.create_entry();
        let (iov, n) = (self.iovecs.0.as_ptr(), self.iovecs.0.len() as libc::c_int);
        // SAFETY: `iov` is `n` iovecs owned by `self`, each pointing into a
        // buffer `self` owns, all alive for the whole call.
        let r = unsafe {
            match sys::offset(self.offset) {
                Some(at) => libc::pwritev(self.fd.raw(), iov, n, at),
                None => libc::writev(self.fd.raw(), iov, n),
            }
        };
        sys::cvt(r as _)
    }
    fn complete(self, result: io::Result<u32>, _flags: u32) -> BufResult<usize, Vec<B>> {
        (result.map(|n| n as usize), self.bufs)
    }
}
