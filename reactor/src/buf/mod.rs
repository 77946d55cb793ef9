//! Owned buffers for io_uring ops.
//!
//! Ops take buffers by value and give them back with the result
//! ([`BufResult`]), so the kernel may write into them while the future is
//! dropped or moved: the op's completion cell owns the buffer until the final
//! CQE. [`IoBuf`] is memory the kernel reads from (writes, sends),
//! [`IoBufMut`] memory it writes into (reads, receives).

mod slice;

pub use slice::Slice;

use std::ops::RangeBounds;

/// The result of an op that owned a buffer: the outcome and the buffer back.
pub type BufResult<T, B> = (std::io::Result<T>, B);

/// A buffer the kernel may read from.
///
/// # Safety
/// `stable_ptr` must point to `bytes_init` initialised bytes (and a
/// `bytes_total`-byte allocation) that stay valid and at the same address
/// when the buffer value is moved, until it is dropped or mutated through
/// its own API.
pub unsafe trait IoBuf: Send + Unpin + 'static {
    /// Address of the first byte; stable across moves of `self`.
    fn stable_ptr(&self) -> *const u8;
    /// Bytes that hold data (what a write sends).
    fn bytes_init(&self) -> usize;
    /// Bytes of capacity (what a read may fill).
    fn bytes_total(&self) -> usize;

    /// A view of `range` of the initialised bytes (for writes) or of the
    /// capacity (for reads), that an op can own instead of the whole buffer.
    ///
    /// # Panics
    /// If the range is out of `0..=bytes_total()` or decreasing.
    fn slice(self, range: impl RangeBounds<usize>) -> Slice<Self>
    where
        Self: Sized,
    {
        Slice::new(self, range)
    }
}

/// A buffer the kernel may write into.
///
/// # Safety
/// As [`IoBuf`], and `stable_mut_ptr` must be valid for writes of
/// `bytes_total` bytes.
pub unsafe trait IoBufMut: IoBuf {
    /// Mutable address of the first byte; stable across moves of `self`.
    fn stable_mut_ptr(&mut self) -> *mut u8;

    /// Records that the first `pos` bytes are initialised (after a read);
    /// never shrinks what was already initialised.
    ///
    /// `pos` may be larger than [`bytes_total`](IoBuf::bytes_total): a
    /// count from the kernel is not always the number of bytes it stored
    /// (a `recv` with `MSG_TRUNC` on a datagram socket reports the
    /// datagram's full length). Every implementation clamps `pos` to
    /// `bytes_total`, so a buffer is never marked initialised past its
    /// capacity.
    ///
    /// # Safety
    /// The first `min(pos, bytes_total())` bytes must really be initialised.
    unsafe fn set_init(&mut self, pos: usize);
}

// SAFETY: a Vec's heap block does not move when the Vec is moved; `len`
// bytes are initialised out of `capacity`.
unsafe impl IoBuf for Vec<u8> {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.len()
    }
    fn bytes_total(&self) -> usize {
        self.capacity()
    }
}

// SAFETY: as for `IoBuf`; `as_mut_ptr` covers the whole capacity.
unsafe impl IoBufMut for Vec<u8> {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.as_mut_ptr()
    }
    unsafe fn set_init(&mut self, pos: usize) {
        let pos = pos.min(self.capacity());
        if pos > self.len() {
            // SAFETY: `pos <= capacity` (clamped above, whatever count the
            // caller passed), and the caller guarantees that the first
            // `min(pos, capacity)` bytes are initialised.
            unsafe { self.set_len(pos) };
        }
    }
}

// SAFETY: a boxed slice's heap block does not move; all of it is initialised.
unsafe impl IoBuf for Box<[u8]> {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.len()
    }
    fn bytes_total(&self) -> usize {
        self.len()
    }
}

// SAFETY: as for `IoBuf`; always fully initialised, so `set_init` has
// nothing to record (and no count, however large, can mark more).
unsafe impl IoBufMut for Box<[u8]> {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.as_mut_ptr()
    }
    unsafe fn set_init(&mut self, _pos: usize) {}
}

