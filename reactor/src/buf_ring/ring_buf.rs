//! [`RingBuf`]: received bytes in a provided buffer, returned on drop.

use super::BufPool;
use crate::metrics::ReactorMetrics;
use crate::reactor::{with_current, Driver};
use crate::wake::Message;
use std::sync::Arc;

/// Bytes a multishot receive put into a buffer of its reactor's
/// provided-buffer ring. Dereferences to `&[u8]`; dropping it gives the
/// buffer back to its ring — at once on the ring's own thread, through that
/// reactor's mailbox from any other (only the owner touches its ring).
///
/// A `RingBuf` may move to any thread and outlive its reactor. Holding many
/// of them starves the pool: a receive that finds no free buffer waits for
/// one to be dropped.
///
/// A `RingBuf` can also own a plain `Vec` ([`From<Vec<u8>>`]), for bytes
/// that did not come from a ring (received by an earlier, cancelled read).
pub struct RingBuf {
    repr: Repr,
}

enum Repr {
    Pooled {
        pool: Arc<BufPool>,
        bid: u16,
        len: u32,
    },
    Owned(Vec<u8>),
}

impl RingBuf {
    /// Buffer `bid` of `pool`, holding `len` bytes the kernel wrote; counts
    /// it out of the ring.
    ///
    /// # Safety
    /// A CQE of an op submitted with `pool`'s buffer group on `pool`'s home
    /// ring named `bid` and `len`, and no other `RingBuf` was made from
    /// that CQE.
    pub(crate) unsafe fn from_cqe(pool: Arc<BufPool>, bid: u16, len: u32) -> Self {
        pool.waiters.taken();
        ReactorMetrics::add(&pool.home.metrics.provided_bufs_out, 1);
        let len = len.min(pool.config.buf_size);
        Self {
            repr: Repr::Pooled { pool, bid, len },
        }
    }

    /// Whether the bytes live in a provided buffer (else in a `Vec`).
    pub fn is_pooled(&self) -> bool {
        matches!(self.repr, Repr::Pooled { .. })
    }
}

impl std::ops::Deref for RingBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.repr {
            Repr::Pooled { pool, bid, len } => {
                // The buffer is out of the ring while this RingBuf lives, so
                // the kernel does not write it and nobody else reads it
                // mutably; `len` is clamped to the buffer size.
                // SAFETY: as above, and its first `len` bytes were written
                // by the kernel before the CQE that named it was posted.
                unsafe { std::slice::from_raw_parts(pool.buf_ptr(*bid), *len as usize) }
            }
            Repr::Owned(v) => v,
        }
    }
}

impl AsRef<[u8]> for RingBuf {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl From<Vec<u8>> for RingBuf {
    fn from(v: Vec<u8>) -> Self {
        Self {
            repr: Repr::Owned(v),
        }
    }
}

impl std::fmt::Debug for RingBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("RingBuf");
        if let Repr::Pooled { pool, bid, .. } = &self.repr {
            d.field("bgid", &pool.bgid).field("bid", bid);
        }
        d.field("len", &self.len()).finish()
    }
}

impl Drop for RingBuf {
    fn drop(&mut self) {
        let Repr::Pooled { pool, bid, .. } = &self.repr else {
            return;
        };
        let (bgid, bid) = (pool.bgid, *bid);
        let at_home = with_current(|driver| match driver {
            Driver::Ring(inner) => {
                Arc::ptr_eq(&inner.shared, &pool.home) && inner.give_back_buf(bgid, bid)
            }
            Driver::Poll(_) => false,
        });
        if at_home != Some(true) {
            pool.home.post(Message::ReturnBuf { bgid, bid });
        }
    }
}
