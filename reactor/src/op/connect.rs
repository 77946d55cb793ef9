//! `IORING_OP_CONNECT`.

use super::path::unit;
use super::sockaddr::RawAddr;
use super::{sys, Interest, OpCode, Perform};
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::io;
use std::net::SocketAddr;

/// `connect(2)` to an IP address.
pub struct Connect {
    fd: SharedFd,
    addr: Box<RawAddr>,
    /// Without a ring: the non-blocking `connect` was made and is in
    /// progress; later calls ask the socket how it ended.
    started: bool,
}

impl Connect {
    /// Connects socket `fd` to `addr`.
    pub fn new(fd: &SharedFd, addr: SocketAddr) -> Self {
        Self {
            fd: fd.clone(),
            addr: Box::new(RawAddr::from_std(addr)),
            started: false,
        }
    }
}

// SAFETY: the SQE points at `addr`, a Box owned by `self`.
unsafe impl OpCode for Connect {
    type Output = io::Result<()>;
    fn create_entry(&mut self) -> Entry {
        let ptr = &self.addr.storage as *const libc::sockaddr_storage;
        opcode::Connect::new(self.fd.fd(), ptr.cast(), self.addr.len).build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::OnReadiness {
            fd: &self.fd,
            interest: Interest::Write,
        }
    }
    fn perform(&mut self) -> io::Result<u32> {
        if self.started {
            return connect_result(&self.fd);
        }
        // A blocking socket's connect would wait for the handshake.
        self.fd.ensure_nonblocking()?;
        let ptr = &self.addr.storage as *const libc::sockaddr_storage;
        // SAFETY: `ptr` and `len` describe an address in a Box owned by
        // `self`, for the whole call.
        let r = unsafe { libc::connect(self.fd.raw(), ptr.cast(), self.addr.len) };
        match sys::cvt(r as _) {
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINPROGRESS | libc::EINTR)) => {
                self.started = true;
                Err(io::ErrorKind::WouldBlock.into())
            }
            other => other,
        }
    }
    fn complete(self, result: io::Result<u32>, _flags: u32) -> io::Result<()> {
        unit(result)
    }
}

/// How a non-blocking connect in progress ended: its error, success once
/// the socket has a peer, or `WouldBlock` while the handshake goes on.
fn connect_result(fd: &SharedFd) -> io::Result<u32> {
    let mut err: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `err` and `len` are live locals of the sizes passed.
    let r = unsafe {
        libc::getsockopt(
            fd.raw(),
            libc::SOL_SOCKET,
            libc::SO_ERROR,
            (&mut err as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    sys::cvt(r as _)?;
    if err != 0 {
        return Err(io::Error::from_raw_os_error(err));
    }
    let mut addr = RawAddr::empty();
    let storage = (&mut addr.storage as *mut libc::sockaddr_storage).cast();
    // SAFETY: `storage` and `len` are a live local address buffer.
    let r = unsafe { libc::getpeername(fd.raw(), storage, &mut addr.len) };
    match sys::cvt(r as _) {
        Ok(_) => Ok(0),
        Err(e) if e.raw_os_error() == Some(libc::ENOTCONN) => Err(io::ErrorKind::WouldBlock.into()),
        Err(e) => Err(e),
    }
}
