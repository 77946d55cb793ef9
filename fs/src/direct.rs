//! Direct I/O (`O_DIRECT`): the alignment a file needs ([`DioAlign`]) and a
//! buffer that satisfies it ([`AlignedBuf`]).
//!
//! A file opened with `custom_flags(libc::O_DIRECT)` asks the kernel for its
//! alignment with `statx(STATX_DIOALIGN)` (falling back to 4096 when the
//! file system does not say) and checks every positional read and write
//! against it: a misaligned buffer address, length or offset is
//! `InvalidInput` before anything reaches the kernel.

use crate::util::invalid_input;
use crate::File;
use ringbolt_reactor::op::Statx;
use ringbolt_reactor::{submit, BufResult, IoBuf, SharedFd};
use std::io;
use std::ops::{Deref, DerefMut};

/// The alignment used when `statx` does not report one.
const FALLBACK_ALIGN: usize = 4096;

/// Alignment rules of an `O_DIRECT` file, from `statx(STATX_DIOALIGN)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DioAlign {
    /// Required alignment of the buffer's address in memory.
    pub mem: usize,
    /// Required alignment of the file offset and of the length.
    pub offset: usize,
}

impl DioAlign {
    /// Asks the kernel (an io_uring statx); 4096/4096 if it cannot say.
    pub(crate) async fn of(fd: &SharedFd) -> DioAlign {
        let fallback = DioAlign {
            mem: FALLBACK_ALIGN,
            offset: FALLBACK_ALIGN,
        };
        match submit(Statx::fd(fd, libc::STATX_DIOALIGN)).await {
            Ok(stx)
                if stx.stx_mask & libc::STATX_DIOALIGN != 0
                    && stx.stx_dio_mem_align.is_power_of_two()
                    && stx.stx_dio_offset_align.is_power_of_two() =>
            {
                DioAlign {
                    mem: stx.stx_dio_mem_align as usize,
                    offset: stx.stx_dio_offset_align as usize,
                }
            }
            _ => fallback,
        }
    }

    /// `Ok` if a transfer of `len` bytes at address `addr` and file offset
    /// `pos` is aligned; `InvalidInput` naming the culprit otherwise.
    pub(crate) fn check(&self, addr: usize, len: usize, pos: u64) -> io::Result<()> {
        if !addr.is_multiple_of(self.mem) {
            return Err(invalid_input(format!(
                "O_DIRECT buffer address {addr:#x} is not {}-byte aligned",
                self.mem
            )));
        }
        if !len.is_multiple_of(self.offset) || !pos.is_multiple_of(self.offset as u64) {
            return Err(invalid_input(format!(
                "O_DIRECT length {len} and offset {pos} must be multiples of {}",
                self.offset
            )));
        }
        if len > u32::MAX as usize {
            return Err(invalid_input(
                "an O_DIRECT transfer is at most u32::MAX bytes; split it",
            ));
        }
        Ok(())
    }
}

/// A zero-initialised buffer whose first byte is aligned for direct I/O.
///
/// It holds `len` bytes of data out of `capacity`; reads fill the whole
/// capacity and set `len`, writes send the first `len` bytes.
///
/// ```
/// let mut buf = ringbolt_fs::AlignedBuf::new(8192, 4096).unwrap();
/// assert_eq!(buf.as_ptr() as usize % 4096, 0);
/// buf.extend_from_slice(b"data");
/// assert_eq!(&buf[..], b"data");
/// ```
#[derive(Debug)]
pub struct AlignedBuf {
    /// `capacity + align` zeroed bytes; the data lives at `start..`.
    storage: Box<[u8]>,
    start: usize,
    capacity: usize,
    align: usize,
    len: usize,
}

impl AlignedBuf {
    /// A buffer of `capacity` bytes whose address is a multiple of `align`.
    ///
    /// # Errors
    /// `InvalidInput` if `align` is not a power of two.
    pub fn new(capacity: usize, align: usize) -> io::Result<AlignedBuf> {
        if !align.is_power_of_two() {
            return Err(invalid_input(format!(
                "alignment {align} is not a power of two"
            )));
        }
        let total = capacity
            .checked_add(align)
            .ok_or_else(|| invalid_input("aligned buffer size overflows"))?;
        let storage = vec![0u8; total].into_boxed_slice();
        let start = storage.as_ptr().align_offset(align);
        Ok(AlignedBuf {
            storage,
            start,
            capacity,
            align,
            len: 0,
        })
    }

