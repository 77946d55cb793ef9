//! `IORING_OP_CLOSE`.

use super::path::unit;
use super::{sys, OpCode, Perform};
use crate::fd::into_raw;
use io_uring::{opcode, squeue::Entry, types};
use std::io;
use std::os::fd::OwnedFd;

/// Closes an fd through the ring and reports `close`'s result. If the op
/// is dropped before it is submitted, the fd is closed with `close(2)`.
#[derive(Debug)]
pub struct Close {
    fd: Option<OwnedFd>,
}

impl Close {
    /// A close of `fd`. Usually reached through
    /// [`SharedFd::close`](crate::SharedFd::close), which first waits for
    /// every op on the fd.
    pub fn new(fd: OwnedFd) -> Self {
        Self { fd: Some(fd) }
    }
}

// SAFETY: the SQE points at no memory; the fd's ownership passes to the
// kernel, which closes it whatever happens to the op.
unsafe impl OpCode for Close {
    type Output = io::Result<()>;
    fn create_entry(&mut self) -> Entry {
        let fd = into_raw(self.fd.take().expect("close op built once"));
        opcode::Close::new(types::Fd(fd)).build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::OnBlockingPool
    }
    fn perform(&mut self) -> io::Result<u32> {
        let fd = into_raw(self.fd.take().expect("close op performed once"));
        // SAFETY: the descriptor was ours alone (taken out of its
        // `OwnedFd`), and is closed exactly once, here.
        let r = unsafe { libc::close(fd) };
        sys::cvt(r as _)
    }
    fn complete(self, result: io::Result<u32>, _flags: u32) -> io::Result<()> {
        unit(result)
    }
}
