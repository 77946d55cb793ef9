//! [`BufPool`] (what every thread may reach) and [`PoolHome`] (the home
//! thread's half: the registered descriptor ring and its tail).

use super::waiters::Waiters;
use super::BufRingConfig;
use crate::metrics::ReactorMetrics;
use crate::wake::Shared;
use std::alloc::{alloc, dealloc, Layout};
use std::cell::Cell;
use std::io;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU16, Ordering::Release};
use std::sync::Arc;

/// Page alignment for the buffers (and what the kernel wants for the ring).
const PAGE: usize = 4096;

/// The buffers of a pool and the way home (rule 4 of the module docs).
pub(crate) struct BufPool {
    base: NonNull<u8>,
    layout: Layout,
    pub(crate) config: BufRingConfig,
    /// The buffer group id on the home ring.
    pub(crate) bgid: u16,
    /// The home reactor's shared half: its mailbox, for returns (rule 3).
    pub(crate) home: Arc<Shared>,
    pub(crate) waiters: Waiters,
}

// SAFETY: `base` is an allocation owned by the pool. Rust code reads a
// buffer only through a `RingBuf`, which exists only while the buffer is out
// of the ring (so the kernel does not write it) and which is the only
// handle to that buffer; the rest of the pool is atomics, a mutex and `Arc`s.
unsafe impl Send for BufPool {}
// SAFETY: as for `Send`: shared access never forms overlapping mutable
// references to the buffer memory.
unsafe impl Sync for BufPool {}

impl std::fmt::Debug for BufPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BufPool")
            .field("config", &self.config)
            .field("bgid", &self.bgid)
            .field("in_use", &self.waiters.in_use())
            .finish()
    }
}

impl BufPool {
    /// Address of buffer `bid`.
    pub(crate) fn buf_ptr(&self, bid: u16) -> *mut u8 {
        assert!(
            bid < self.config.buf_count,
            "buffer id {bid} out of the pool"
        );
        // SAFETY: `bid < buf_count`, so the offset stays inside the
        // allocation of `buf_count * buf_size` bytes.
        unsafe {
            self.base
                .as_ptr()
                .add(bid as usize * self.config.buf_size as usize)
        }
    }
}

impl Drop for BufPool {
    fn drop(&mut self) {
        // SAFETY: allocated in `PoolHome::new` with this layout; the last
        // handle is going, so no RingBuf reads it and (rule 4) no op that
        // could make the kernel write it is left.
        unsafe { dealloc(self.base.as_ptr(), self.layout) };
    }
}

/// One descriptor of the ring, as the kernel lays out `io_uring_buf`; the
/// tail is the `resv` field of the first one.
#[repr(C)]
struct RawBuf {
    addr: u64,
    len: u32,
    bid: u16,
    resv: u16,
}

const _: () = assert!(std::mem::size_of::<RawBuf>() == 16);

/// The home thread's half of a pool (rule 1).
pub(crate) struct PoolHome {
    ring: NonNull<RawBuf>,
    ring_bytes: usize,
    tail: Cell<u16>,
    pub(crate) pool: Arc<BufPool>,
}

impl PoolHome {
    /// Allocates the buffers and the descriptor ring (with every buffer on
    /// it); the caller registers [`ring_addr`](Self::ring_addr) with the
    /// kernel.
    pub(crate) fn new(config: BufRingConfig, bgid: u16, home: Arc<Shared>) -> io::Result<Self> {
        config.validate()?;
        let bytes = config.buf_count as usize * config.buf_size as usize;
        let layout = Layout::from_size_align(bytes, PAGE)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        // SAFETY: `layout` has a non-zero size (validated config).
        let base = NonNull::new(unsafe { alloc(layout) }).ok_or(io::ErrorKind::OutOfMemory)?;
        let pool = Arc::new(BufPool {
            base,
            layout,
            config,
            bgid,
            home,
            waiters: Waiters::new(),
        });
        let ring_bytes = (config.buf_count as usize * 16).next_multiple_of(PAGE);
        // SAFETY: an anonymous private mapping: no fd, no existing memory.
        let ring = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                ring_bytes,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if ring == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let home = Self {
            ring: NonNull::new(ring.cast()).expect("mmap returned a non-null address"),
            ring_bytes,
            tail: Cell::new(0),
            pool,
        };
        for bid in 0..config.buf_count {
            home.write(bid);
        }
        home.publish();
        Ok(home)
    }

    /// The ring's address, for `IORING_REGISTER_PBUF_RING`.
    pub(crate) fn ring_addr(&self) -> u64 {
        self.ring.as_ptr() as u64
    }

    /// Writes descriptor `bid` at the tail (not yet visible to the kernel).
    fn write(&self, bid: u16) {
        let tail = self.tail.get();
        let mask = self.pool.config.buf_count - 1;
        let addr = self.pool.buf_ptr(bid) as u64;
        // `tail & mask < buf_count`, inside the mapping. Only this thread
        // writes descriptors (rule 1), and the kernel reads only those below
        // the published tail, which this slot is not (the ring holds at most
        // `buf_count` buffers, so it was consumed).
        // SAFETY: as above; fields are written through raw pointers, leaving
        // entry 0's `resv` (the tail) alone.
        unsafe {
            let e = self.ring.as_ptr().add((tail & mask) as usize);
            std::ptr::addr_of_mut!((*e).addr).write(addr);
            std::ptr::addr_of_mut!((*e).len).write(self.pool.config.buf_size);
            std::ptr::addr_of_mut!((*e).bid).write(bid);
        }
        self.tail.set(tail.wrapping_add(1));
    }

    /// Makes every written descriptor visible to the kernel.
    fn publish(&self) {
        // SAFETY: the tail is the `resv` u16 of entry 0, inside the mapping
        // and 2-aligned; the kernel reads it atomically, we write it atomically.
        let tail =
            unsafe { AtomicU16::from_ptr(std::ptr::addr_of_mut!((*self.ring.as_ptr()).resv)) };
        // Release: the descriptors written above are visible before the
        // kernel's acquire load of the tail sees the new value.
        tail.store(self.tail.get(), Release);
    }

    /// Rule 3: buffer `bid` is back; the kernel may fill it again.
    pub(crate) fn give_back(&self, bid: u16) {
        self.write(bid);
        self.publish();
        ReactorMetrics::sub(&self.pool.home.metrics.provided_bufs_out, 1);
        self.pool.waiters.released();
    }
}

impl Drop for PoolHome {
    fn drop(&mut self) {
        // SAFETY: our own mapping, of this size; the reactor drops pools
        // after its ring, so the kernel no longer reads it.
        unsafe { libc::munmap(self.ring.as_ptr().cast(), self.ring_bytes) };
    }
}
