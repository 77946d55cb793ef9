//! [`SharedFd`]: a file descriptor shared by its owner and its in-flight ops
//! (rule 9).

use crate::atomic_waker::AtomicWaker;
use crate::op::{submit, Close};
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Poll;

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
    /// Set by `close`: every clone dropped from now on wakes `closer`.
    closing: AtomicBool,
    closer: AtomicWaker,
}

impl std::fmt::Debug for AtomicWaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AtomicWaker")
    }
}

impl SharedFd {
    /// Takes ownership of `fd`.
    pub fn new(fd: OwnedFd) -> Self {
        Self {
            inner: Arc::new(Inner {
                fd: Some(fd),
                closing: AtomicBool::new(false),
                closer: AtomicWaker::new(),
            }),
        }
    }

    /// The raw descriptor (valid as long as this handle lives).
    pub fn raw(&self) -> RawFd {
        self.as_raw_fd()
    }

    /// Closes the descriptor with an io_uring `close` once every other clone
    /// (each in-flight op on it) is gone, and reports the result.
    pub async fn close(self) -> io::Result<()> {
        self.inner.closing.store(true, Ordering::SeqCst);
        let mut this = Some(self.inner.clone());
        drop(self);
        let fd = poll_fn(|cx| {
            let arc = this.take().expect("polled after completion");
            arc.closer.register(cx.waker());
            match Arc::try_unwrap(arc) {
                Ok(mut inner) => Poll::Ready(inner.fd.take().expect("fd present until closed")),
                Err(arc) => {
                    this = Some(arc);
                    Poll::Pending
                }
            }
        })
        .await;
        submit(Close::new(fd)).await
    }
}

impl Drop for SharedFd {
    fn drop(&mut self) {
        // SeqCst pairs with the store in `close`: either `close` sees our
        // count gone in `try_unwrap`, or we see `closing` and wake it.
        if self.inner.closing.load(Ordering::SeqCst) {
            self.inner.closer.wake();
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
            Ok(mut inner) => Ok(inner.fd.take().expect("fd present until closed")),
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
