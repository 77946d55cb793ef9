//! The `msghdr` of a `sendmsg`/`recvmsg` op, with the iovecs and the
//! address it points at, all on the heap and owned by the op (rule 2).

use super::sockaddr::RawAddr;

/// A `msghdr` and everything it points at except the data buffers (which
/// the op owns beside it).
pub(crate) struct MsgHdr {
    hdr: libc::msghdr,
    iovecs: Vec<libc::iovec>,
    addr: Option<RawAddr>,
}

// SAFETY: the raw pointers inside point into this struct's own heap fields
// and into buffers owned by the same op (which are Send); Rust code never
// dereferences them, only the kernel does while the op is in flight.
unsafe impl Send for MsgHdr {}

impl MsgHdr {
    /// A header for `iovecs` and `addr` (the destination of a send, or room
    /// for the sender of a receive); boxed so that its address is stable.
    pub(crate) fn new(iovecs: Vec<libc::iovec>, addr: Option<RawAddr>) -> Box<Self> {
        // SAFETY: msghdr is plain old data; all-zero is a valid (empty) one.
        let hdr = unsafe { std::mem::zeroed() };
        Box::new(Self { hdr, iovecs, addr })
    }

    /// Points the header at the iovecs and the address, and returns it for
    /// the SQE. Valid while `self` lives and is not touched.
    pub(crate) fn as_ptr(&mut self) -> *mut libc::msghdr {
        self.hdr.msg_iov = self.iovecs.as_mut_ptr();
        self.hdr.msg_iovlen = self.iovecs.len();
        match &mut self.addr {
            Some(a) => {
                self.hdr.msg_name = (&mut a.storage as *mut libc::sockaddr_storage).cast();
                self.hdr.msg_namelen = a.len;
            }
            None => {
                self.hdr.msg_name = std::ptr::null_mut();
                self.hdr.msg_namelen = 0;
            }
        }
        &mut self.hdr
    }

    /// After a receive: the sender's address, its length as the kernel
    /// reported it.
    pub(crate) fn take_addr(&mut self) -> Option<RawAddr> {
        let mut addr = self.addr.take()?;
        addr.len = self.hdr.msg_namelen;
        Some(addr)
    }

    /// After a receive: the `msg_flags` the kernel reported (`MSG_TRUNC`…).
    pub(crate) fn flags(&self) -> i32 {
        self.hdr.msg_flags
    }
}
