//! [`Slice`]: an owned view of part of a buffer.

use super::{IoBuf, IoBufMut};
use std::ops::{Bound, RangeBounds};

/// An owned view of `begin..end` of a buffer, made by [`IoBuf::slice`].
/// Writes send its initialised bytes; reads fill it from `begin`.
#[derive(Debug)]
pub struct Slice<B> {
    buf: B,
    begin: usize,
    end: usize,
}

impl<B: IoBuf> Slice<B> {
    pub(super) fn new(buf: B, range: impl RangeBounds<usize>) -> Self {
        let begin = match range.start_bound() {
            Bound::Included(&n) => n,
            Bound::Excluded(&n) => n.checked_add(1).expect("slice start overflows"),
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(&n) => n.checked_add(1).expect("slice end overflows"),
            Bound::Excluded(&n) => n,
            Bound::Unbounded => buf.bytes_total(),
        };
        assert!(begin <= end, "slice range {begin}..{end} is decreasing");
        assert!(
            end <= buf.bytes_total(),
            "slice end {end} beyond capacity {}",
            buf.bytes_total()
        );
        Self { buf, begin, end }
    }

    /// Start offset in the underlying buffer.
    pub fn begin(&self) -> usize {
        self.begin
    }

    /// End offset in the underlying buffer.
    pub fn end(&self) -> usize {
        self.end
    }

    /// The underlying buffer.
    pub fn get_ref(&self) -> &B {
        &self.buf
    }

    /// Gives the whole buffer back.
    pub fn into_inner(self) -> B {
        self.buf
    }
}

// SAFETY: a sub-range of a buffer that upholds the IoBuf contract; offsets
// are within `bytes_total` (checked in `new`).
unsafe impl<B: IoBuf> IoBuf for Slice<B> {
    fn stable_ptr(&self) -> *const u8 {
        self.buf.stable_ptr().wrapping_add(self.begin)
    }
    fn bytes_init(&self) -> usize {
        self.buf.bytes_init().clamp(self.begin, self.end) - self.begin
    }
    fn bytes_total(&self) -> usize {
        self.end - self.begin
    }
}

// SAFETY: as for `IoBuf`; `set_init` translates to the underlying offsets
// (the length rule of `IoBufMut` for views).
unsafe impl<B: IoBufMut> IoBufMut for Slice<B> {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.buf.stable_mut_ptr().wrapping_add(self.begin)
    }
    unsafe fn set_init(&mut self, pos: usize) {
        // Never past the view's end: the kernel was only given
        // `begin..end`, whatever count it reports.
        let pos = pos.min(self.end - self.begin);
        // The buffer's length describes a prefix. If it ended before the
        // view, the gap is uninitialised: nothing contiguous to record. If
        // it ends past the view, the bytes after the view are not this
        // read's to drop, and the view was initialised already. Only a
        // prefix ending inside the view (or at its end) becomes exactly
        // `begin + pos` (the length rule).
        let init = self.buf.bytes_init();
        if (self.begin..=self.end).contains(&init) {
            // SAFETY: bytes `..begin` are initialised (checked above) and
            // `begin..begin + pos` were initialised by the read (caller's
            // contract; `pos` is clamped to this view, which lies within
            // the buffer's capacity, checked in `new`).
            unsafe { self.buf.set_init(self.begin + pos) };
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn views() {
        let s = b"hello world".to_vec().slice(6..);
        assert_eq!((s.bytes_init(), s.bytes_total()), (5, 5));
        assert_eq!(s.into_inner(), b"hello world");
        let s = Vec::<u8>::with_capacity(8).slice(2..6);
        assert_eq!((s.bytes_init(), s.bytes_total()), (0, 4));
    }

    #[test]
    #[should_panic(expected = "beyond capacity")]
    fn out_of_range_panics() {
        let _ = vec![0u8; 4].slice(..9);
    }
}
