//! `IORING_OP_CONNECT`.

use super::path::unit;
use super::sockaddr::RawAddr;
use super::OpCode;
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};
use std::io;
use std::net::SocketAddr;

/// `connect(2)` to an IP address.
pub struct Connect {
    fd: SharedFd,
    addr: Box<RawAddr>,
}

impl Connect {
    /// Connects socket `fd` to `addr`.
    pub fn new(fd: &SharedFd, addr: SocketAddr) -> Self {
        Self {
            fd: fd.clone(),
            addr: Box::new(RawAddr::from_std(addr)),
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
    fn complete(self, result: io::Result<u32>, _flags: u32) -> io::Result<()> {
        unit(result)
    }
}
