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
/// # After a read: the length rule
///
/// A read fills a buffer from its start and ends with
/// [`set_init`](Self::set_init) of the count it returned, `n`. The
/// buffer's initialised length then says exactly what the read stored,
/// whatever the buffer held before, so a buffer reused for many reads
/// never carries bytes of an earlier one:
///
/// - `Vec<u8>` and `BytesMut`: the length becomes `n` (at most the
///   capacity), shorter than before after a short read. Shrinking a length
///   is always safe; the bytes past it stay in the allocation, outside the
///   buffer.
/// - [`Slice`] (a view `begin..end` of a buffer `B`): a read through a view
///   never changes what `B` counts outside the view. When `B`'s
///   initialised bytes ended inside the view (or at its end), `B`'s length
///   becomes `begin + n` (`n` at most the view's length), so the view's
///   [`bytes_init`](IoBuf::bytes_init) is `n`: this is the case of
///   `buf.slice(len..)` (appending) and of a view up to the capacity. When
///   `B` holds bytes past the view's end (a window in the middle of data),
///   its length stays, and only `view[..n]` is the read's. A view that
///   starts past `B`'s initialised end records nothing: the gap before it
///   was never written.
/// - Types whose length cannot change (`Box<[u8]>`, which is always fully
///   initialised, and `ringbolt-fs`'s `AlignedBuf` read through a view of
///   its storage, which sets its own length to `n`): a `Box<[u8]>` keeps
///   its length and its old bytes after the first `n`, so only `buf[..n]`
///   is the read's. Use the count.
/// - Vectored reads (`readv`, `recvmsg`): each buffer gets its share of
///   `n`, in order (0 for those past the end of the data).
///
/// # Safety
/// As [`IoBuf`], and `stable_mut_ptr` must be valid for writes of
/// `bytes_total` bytes.
pub unsafe trait IoBufMut: IoBuf {
    /// Mutable address of the first byte; stable across moves of `self`.
    fn stable_mut_ptr(&mut self) -> *mut u8;

    /// Records that a read stored the first `pos` bytes: the initialised
    /// length becomes `pos` where the type's length can change (see the
    /// length rule above), shrinking it if it was longer.
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
        // SAFETY: `pos <= capacity` (clamped above, whatever count the
        // caller passed), and the caller guarantees that the first
        // `min(pos, capacity)` bytes are initialised; a shorter length
        // than before only forgets bytes (`u8` has no destructor).
        unsafe { self.set_len(pos) };
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
        // SAFETY: as for Vec: `pos <= capacity` (clamped above), the caller
        // guarantees those bytes are initialised, and shrinking only
        // forgets bytes.
        unsafe { self.set_len(pos) };
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
        }
        assert_eq!(v, b"abcxx");
        assert_eq!(sqe_len(usize::MAX), u32::MAX);
        assert_eq!(sqe_len(7), 7);
    }

    /// The length rule: after a read the length is exactly the count, also
    /// when it is shorter than what the buffer held (a reused buffer).
    #[test]
    fn set_init_sets_the_length_a_read_returned() {
        let mut v = b"0123456789".to_vec();
        // SAFETY: shrinking; the first 3 bytes are initialised.
        unsafe { v.set_init(3) };
        assert_eq!(v, b"012");

        let mut b = bytes::BytesMut::from(&b"0123456789"[..]);
        // SAFETY: as above.
        unsafe { b.set_init(4) };
        assert_eq!(&b[..], b"0123");

        // A view from offset 2 to the capacity: 3 bytes read into it.
        let mut s = b"0123456789".to_vec().slice(2..);
        // SAFETY: every byte is initialised.
        unsafe { s.set_init(3) };
        assert_eq!(s.bytes_init(), 3);
        assert_eq!(s.into_inner(), b"01234");

        // A window in the middle of data: what lies past it stays.
        let mut s = b"0123456789".to_vec().slice(2..8);
        // SAFETY: every byte is initialised.
        unsafe { s.set_init(3) };
        assert_eq!(s.into_inner(), b"0123456789");

        // A view past the initialised end records nothing (a gap).
        let mut s = Vec::<u8>::with_capacity(16).slice(4..8);
        // SAFETY: the view's bytes are written first.
        unsafe {
            s.stable_mut_ptr().write_bytes(0, 4);
            s.set_init(4);
        }
        assert_eq!(s.into_inner().len(), 0);

        // A fixed length keeps its old bytes after the count.
        let mut boxed: Box<[u8]> = b"0123".to_vec().into_boxed_slice();
        // SAFETY: always initialised; the length cannot change.
        unsafe { boxed.set_init(1) };
        assert_eq!(&boxed[..], b"0123");
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
