//! `IORING_OP_SEND_ZC`: a send the kernel makes straight from the caller's
//! pages.
//!
//! It completes in two CQEs: the result (`IORING_CQE_F_MORE` set, the byte
//! count or `-errno`), then, once the network stack has let go of the
//! pages, a notification (`IORING_CQE_F_NOTIF`, no `F_MORE`). A send that
//! fails at once has only the one CQE. The buffer is the kernel's until the
//! last CQE, so [`SendZc`] runs through a multishot-style cell (CQEs with
//! `F_MORE` are not final) and [`ZeroCopySend`] gives the buffer back only
//! after the final one.

use crate::buf::{sqe_len, IoBuf};
use crate::SharedFd;
use io_uring::{opcode, squeue::Entry};

/// A zero-copy `send(2)` of the initialised bytes of `buf` on socket `fd`
/// (`MSG_NOSIGNAL` always added). Await it with [`submit_send_zc`](crate::op::submit_send_zc).
#[derive(Debug)]
pub struct SendZc<B> {
    fd: SharedFd,
    pub(crate) buf: B,
}

impl<B: IoBuf> SendZc<B> {
    /// Sends `buf` on socket `fd`.
    pub fn new(fd: &SharedFd, buf: B) -> Self {
        Self {
            fd: fd.clone(),
            buf,
        }
    }

    /// The SQE. The pointer stays valid while `self` lives in its cell,
    /// which the reactor keeps until the final CQE.
    pub(crate) fn create_entry(&mut self) -> Entry {
        let len = sqe_len(self.buf.bytes_init());
        opcode::SendZc::new(self.fd.fd(), self.buf.stable_ptr(), len)
            .flags(libc::MSG_NOSIGNAL)
            .build()
    }
}
