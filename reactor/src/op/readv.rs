//! `IORING_OP_READV` into owned buffers.

use super::{sys, OpCode, Perform};
use crate::buf::{BufResult, IoBufMut};
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::io;

/// The iovec array of a vectored op; its pointers aim into buffers the same
/// op owns.
pub(crate) struct IoVecs(pub(crate) Vec<libc::iovec>);

// SAFETY: the raw pointers inside point into buffers owned by the same op
// (which are Send); the array is only read by the kernel and never
// dereferenced by Rust code.
unsafe impl Send for IoVecs {}

/// `IOV_MAX`: the most iovecs one vectored op takes.
pub(crate) const IOV_MAX: usize = 1024;

pub(crate) fn check_count(n: usize) -> io::Result<()> {
    if n > IOV_MAX {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("vectored I/O takes at most {IOV_MAX} buffers, got {n}"),
        ));
    }
    Ok(())
}

/// Reads into each buffer in turn (from its start, up to its capacity) at
/// `offset`.
pub struct Readv<B> {
    fd: SharedFd,
    bufs: Vec<B>,
    iovecs: IoVecs,
    offset: u64,
}

impl<B: IoBufMut> Readv<B> {
    /// A vectored read of `fd` at `offset`.
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
// entries point into `bufs` (IoBufMuts owned by `self`); neither moves.
unsafe impl<B: IoBufMut> OpCode for Readv<B> {
    type Output = BufResult<usize, Vec<B>>;
    fn create_entry(&mut self) -> Entry {
        self.iovecs.0 = self
            .bufs
            .iter_mut()
            .map(|b| libc::iovec {
                iov_base: b.stable_mut_ptr().cast(),
                iov_len: b.bytes_total(),
            })
            .collect();
        let n = self.iovecs.0.len() as u32;
        opcode::Readv::new(self.fd.fd(), self.iovecs.0.as_ptr(), n)
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
                Some(at) => libc::preadv(self.fd.raw(), iov, n, at),
                None => libc::readv(self.fd.raw(), iov, n),
            }
        };
        sys::cvt(r as _)
    }
    fn complete(mut self, result: io::Result<u32>, _flags: u32) -> BufResult<usize, Vec<B>> {
        let result = result.map(|n| n as usize);
        if let Ok(mut left) = result {
            for b in &mut self.bufs {
                let n = left.min(b.bytes_total());
                // `readv` fills each iovec to its length before the next and
                // reports the bytes stored; `n` is this buffer's share,
                // clamped to its length.
                // SAFETY: so this buffer's first `n` bytes were stored.
                unsafe { b.set_init(n) };
                left -= n;
            }
        }
        (result, self.bufs)
    }
}
