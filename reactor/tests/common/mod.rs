//! Helpers for driving a reactor by hand (no scheduler).
#![allow(dead_code)]

use ringbolt_reactor::{Reactor, RingConfig, Unparker};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// Both ring sizes every test runs at: the default, and a tiny one (SQ 2,
/// CQ 4) that forces SQ-full flushes and CQ overflow (rule 6).
pub fn configs() -> [RingConfig; 2] {
    [
        RingConfig::default(),
        RingConfig {
            sq_entries: 2,
            cq_entries: 4,
            iowq_max_workers: 2,
        },
    ]
}

/// A waker that records the wake and unparks the reactor.
pub struct Flag {
    pub woken: AtomicBool,
    pub unparker: Unparker,
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.unparker.unpark();
    }
}

/// Polls `fut` to completion on this thread, parking the reactor between polls.
pub fn block_on<F: Future>(reactor: &Reactor, fut: F) -> F::Output {
    let _enter = reactor.enter();
    let flag = Arc::new(Flag {
        woken: AtomicBool::new(true),
        unparker: reactor.unparker(),
    });
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if flag.woken.swap(false, Ordering::SeqCst) {
            if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
                return out;
            }
        }
        reactor.park(None);
    }
}

/// Tests that count fds take this lock, so parallel tests in the same
/// binary do not open fds under them.
pub static FD_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Serialises fd-counting tests (poison-tolerant).
pub fn fd_lock() -> std::sync::MutexGuard<'static, ()> {
    FD_LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Open fds of this process.
pub fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// A pipe (read end, write end) as OwnedFds.
pub fn pipe() -> (std::os::fd::OwnedFd, std::os::fd::OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` is a valid 2-int array for pipe2 to fill.
    let r = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(r, 0, "pipe2 failed");
    use std::os::fd::FromRawFd;
    // SAFETY: pipe2 just created both fds; we own them.
    unsafe {
        (
            std::os::fd::OwnedFd::from_raw_fd(fds[0]),
            std::os::fd::OwnedFd::from_raw_fd(fds[1]),
        )
    }
}

/// A buffer that counts its drops (to prove the reactor freed it).
pub struct Counted {
    pub buf: Vec<u8>,
    pub drops: Arc<std::sync::atomic::AtomicUsize>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

// SAFETY: delegates to the inner Vec, whose heap block does not move.
unsafe impl ringbolt_reactor::IoBuf for Counted {
    fn stable_ptr(&self) -> *const u8 {
        self.buf.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.buf.len()
    }
    fn bytes_total(&self) -> usize {
        self.buf.capacity()
    }
}

// SAFETY: delegates to the inner Vec.
unsafe impl ringbolt_reactor::IoBufMut for Counted {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.buf.as_mut_ptr()
    }
    unsafe fn set_init(&mut self, pos: usize) {
        // SAFETY: forwarded contract.
        unsafe { ringbolt_reactor::IoBufMut::set_init(&mut self.buf, pos) }
    }
}

/// Writes one byte to `fd`.
pub fn write_byte(fd: &impl std::os::fd::AsRawFd, byte: u8) {
    // SAFETY: writes one byte from a live local to an fd the caller owns.
    let n = unsafe { libc::write(fd.as_raw_fd(), (&byte as *const u8).cast(), 1) };
    assert_eq!(n, 1, "write failed");
}

/// Whether `raw` names an open fd.
pub fn is_open(raw: i32) -> bool {
    // SAFETY: F_GETFD touches no memory; any number is a valid argument.
    unsafe { libc::fcntl(raw, libc::F_GETFD) != -1 }
}
