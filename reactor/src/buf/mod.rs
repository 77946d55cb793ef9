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
    /// # Safety
    /// The first `pos` bytes must really be initialised.
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
        if pos > self.len() {
            // SAFETY: the caller guarantees `pos` initialised bytes, and
            // `pos <= capacity` because the kernel was told `bytes_total`.
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

// SAFETY: as for `IoBuf`; always fully initialised, so `set_init` has nothing to record.
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
        if pos > self.len() {
            // SAFETY: as for Vec: initialised by the kernel, within capacity.
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
}
