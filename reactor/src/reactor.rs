//! The public [`Reactor`]: one driver per thread (an io_uring ring, or the
//! readiness driver), the thread-local "current reactor", parking and
//! shutdown.
//!
//! # The driver boundary
//!
//! A reactor runs one of two drivers, chosen when it is made
//! ([`DriverKind`]); everything above the reactor (the op futures, `fs`,
//! `net`, the runtime's worker loop) is the same on both:
//!
//! 1. **Ops.** Every op implements [`OpCode`](crate::OpCode) once: an SQE
//!    for the ring, a plain system call and a [`Perform`](crate::op::Perform)
//!    mode for the readiness driver, one `complete` for both. The op future
//!    decides at its first poll, from the thread's current reactor, which
//!    way it is made (op rules 1 and 10–12), and keeps that way after a
//!    steal.
//! 2. **Turning and parking.** Both drivers turn (deliver what is ready,
//!    fire due timers, read the mailbox) without blocking, and park in one
//!    system call (`io_uring_enter` or `epoll_wait`) bounded by the
//!    nearest timer; both keep the same parker token, so an [`Unparker`]
//!    sends a wake (a `MSG_RING`, or an eventfd write) only to a sleeper.
//! 3. **Timers** are the same wheel on both.
//! 4. **Helping.** [`RingHandle::help`] lets another thread deliver what a
//!    stuck owner's driver holds: a ring's CQEs, or a poller's events.
//! 5. **Shutdown** leaves no memory with the kernel: a ring cancels and
//!    reaps every op; a poller has nothing in the kernel (blocking-pool
//!    calls own their memory), orphans its registrations and wakes their
//!    waiters. Both release pending sleeps and refuse later ops.
//! 6. **What differs**, and only below this line: provided-buffer
//!    receives and kernel timeouts are ring-only (a
//!    [`RecvMultiStream`](crate::op::RecvMultiStream) receives into heap
//!    buffers instead); files take a blocking-pool thread per call on the
//!    readiness driver.

use crate::completion::RingHandle;
use crate::config::RingConfig;
use crate::driver::Inner;
use crate::metrics::ReactorMetrics;
use crate::parker::ParkState;
use crate::readiness::io::Registrations;
use crate::readiness::{Offload, PollDriver};
use crate::setup::build_ring;
use crate::time::Wheel;
use crate::wake::{send_msg_ring, HomeId, Shared, Unparker, WakeMechanism, WakeTarget};
use crossbeam_queue::SegQueue;
use std::cell::RefCell;
use std::io;
use std::marker::PhantomData;
use std::os::fd::{FromRawFd, OwnedFd};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

/// Panic message for ringbolt I/O polled on a thread without a reactor.
pub(crate) const NO_REACTOR: &str =
    "ringbolt I/O polled outside a ringbolt runtime: no io_uring reactor on this thread \
     (enter a Reactor, or run inside ringbolt::Runtime / block_on)";

/// Which driver a reactor runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DriverKind {
    /// One io_uring ring: every op is an SQE.
    IoUring,
    /// The readiness driver: epoll for sockets, the blocking pool for
    /// files and paths, for hosts where io_uring is denied.
    Epoll,
}

impl std::fmt::Display for DriverKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DriverKind::IoUring => "io_uring",
            DriverKind::Epoll => "epoll",
        })
    }
}

/// A reactor's owner-thread state: one of the two drivers.
pub(crate) enum Driver {
    Ring(Inner),
    Poll(PollDriver),
}

impl Driver {
    /// The reactor's id (for messages from other threads).
    pub(crate) fn home(&self) -> HomeId {
        match self {
            Driver::Ring(inner) => inner.home,
            Driver::Poll(poll) => poll.home,
        }
    }

    /// The timer wheel (the same on both drivers).
    pub(crate) fn wheel(&self) -> &RefCell<Wheel> {
        match self {
            Driver::Ring(inner) => &inner.wheel,
            Driver::Poll(poll) => &poll.wheel,
        }
    }

    /// What other threads reach.
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        match self {
            Driver::Ring(inner) => &inner.shared,
            Driver::Poll(poll) => &poll.shared,
        }
    }

    /// The poller sockets register in (readiness driver only).
    pub(crate) fn registrations(&self) -> Option<Arc<Registrations>> {
        match self {
            Driver::Ring(_) => None,
            Driver::Poll(poll) => Some(poll.inner.regs.clone()),
        }
    }

    fn kind(&self) -> DriverKind {
        match self {
            Driver::Ring(_) => DriverKind::IoUring,
            Driver::Poll(_) => DriverKind::Epoll,
        }
    }

    fn turn(&self, submit: bool) {
        match self {
            Driver::Ring(inner) => {
                inner.turn(submit);
            }
            Driver::Poll(poll) => {
                poll.turn();
            }
        }
    }

    fn park(&self, timeout: Option<Duration>) {
        match self {
            Driver::Ring(inner) => inner.park(timeout),
            Driver::Poll(poll) => poll.park(timeout),
        }
    }

    fn shutdown(&self) {
        match self {
            Driver::Ring(inner) => inner.shutdown(),
            Driver::Poll(poll) => poll.shutdown(),
        }
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<Driver>>> = const { RefCell::new(None) };
}

