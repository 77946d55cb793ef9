//! [`ReadBuf`]: the owned buffers a stream read accepts.

use ringbolt_reactor::IoBufMut;

/// A buffer a stream read fills, with safe access to its bytes.
///
/// Stream reads need more than [`IoBufMut`]: when an earlier read was
/// cancelled after the kernel had filled its buffer, those bytes are kept
/// and copied into the next read's buffer (see the crate docs on
/// cancellation). Implemented for `Vec<u8>`, `bytes::BytesMut` and
/// `Box<[u8]>`; implementing it for your own type needs no `unsafe`.
pub trait ReadBuf: IoBufMut {
    /// The initialised bytes.
    fn init_bytes(&self) -> &[u8];

    /// Copies as much of `src` as fits into the start of the buffer (up to
    /// its capacity), sets its length as a receive of that many bytes
    /// would (the length rule of [`IoBufMut`]: exactly the count, where the
    /// length can change), and returns how many bytes were copied. This is
    /// what a receive into the buffer does.
    fn fill_from(&mut self, src: &[u8]) -> usize;

    /// The first `n` bytes as a `Vec` (the buffer was filled by a read of
    /// `n` bytes and is no longer wanted).
    fn into_vec(self, n: usize) -> Vec<u8>
    where
        Self: Sized,
    {
        let bytes = self.init_bytes();
        bytes[..n.min(bytes.len())].to_vec()
    }
}

impl ReadBuf for Vec<u8> {
    fn init_bytes(&self) -> &[u8] {
        self
    }
    fn fill_from(&mut self, src: &[u8]) -> usize {
        let n = src.len().min(self.capacity());
        self.clear();
        self.extend_from_slice(&src[..n]);
        n
    }
    fn into_vec(mut self, n: usize) -> Vec<u8> {
        self.truncate(n);
        self
    }
}

impl ReadBuf for bytes::BytesMut {
    fn init_bytes(&self) -> &[u8] {
        self
    }
    fn fill_from(&mut self, src: &[u8]) -> usize {
        let n = src.len().min(self.capacity());
        self.clear();
        self.extend_from_slice(&src[..n]);
        n
    }
}

impl ReadBuf for Box<[u8]> {
    fn init_bytes(&self) -> &[u8] {
        self
    }
    fn fill_from(&mut self, src: &[u8]) -> usize {
        let n = src.len().min(self.len());
        self[..n].copy_from_slice(&src[..n]);
        n
    }
}
