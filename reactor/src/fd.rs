//! [`SharedFd`]: a file descriptor shared by its owner and its in-flight ops
//! (rule 9).
//!
//! Closing waits for the other handles, with one rule that leaves no gap
//! for a lost wake-up: the closer does not watch the reference count, it
//! waits for the *last* handle's release. `Inner`'s destructor runs exactly
//! once, on the thread that let go of the last handle, after every other
//! release; if a close is pending it moves the descriptor into the shared
//! [`Closer`] slot and only then wakes the closer. A closer polled at any
//! moment before that finds the slot empty, with its waker stored under
//! the slot's lock, so the destructor's wake reaches it.
//!
//! On the readiness driver a socket's `SharedFd` also keeps its poller
//! registration (rules in the readiness driver's `io` module); it is
//! removed before the descriptor is closed or handed out.

use crate::op::{submit, Close};
use crate::readiness::io::{Registrations, ScheduledIo};
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Poll, Waker};

/// A file descriptor shared by a file or socket and every op working on it.
///
/// Each op holds a clone until its final CQE, so the descriptor is closed
/// only after the last op is done with it, and its number is never reused
/// while the kernel still works on it. Dropping the last clone closes it
/// with `close(2)`; [`close`](Self::close) does so asynchronously and waits
/// for the other clones (in-flight ops) first.
#[derive(Clone, Debug)]
pub struct SharedFd {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    fd: Option<OwnedFd>,
    /// Set by `close` before it lets go of its handle: the last handle's
    /// release hands the descriptor over here instead of closing it.
    closer: OnceLock<Arc<Closer>>,
    /// The readiness driver's registration of this socket, if any.
    io: Mutex<Option<Arc<ScheduledIo>>>,
    /// The readiness driver switched the descriptor to non-blocking mode
    /// (for `accept` and `connect`); it is switched back when handed out.
    nonblocking: AtomicBool,
}

impl Inner {
    fn new(fd: OwnedFd) -> Self {
        Inner {
            fd: Some(fd),
            closer: OnceLock::new(),
            io: Mutex::new(None),
            nonblocking: AtomicBool::new(false),
        }
    }

    /// Removes the poller registration before the descriptor is closed or
    /// handed out (the readiness driver's rule 4).
    fn deregister(&mut self) {
        let io = self
            .io
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let (Some(io), Some(fd)) = (io, &self.fd) {
            io.deregister(fd.as_raw_fd());
        }
    }
}

/// Where the last handle's release leaves the descriptor for `close`.
#[derive(Debug, Default)]
struct Closer {
    state: Mutex<CloseState>,
}

#[derive(Debug, Default)]
struct CloseState {
    /// Every handle is gone (`Inner` was dropped).
    released: bool,
    /// The descriptor, until a closer takes it.
    fd: Option<OwnedFd>,
    /// Closers waiting for the release.
    wakers: Vec<Waker>,
}

impl Closer {
    fn lock(&self) -> MutexGuard<'_, CloseState> {
        // The state stays consistent even if a holder panicked: every
        // critical section is a few plain field writes.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.deregister();
        // The last handle is gone: no other release can follow, so the
        // hand-over below is the last event a closer waits for.
        let Some(closer) = self.closer.take() else {
            return; // `fd` drops with `self`: close(2).
        };
        let wakers = {
            let mut state = closer.lock();
            state.fd = self.fd.take();
            state.released = true;
            std::mem::take(&mut state.wakers)
        };
        // Outside the lock: a waker may poll the closer at once.
        for waker in wakers {
            waker.wake();
        }
    }
}

impl SharedFd {
    /// Takes ownership of `fd`.
    pub fn new(fd: OwnedFd) -> Self {
        Self {
            inner: Arc::new(Inner::new(fd)),
        }
    }

    /// The raw descriptor (valid as long as this handle lives).
    pub fn raw(&self) -> RawFd {
        self.as_raw_fd()
    }

    /// Closes the descriptor with an io_uring `close` once every other clone
    /// (each in-flight op on it) is gone, and reports the result.
    ///
    /// If clones call `close` at the same time, one of them closes the
    /// descriptor and reports `close(2)`'s result; the others return
    /// `Ok(())` once it is handed over.
    pub async fn close(self) -> io::Result<()> {
        let closer = Arc::clone(self.inner.closer.get_or_init(Default::default));
        // If this is the last handle, `Inner`'s destructor hands the
        // descriptor over right here.
        drop(self);
        let fd = poll_fn(|cx| {
            let mut state = closer.lock();
            if state.released {
                return Poll::Ready(state.fd.take());
            }
            if !state.wakers.iter().any(|w| w.will_wake(cx.waker())) {
                state.wakers.push(cx.waker().clone());
            }
            Poll::Pending
        })
        .await;
        match fd {
            Some(fd) => submit(Close::new(fd)).await,
            None => Ok(()),
        }
    }
}

impl From<OwnedFd> for SharedFd {
    fn from(fd: OwnedFd) -> Self {
        Self::new(fd)
    }
}

