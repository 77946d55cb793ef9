//! [`ReadBuf`]: the owned buffers a stream read accepts.

use ringbolt_reactor::IoBufMut;

/// A buffer a stream read fills, with safe access to its bytes.
///
/// Stream reads need more than [`IoBufMut`]: when an earlier read was
/// cancelled after the kernel had filled its buffer, those bytes are kept
/// and copied into the next read's buffer (see the crate docs on
/// cancellation). Implemented for `Vec<u8>`, `bytes::BytesMut` and
/// `Box<[u8]>`.
///
/// For your own type, this trait's methods need no `unsafe`, but its
/// supertrait does: [`IoBufMut`] (and [`IoBuf`](ringbolt_reactor::IoBuf))
/// are `unsafe trait`s, because the kernel writes through the pointer they
/// give while no Rust reference guards it. Implementing them is a promise
/// that the memory stays put and writable until the op ends, and that
/// `set_init` only counts bytes the kernel stored. A type that wraps one
/// of the buffers above can keep that promise by forwarding to it:
///
/// ```
/// use ringbolt_net::ReadBuf;
/// use ringbolt_reactor::{IoBuf, IoBufMut};
///
/// /// Received bytes with a label.
/// struct Labelled {
///     label: &'static str,
///     bytes: Vec<u8>,
/// }
///
/// // SAFETY: every method forwards to the `Vec`, which keeps the contract:
/// // its heap block does not move when `Labelled` moves.
/// unsafe impl IoBuf for Labelled {
///     fn stable_ptr(&self) -> *const u8 {
///         self.bytes.stable_ptr()
///     }
///     fn bytes_init(&self) -> usize {
///         self.bytes.bytes_init()
///     }
///     fn bytes_total(&self) -> usize {
///         self.bytes.bytes_total()
///     }
/// }
///
/// // SAFETY: as above, forwarded to the `Vec`.
/// unsafe impl IoBufMut for Labelled {
///     fn stable_mut_ptr(&mut self) -> *mut u8 {
///         self.bytes.stable_mut_ptr()
///     }
///     unsafe fn set_init(&mut self, pos: usize) {
///         // SAFETY: our caller's promise is the one the `Vec` asks for.
///         unsafe { self.bytes.set_init(pos) }
///     }
/// }
///
/// // No unsafe here.
/// impl ReadBuf for Labelled {
///     fn init_bytes(&self) -> &[u8] {
///         &self.bytes
///     }
///     fn fill_from(&mut self, src: &[u8]) -> usize {
///         self.bytes.fill_from(src)
///     }
/// }
///
/// let mut buf = Labelled { label: "greeting", bytes: Vec::with_capacity(8) };
/// assert_eq!(buf.fill_from(b"hello"), 5);
/// assert_eq!((buf.label, buf.init_bytes()), ("greeting", &b"hello"[..]));
/// ```
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
