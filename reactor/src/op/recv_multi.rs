//! Multishot `IORING_OP_RECV` into a provided-buffer ring.

use super::{sys, MultishotOpCode, Perform};
use crate::buf_ring::{BufPool, RingBuf};
use crate::reactor::with_current;
use crate::SharedFd;
use io_uring::{cqueue, opcode, squeue::Entry};
use std::io;
use std::sync::Arc;

/// `recv(2)` repeated: each CQE names a buffer of `pool` the kernel
/// filled. Ends (a CQE without `F_MORE`) on end of stream (`Ok(None)`), an
/// error, or `ENOBUFS` when the pool ran dry. Crate-private: the stream in
/// `recv_stream.rs` guarantees it is submitted on the pool's home ring.
pub(crate) struct RecvMulti {
    fd: SharedFd,
    pool: Arc<BufPool>,
}

impl RecvMulti {
    pub(crate) fn new(fd: &SharedFd, pool: Arc<BufPool>) -> Self {
        Self {
            fd: fd.clone(),
            pool,
        }
    }
}

// SAFETY: the SQE points at no memory of the op; the kernel writes into
// the pool's buffers, which the pool (kept alive by the context held in the
// cell and in the stream) owns, and only into buffers on the ring, which no
// RingBuf references. `create_entry` checks that it runs on the pool's home
// ring, so buffer ids in the CQEs are ids of this pool.
unsafe impl MultishotOpCode for RecvMulti {
    type Item = io::Result<Option<RingBuf>>;
    type Context = Arc<BufPool>;
    fn create_entry(&mut self) -> Entry {
        let home = with_current(|d| Arc::ptr_eq(d.shared(), &self.pool.home));
        assert_eq!(home, Some(true), "RecvMulti submitted off its pool's ring");
        opcode::RecvMulti::new(self.fd.fd(), self.pool.bgid).build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::Unsupported
    }
    fn perform(&mut self) -> io::Result<u32> {
        Err(sys::unsupported("a provided-buffer receive"))
    }
    fn context(&self) -> Arc<BufPool> {
        self.pool.clone()
    }
    fn item(pool: &Arc<BufPool>, result: io::Result<u32>, flags: u32) -> Self::Item {
        let buf = cqueue::buffer_select(flags).map(|bid| {
            let len = *result.as_ref().unwrap_or(&0);
            // SAFETY: this CQE came from this op, submitted with `pool`'s
            // group on its home ring (checked in `create_entry`), and each
            // CQE is turned into an item or abandoned exactly once.
            unsafe { RingBuf::from_cqe(pool.clone(), bid, len) }
        });
        result?;
        Ok(buf)
    }
    fn abandoned_item(pool: &Arc<BufPool>, result: io::Result<u32>, flags: u32) {
        // Dropping the RingBuf gives its buffer back.
        drop(Self::item(pool, result, flags));
    }
}
