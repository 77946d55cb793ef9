//! `IORING_OP_ACCEPT`.

use super::sockaddr::RawAddr;
use super::{sys, Interest, OpCode, Perform};
use crate::fd::close_raw;
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::io;
use std::net::SocketAddr;
use std::os::fd::{FromRawFd, OwnedFd};

/// `accept4(2)` with `SOCK_CLOEXEC`. Yields the connection and the peer's
/// address (`None` for non-IP sockets). An abandoned op's connection is
/// closed by the home ring.
pub struct Accept {
    fd: SharedFd,
    addr: Box<RawAddr>,
}

impl Accept {
    /// Accepts one connection on listening socket `fd`.
    pub fn new(fd: &SharedFd) -> Self {
        Self {
            fd: fd.clone(),
            addr: Box::new(RawAddr::empty()),
        }
    }
}

// SAFETY: the SQE points at `addr.storage` and `addr.len`, inside a Box
// owned by `self`.
unsafe impl OpCode for Accept {
    type Output = io::Result<(OwnedFd, Option<SocketAddr>)>;
    fn create_entry(&mut self) -> Entry {
        let addr = &mut *self.addr;
        opcode::Accept::new(
            self.fd.fd(),
            (&mut addr.storage as *mut libc::sockaddr_storage).cast(),
            &mut addr.len,
        )
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
        // A blocking listener could block here when another thread took
        // the connection first.
        self.fd.ensure_nonblocking()?;
        let addr = &mut *self.addr;
        addr.len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        let storage = (&mut addr.storage as *mut libc::sockaddr_storage).cast();
        // SAFETY: `storage` and `len` live in a Box owned by `self`, for
        // the whole call.
        let r = unsafe { libc::accept4(self.fd.raw(), storage, &mut addr.len, libc::SOCK_CLOEXEC) };
        sys::cvt(r as _)
    }
    fn complete(self, result: io::Result<u32>, _flags: u32) -> Self::Output {
        // SAFETY: a successful accept returns a new fd nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(result? as i32) };
        Ok((fd, self.addr.to_std()))
    }
    fn abandoned(self, result: io::Result<u32>, _flags: u32) {
        if let Ok(fd) = result {
            close_raw(fd);
        }
    }
}