/// Runs `f` with the calling thread's entered reactor, if any.
pub(crate) fn with_current<R>(f: impl FnOnce(&Driver) -> R) -> Option<R> {
    // Clone the Rc so no TLS borrow is held while `f` runs (it may re-enter).
    let inner = CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()?;
    Some(f(&inner))
}

/// `true` when the current thread has an entered reactor.
pub fn is_entered() -> bool {
    CURRENT.try_with(|c| c.borrow().is_some()).unwrap_or(false)
}

/// One io_uring ring (or, on the readiness driver, one epoll instance)
/// plus its timer wheel, mailbox and op table.
///
/// Owned by the thread that created it (`!Send`): only that thread submits,
/// reaps and parks. Other threads reach it through an [`Unparker`] and
/// through the ops and sleeps whose home it is.
pub struct Reactor {
    inner: Rc<Driver>,
}

/// Makes a reactor the thread's current one until dropped
/// (see [`Reactor::enter`]).
#[must_use = "the reactor is current only while the guard lives"]
pub struct EnterGuard<'a> {
    previous: Option<Rc<Driver>>,
    _reactor: PhantomData<&'a Reactor>,
}

impl Drop for EnterGuard<'_> {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = previous);
    }
}

impl Reactor {
    /// Creates the ring on the calling thread with
    /// `COOP_TASKRUN | TASKRUN_FLAG | SUBMIT_ALL | NO_SQARRAY`, stepping down
    /// on `EINVAL` for older kernels, and caps io-wq workers. No SQPOLL.
    ///
    /// Wakes use `IORING_REGISTER_SEND_MSG_RING` where the kernel has it
    /// (6.13+) and an armed eventfd read otherwise.
    ///
    /// # Errors
    /// When io_uring cannot be used, an error whose message names the cause
    /// (an old kernel or a seccomp filter for `ENOSYS`; `kernel.io_uring_disabled`
    /// or seccomp for `EPERM`/`EACCES`; `RLIMIT_MEMLOCK` for `ENOMEM`) and
    /// what to do; its kind is the original error's, and its
    /// [`source`](std::error::Error::source) is the original OS error.
    pub fn new(config: &RingConfig) -> io::Result<Reactor> {
        Self::with_wake_mechanism(config, WakeMechanism::MsgRing)
    }