    /// A buffer aligned for `file` (its `O_DIRECT` memory alignment, or
    /// 4096 for a buffered file).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn for_file(file: &File, capacity: usize) -> io::Result<AlignedBuf> {
        AlignedBuf::new(capacity, file.dio_align().map_or(FALLBACK_ALIGN, |a| a.mem))
    }

    /// Bytes of data.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds no data.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes it can hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The alignment of its address.
    pub fn align(&self) -> usize {
        self.align
    }

    /// Sets the data length (the bytes are always initialised).
    ///
    /// # Panics
    /// If `len > capacity`.
    pub fn set_len(&mut self, len: usize) {
        assert!(
            len <= self.capacity,
            "len {len} beyond capacity {}",
            self.capacity
        );
        self.len = len;
    }

    /// Drops the data (length 0), keeping the memory.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Appends `data`.
    ///
    /// # Panics
    /// If it does not fit in the capacity.
    pub fn extend_from_slice(&mut self, data: &[u8]) {
        let end = self.len + data.len();
        assert!(
            end <= self.capacity,
            "{end} bytes beyond capacity {}",
            self.capacity
        );
        self.storage[self.start + self.len..self.start + end].copy_from_slice(data);
        self.len = end;
    }

    /// The whole capacity, data or not, for filling in place before
    /// [`set_len`](Self::set_len).
    pub fn spare_mut(&mut self) -> &mut [u8] {
        &mut self.storage[self.start..self.start + self.capacity]
    }
}

impl Deref for AlignedBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.storage[self.start..self.start + self.len]
    }
}

impl DerefMut for AlignedBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.storage[self.start..self.start + self.len]
    }
}

impl File {
    /// Reads up to `buf.capacity()` bytes at `pos` into an aligned buffer
    /// (for `O_DIRECT` files; works on any file) and sets its length.
    ///
    /// # Errors
    /// On an `O_DIRECT` file, `InvalidInput` if the buffer's address,
    /// capacity or `pos` is misaligned (nothing is submitted).
    pub async fn read_aligned_at(
        &self,
        mut buf: AlignedBuf,
        pos: u64,
    ) -> BufResult<usize, AlignedBuf> {
        let storage = std::mem::take(&mut buf.storage);
        let view = storage.slice(buf.start..buf.start + buf.capacity);
        let (res, view) = self.read_at(view, pos).await;
        buf.storage = view.into_inner();
        if let Ok(n) = res {
            // A read never reports more than it was asked for; the clamp
            // keeps `len` within the buffer whatever the count.
            buf.len = n.min(buf.capacity);
        }
        (res, buf)
    }

    /// Writes the buffer's `len` bytes at `pos` (one op: the count may be
    /// short).
    ///
    /// # Errors
    /// On an `O_DIRECT` file, `InvalidInput` if the buffer's address,
    /// length or `pos` is misaligned (nothing is submitted).
    pub async fn write_aligned_at(
        &self,
        mut buf: AlignedBuf,
        pos: u64,
    ) -> BufResult<usize, AlignedBuf> {
        let storage = std::mem::take(&mut buf.storage);
        let view = storage.slice(buf.start..buf.start + buf.len);
        let (res, view) = self.write_at(view, pos).await;
        buf.storage = view.into_inner();
        (res, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_and_checked() {
        let mut b = AlignedBuf::new(1024, 512).unwrap();
        assert_eq!(b.as_ptr() as usize % 512, 0);
        b.extend_from_slice(&[7; 10]);
        assert_eq!((b.len(), b.capacity()), (10, 1024));
        assert_eq!(
            AlignedBuf::new(10, 3).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        let a = DioAlign {
            mem: 512,
            offset: 512,
        };
        assert!(a.check(4096, 512, 1024).is_ok());
        for (addr, len, pos) in [(4097, 512, 0), (4096, 100, 0), (4096, 512, 3)] {
            assert_eq!(
                a.check(addr, len, pos).unwrap_err().kind(),
                io::ErrorKind::InvalidInput
            );
        }
    }
}