// SAFETY: 'static data never moves or goes away.
unsafe impl IoBuf for &'static [u8] {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.len()
    }
    fn bytes_total(&self) -> usize {
        self.len()
    }
}

// SAFETY: 'static data never moves or goes away.
unsafe impl IoBuf for &'static str {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.len()
    }
    fn bytes_total(&self) -> usize {
        self.len()
    }
}

// SAFETY: `Bytes` points into a reference-counted (or static) block that does
// not move when the handle moves and is immutable while shared.
unsafe impl IoBuf for bytes::Bytes {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.len()
    }
    fn bytes_total(&self) -> usize {
        self.len()
    }
}

// SAFETY: a `BytesMut`'s block does not move when the handle moves; `len`
// bytes of `capacity` are initialised.
unsafe impl IoBuf for bytes::BytesMut {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.len()
    }
    fn bytes_total(&self) -> usize {
        self.capacity()
    }
}

// SAFETY: as for `IoBuf`; `as_mut_ptr` covers the whole capacity.
unsafe impl IoBufMut for bytes::BytesMut {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.as_mut_ptr()
    }
    unsafe fn set_init(&mut self, pos: usize) {
        let pos = pos.min(self.capacity());
        if pos > self.len() {
            // SAFETY: as for Vec: `pos <= capacity` (clamped above), and the
            // caller guarantees those bytes are initialised.
            unsafe { self.set_len(pos) };
        }
    }
}

/// Clamps a length for a read/write SQE: the kernel field is 32 bits and a
/// short read/write is legal for these ops, so asking for `u32::MAX` bytes
/// of a longer buffer is a correct partial request, never a truncation the
/// caller cannot see (the result says how much was done).
pub(crate) fn sqe_len(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn vec_init_and_total() {
        let mut v = Vec::with_capacity(16);
        v.extend_from_slice(b"abc");
        assert_eq!((v.bytes_init(), v.bytes_total() >= 16), (3, true));
        // SAFETY: 5 <= capacity; the test writes the bytes first.
        unsafe {
            v.stable_mut_ptr().add(3).write_bytes(b'x', 2);
            v.set_init(5);
            v.set_init(1);
        }
        assert_eq!(v, b"abcxx");
        assert_eq!(sqe_len(usize::MAX), u32::MAX);
        assert_eq!(sqe_len(7), 7);
    }

    /// A count past the capacity (a datagram's full length under
    /// `MSG_TRUNC`) marks the whole capacity initialised and no more.
    #[test]
    fn set_init_clamps_to_capacity() {
        let mut v = vec![1u8; 3];
        v.reserve_exact(5);
        let cap = v.capacity();
        // SAFETY: every byte of the capacity is written first.
        unsafe {
            v.stable_mut_ptr().write_bytes(b'v', cap);
            v.set_init(cap + 100);
        }
        assert_eq!(v.len(), cap);

        let mut b = bytes::BytesMut::with_capacity(8);
        let cap = b.capacity();
        // SAFETY: as above.
        unsafe {
            b.stable_mut_ptr().write_bytes(b'b', cap);
            b.set_init(usize::MAX);
        }
        assert_eq!(b.len(), cap);

        // A view of the first 10 bytes of a larger allocation: the kernel
        // was given 10 bytes, so a larger count must not reach past them
        // into the Vec's uninitialised capacity.
        let mut s = Vec::<u8>::with_capacity(100).slice(..10);
        // SAFETY: the view's 10 bytes are written first.
        unsafe {
            s.stable_mut_ptr().write_bytes(b's', 10);
            s.set_init(50);
        }
        assert_eq!(s.bytes_init(), 10);
        assert_eq!(s.into_inner().len(), 10);

        let mut boxed: Box<[u8]> = vec![0u8; 4].into_boxed_slice();
        // SAFETY: a boxed slice is always initialised.
        unsafe { boxed.set_init(99) };
        assert_eq!(boxed.len(), 4);
    }
}