    /// Like [`new`](Self::new), preferring `wake` for cross-thread wakes
    /// (falling back to the other one if the kernel lacks it). Used to
    /// measure the two (`examples/unpark_latency.rs`).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn with_wake_mechanism(config: &RingConfig, wake: WakeMechanism) -> io::Result<Reactor> {
        let ring = build_ring(config)?;
        let ring_fd = std::os::fd::AsRawFd::as_raw_fd(&ring);
        let target = match wake {
            WakeMechanism::MsgRing if send_msg_ring(ring_fd).is_ok() => {
                WakeTarget::MsgRing(dup(ring_fd)?)
            }
            _ => WakeTarget::EventFd(eventfd()?),
        };
        let inner = Inner::new(ring, new_shared(target));
        inner.arm_eventfd();
        // Reaps the probe's message (if any) so the first park sleeps.
        inner.turn(true);
        Ok(Reactor {
            inner: Rc::new(Driver::Ring(inner)),
        })
    }

    /// Creates a reactor on the readiness driver: an epoll instance
    /// (edge-triggered, through `mio`) for sockets, `offload` for file and
    /// path calls, the same timer wheel. For hosts that deny io_uring; see
    /// the [driver boundary](crate::Reactor#the-driver-boundary).
    ///
    /// # Errors
    /// When the epoll instance or its eventfd cannot be created (out of
    /// descriptors).
    pub fn epoll(offload: Offload) -> io::Result<Reactor> {
        let poll = PollDriver::new(offload, |waker| new_shared(WakeTarget::Poller(waker)))?;
        Ok(Reactor {
            inner: Rc::new(Driver::Poll(poll)),
        })
    }

    /// Which driver this reactor runs.
    pub fn driver(&self) -> DriverKind {
        self.inner.kind()
    }

    /// Makes this reactor the calling thread's current reactor until the
    /// guard drops. Op futures and sleeps find their home ring through it.
    pub fn enter(&self) -> EnterGuard<'_> {
        let previous = CURRENT.with(|c| c.borrow_mut().replace(self.inner.clone()));
        EnterGuard {
            previous,
            _reactor: PhantomData,
        }
    }

    /// A handle other threads use to wake this reactor's thread.
    pub fn unparker(&self) -> Unparker {
        Unparker {
            shared: self.inner.shared().clone(),
        }
    }

    /// The wake mechanism in use.
    pub fn wake_mechanism(&self) -> WakeMechanism {
        self.inner.shared().target.mechanism()
    }

    /// Non-blocking turn: handles the mailbox (cancels and timer removals
    /// from other threads), submits everything queued with one
    /// `io_uring_enter`, reaps every CQE waking tasks, fires due timers.
    pub fn poll(&self) {
        self.inner.turn(true);
    }

    /// Like [`poll`](Self::poll), but when it finds nothing to do, what is
    /// queued for submission stays queued for the next [`park`](Self::park)
    /// or `poll`, which submit it in the same `io_uring_enter` that waits
    /// (it still enters the kernel when the kernel holds completions back:
    /// deferred task work, CQ overflow). For a thread about to park:
    /// submit-and-sleep is then one system call instead of two. When it did
    /// wake something it submits the queue, as `poll` does.
    pub fn poll_deferred(&self) {
        self.inner.turn(false);
    }

    /// Blocking turn: reaps like [`poll`](Self::poll); when that found
    /// nothing to do, submits what is queued and sleeps in the same
    /// `io_uring_enter(GETEVENTS, min_complete = 1)` until a CQE (an op that
    /// completes at submission counts), an unpark, or `min(timeout, nearest
    /// timer deadline)`. When the reap did wake something it submits the
    /// queue and returns at once.
    ///
    /// Token semantics: an [`Unparker::unpark`] since the last park makes
    /// this return at once. Like `std::thread::park`, it may also return
    /// spuriously.
    pub fn park(&self, timeout: Option<Duration>) {
        self.inner.park(timeout);
    }

    /// A handle on this reactor's completion side, for other threads: while
    /// this thread is stuck in one long poll, another may deliver the
    /// completions the kernel has posted to this ring (see [`RingHandle`]).
    pub fn ring_handle(&self) -> RingHandle {
        match &*self.inner {
            Driver::Ring(inner) => inner.ring_handle(),
            Driver::Poll(poll) => RingHandle::poller(poll.inner.clone()),
        }
    }

    /// Cancels every in-flight op and waits for their final CQEs, freeing
    /// every resource they held (rule 7); pending sleeps are released and
    /// register again wherever they are polled next. Ops polled later on
    /// this reactor fail without being submitted. Also done on drop.
    /// Idempotent.
    pub fn shutdown(&self) {
        self.inner.shutdown();
    }

    /// Counters readable from any thread.
    pub fn metrics(&self) -> Arc<ReactorMetrics> {
        self.inner.shared().metrics.clone()
    }

    /// The ring's file descriptor (the epoll descriptor on the readiness
    /// driver), for diagnostics.
    pub fn ring_fd(&self) -> i32 {
        match &*self.inner {
            Driver::Ring(inner) => inner.ring_fd(),
            Driver::Poll(poll) => poll.inner.poll_fd(),
        }
    }

    #[cfg(all(test, not(loom)))]
    pub(crate) fn inner(&self) -> &Inner {
        match &*self.inner {
            Driver::Ring(inner) => inner,
            Driver::Poll(_) => panic!("not a ring reactor"),
        }
    }
}

impl Drop for Reactor {
    fn drop(&mut self) {
        self.inner.shutdown();
    }
}

impl std::fmt::Debug for Reactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reactor")
            .field("ring_fd", &self.ring_fd())
            .finish()
    }
}

/// The cross-thread state of a new reactor that wakes through `target`.
fn new_shared(target: WakeTarget) -> Arc<Shared> {
    Arc::new(Shared {
        parker: ParkState::new(),
        mailbox: SegQueue::new(),
        metrics: Arc::new(ReactorMetrics::default()),
        target,
    })
}

fn eventfd() -> io::Result<OwnedFd> {
    // Blocking on purpose: io_uring completes a read on an O_NONBLOCK file
    // with -EAGAIN instead of waiting for it.
    // SAFETY: plain syscall; the result is checked before use.
    let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by eventfd(2) and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A close-on-exec duplicate of `fd`.
fn dup(fd: i32) -> io::Result<OwnedFd> {
    // SAFETY: plain syscall on an fd we own (the ring); the result is checked.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if new < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `new` was just created by fcntl and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}