/// Borrows the descriptor for ordinary syscalls (`setsockopt`,
/// `getsockname`… through `socket2::SockRef`), without a second descriptor.
/// The borrow cannot outlive this handle, which keeps the fd open.
impl AsFd for SharedFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner
            .fd
            .as_ref()
            .expect("fd present until closed")
            .as_fd()
    }
}

impl AsRawFd for SharedFd {
    fn as_raw_fd(&self) -> RawFd {
        self.inner
            .fd
            .as_ref()
            .expect("fd present until closed")
            .as_raw_fd()
    }
}

impl SharedFd {
    /// Gives up shared ownership if this is the only handle.
    ///
    /// # Errors
    /// Returns `self` back while other handles (in-flight ops) exist.
    pub fn try_unwrap(self) -> Result<OwnedFd, SharedFd> {
        let inner = self.inner.clone();
        drop(self);
        match Arc::try_unwrap(inner) {
            Ok(mut inner) => {
                inner.deregister();
                if inner.nonblocking.load(Relaxed) {
                    // Handed out as it came in (the readiness driver's
                    // switch is its own business); a failure leaves it
                    // non-blocking, which the caller can see and change.
                    let _ = set_nonblocking(inner.fd.as_ref().expect("fd present"), false);
                }
                Ok(inner.fd.take().expect("fd present until closed"))
            }
            Err(inner) => Err(SharedFd { inner }),
        }
    }

    /// Gives the descriptor to the caller, who may close it at any time.
    ///
    /// Without other handles this is the descriptor itself. While ops still
    /// hold it (an abandoned op waits for its final CQE), closing it could
    /// let the kernel reuse its number under them (rule 9), so the caller
    /// gets a duplicate instead (`F_DUPFD_CLOEXEC`: the same open file or
    /// socket under a new number), and the original is closed when the
    /// last op lets go of it.
    ///
    /// # Errors
    /// `EMFILE`/`ENFILE` when a duplicate is needed and no descriptor is
    /// left; the original is then still closed after its ops.
    pub fn into_owned(self) -> io::Result<OwnedFd> {
        match self.try_unwrap() {
            Ok(fd) => Ok(fd),
            Err(shared) => shared.as_fd().try_clone_to_owned(),
        }
    }

    /// The raw descriptor, for ops that put it in an SQE.
    pub(crate) fn fd(&self) -> io_uring::types::Fd {
        io_uring::types::Fd(self.as_raw_fd())
    }

    /// The readiness driver's registration of this socket, made in the
    /// poller `regs` gives if it has none (or its poller is gone).
    pub(crate) fn readiness(
        &self,
        regs: impl FnOnce() -> io::Result<Arc<Registrations>>,
    ) -> io::Result<Arc<ScheduledIo>> {
        let mut slot = self.inner.io.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(io) = slot.as_ref().filter(|io| !io.is_orphaned()) {
            return Ok(io.clone());
        }
        let io = regs()?.register(self.as_raw_fd())?;
        *slot = Some(io.clone());
        Ok(io)
    }

    /// Moves the registration `from` (if it is still this socket's) to the
    /// poller `to` (readiness rule 7); returns the registration to use.
    pub(crate) fn rehome(
        &self,
        from: &Arc<ScheduledIo>,
        to: &Arc<Registrations>,
    ) -> io::Result<Arc<ScheduledIo>> {
        let mut slot = self.inner.io.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.as_ref() {
            Some(io) if Arc::ptr_eq(io, from) => {
                from.home().evict(from);
            }
            // Moved by another op meanwhile.
            Some(io) if !io.is_orphaned() => return Ok(io.clone()),
            _ => {}
        }
        let io = to.register(self.as_raw_fd())?;
        *slot = Some(io.clone());
        Ok(io)
    }

    /// Switches the descriptor to non-blocking mode once (readiness driver:
    /// `accept` and `connect`, which have no per-call flag for it).
    pub(crate) fn ensure_nonblocking(&self) -> io::Result<()> {
        if !self.inner.nonblocking.load(Relaxed) {
            set_nonblocking(self.as_fd(), true)?;
            self.inner.nonblocking.store(true, Relaxed);
        }
        Ok(())
    }
}

/// `ioctl(FIONBIO)`: one system call either way.
fn set_nonblocking(fd: impl AsFd, on: bool) -> io::Result<()> {
    let mut on = libc::c_int::from(on);
    // SAFETY: FIONBIO reads one `int` from the live local `on`, on a
    // descriptor the caller keeps open.
    let r = unsafe { libc::ioctl(fd.as_fd().as_raw_fd(), libc::FIONBIO, &mut on) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Closes the raw fd an abandoned op produced (openat, accept, socket).
pub(crate) fn close_raw(fd: u32) {
    // SAFETY: the kernel just created `fd` for an op nobody waits for, so we
    // are its only owner; wrapping it in OwnedFd closes it exactly once.
    drop(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd as RawFd) });
}

/// Gives an owned fd to the kernel (close op): it must not be closed again.
pub(crate) fn into_raw(fd: OwnedFd) -> RawFd {
    fd.into_raw_fd()
}
