//! Multishot `IORING_OP_ACCEPT`.

use super::{sys, Interest, MultishotOpCode, Perform};
use crate::fd::close_raw;
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};

/// `accept4(2)` with `SOCK_CLOEXEC`, repeated: one item per connection
/// (no peer address: ask the socket with `getpeername`). The kernel ends it
/// on an error (the final CQE, e.g. `EMFILE`) or when the CQ overflows;
/// re-submit to go on. Connections nobody collects (the stream was
/// dropped) are closed by the home ring.
#[derive(Debug)]
pub struct AcceptMulti {
    fd: SharedFd,
}

impl AcceptMulti {
    /// Accepts connections on listening socket `fd` until cancelled.
    pub fn new(fd: &SharedFd) -> Self {
        Self { fd: fd.clone() }
    }
}

// SAFETY: the SQE points at no memory.
unsafe impl MultishotOpCode for AcceptMulti {
    type Item = io::Result<OwnedFd>;
    type Context = ();
    fn create_entry(&mut self) -> Entry {
        opcode::AcceptMulti::new(self.fd.fd())
            .flags(libc::SOCK_CLOEXEC)
            .build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::OnReadiness {
            fd: &self.fd,
            interest: Interest::Read,
        }
    }
    fn perform(&mut self) -> io::Result<u32> {
        // As `Accept::perform`.
        self.fd.ensure_nonblocking()?;
        let null = std::ptr::null_mut();
        // SAFETY: plain system call asking for no peer address.
        let r = unsafe { libc::accept4(self.fd.raw(), null, null.cast(), libc::SOCK_CLOEXEC) };
        sys::cvt(r as _)
    }
    fn context(&self) {}
    fn item(_cx: &(), result: io::Result<u32>, _flags: u32) -> io::Result<OwnedFd> {
        // SAFETY: a successful accept CQE carries a new fd nobody else owns,
        // and each CQE is turned into an item (or abandoned) exactly once.
        Ok(unsafe { OwnedFd::from_raw_fd(result? as i32) })
    }
    fn abandoned_item(_cx: &(), result: io::Result<u32>, _flags: u32) {
        if let Ok(fd) = result {
            close_raw(fd);
        }
    }
}
