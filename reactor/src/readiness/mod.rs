//! The readiness driver: a reactor without a ring, for hosts that deny
//! io_uring (seccomp profiles, `kernel.io_uring_disabled`, old kernels).
//!
//! One epoll instance per reactor (through `mio`, edge-triggered), the
//! same timer wheel, mailbox and parker as the ring driver, and no op
//! table: socket ops are non-blocking calls retried on readiness
//! (registrations in [`io`]), file and path ops run on the blocking pool
//! the reactor was given ([`Offload`]), and a cross-thread wake is a write
//! to the poller's eventfd (`mio::Waker`). The op futures are the ring
//! driver's (op rules 10–12 in [`crate::op`]).
//!
//! Helping a stuck owner: the poller sits behind a mutex that its owner
//! holds while it turns or sleeps. Another thread that finds it free polls
//! it without blocking and delivers its events (waking their tasks where
//! they can run), as a helper reaps a stuck ring's completions, and moves
//! those sockets' registrations off the stuck poller (rule 6 in [`io`]);
//! a sleeping owner wakes on its own events and needs no help.

pub(crate) mod io;
pub(crate) mod op;

use crate::metrics::ReactorMetrics;
use crate::parker::BeginPark;
use crate::time::Wheel;
use crate::wake::{HomeId, Message, Shared};
use io::{lock, Registrations};
use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The token of the poller's own waker.
pub(crate) const WAKE_TOKEN: mio::Token = mio::Token(usize::MAX);

/// Events taken from the poller per `epoll_wait`.
const EVENTS: usize = 1024;

/// Runs the blocking jobs of a readiness reactor (file and path ops): the
/// runtime gives it its blocking pool. A job that is dropped unrun
/// completes its op with `ECANCELED`.
///
/// ```
/// use ringbolt_reactor::Offload;
/// // A thread per job: enough for a reactor used on its own.
/// let offload = Offload::new(|job| {
///     std::thread::spawn(job);
/// });
/// # let _ = offload;
/// ```
#[derive(Clone)]
pub struct Offload(Arc<dyn Fn(Job) + Send + Sync>);

/// One blocking call of a readiness reactor, for an [`Offload`] to run.
pub type Job = Box<dyn FnOnce() + Send>;

impl Offload {
    /// Jobs go to `spawn`, which must run each one on some thread (or drop
    /// it, which cancels its op).
    pub fn new(spawn: impl Fn(Job) + Send + Sync + 'static) -> Self {
        Offload(Arc::new(spawn))
    }

    pub(crate) fn spawn(&self, job: Job) {
        (self.0)(job)
    }
}

impl std::fmt::Debug for Offload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Offload")
    }
}

/// The part of the driver other threads reach: the poller and its count
/// of turns (helpers watch it, as they watch a ring's).
#[derive(Debug)]
pub(crate) struct PollShared {
    poll: Mutex<(mio::Poll, mio::event::Events)>,
    pub(crate) regs: Arc<Registrations>,
    turns: AtomicU32,
    pub(crate) shared: Arc<Shared>,
}

impl PollShared {
    /// Polls for events (for at most `timeout`) with the poller locked by
    /// the caller, and delivers them. Returns how many tasks it woke.
    fn poll_locked(
        &self,
        (poll, events): &mut (mio::Poll, mio::event::Events),
        timeout: Option<Duration>,
        helping: bool,
    ) -> usize {
        ReactorMetrics::add(&self.shared.metrics.enters, 1);
        if let Err(e) = poll.poll(events, timeout) {
            // EINTR: a signal; the caller turns again soon.
            assert_eq!(
                e.kind(),
                std::io::ErrorKind::Interrupted,
                "ringbolt: epoll_wait failed: {e}"
            );
            return 0;
        }
        let mut woken = 0;
        for event in events.iter() {
            if event.token() == WAKE_TOKEN {
                continue;
            }
            ReactorMetrics::add(&self.shared.metrics.cqes_reaped, 1);
            woken += self.regs.dispatch(event, helping);
        }
        woken
    }

    /// Another thread: polls without blocking for a stuck owner, unless
    /// the owner (or another helper) holds the poller.
    pub(crate) fn help(&self) -> usize {
        let Ok(mut poll) = self.poll.try_lock() else {
            return 0;
        };
        let woken = self.poll_locked(&mut poll, Some(Duration::ZERO), true);
        ReactorMetrics::add(&self.shared.metrics.cqes_helped, woken as u64);
        woken
    }

    /// Turns the owner has made.
    pub(crate) fn turns(&self) -> u32 {
        self.turns.load(Relaxed)
    }

    /// The epoll descriptor (diagnostics).
    pub(crate) fn poll_fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        lock(&self.poll).0.as_raw_fd()
    }
}

/// The owner-thread state of a readiness reactor.
pub(crate) struct PollDriver {
    pub(crate) inner: Arc<PollShared>,
    pub(crate) wheel: RefCell<Wheel>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) home: HomeId,
    pub(crate) offload: Offload,
    shut_down: Cell<bool>,
}

impl PollDriver {
    /// A poller with its waker; `shared` is built around the waker by
    /// `make_shared`.
    pub(crate) fn new(
        offload: Offload,
        make_shared: impl FnOnce(mio::Waker) -> Arc<Shared>,
    ) -> std::io::Result<PollDriver> {
        let poll = mio::Poll::new()?;
        let waker = mio::Waker::new(poll.registry(), WAKE_TOKEN)?;
        let shared = make_shared(waker);
        let metrics = shared.metrics.clone();
        let regs = Arc::new(Registrations::new(
            poll.registry().try_clone()?,
            metrics.clone(),
        ));
        Ok(PollDriver {
            inner: Arc::new(PollShared {
                poll: Mutex::new((poll, mio::event::Events::with_capacity(EVENTS))),
                regs,
                turns: AtomicU32::new(0),
                shared: shared.clone(),
            }),
            wheel: RefCell::new(Wheel::new(metrics)),
            home: HomeId::register(&shared),
            shared,
            offload,
            shut_down: Cell::new(false),
        })
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_down.get()
    }

    fn count_turn(&self) {
        let turns = &self.inner.turns;
        turns.store(turns.load(Relaxed).wrapping_add(1), Relaxed);
    }

    /// One non-blocking turn: the mailbox, the poller's events, due timers.
    pub(crate) fn turn(&self) -> usize {
        self.count_turn();
        self.process_mailbox();
        let mut woken = 0;
        if !self.inner.regs.is_empty() {
            // A helper holding the poller is delivering our events now.
            if let Ok(mut poll) = self.inner.poll.try_lock() {
                woken += self
                    .inner
                    .poll_locked(&mut poll, Some(Duration::ZERO), false);
            }
        }
        woken + self.fire_timers()
    }

    /// Blocking turn: sleeps in `epoll_wait` until an event, an unpark or
    /// `min(timeout, nearest timer)`, unless the mailbox or a due timer
    /// woke something. Unlike a ring's park it does not look at the poller
    /// first: a non-blocking `epoll_wait` would cost the system call that
    /// the blocking one makes anyway, returning at once when events wait.
    pub(crate) fn park(&self, timeout: Option<Duration>) {
        self.count_turn();
        self.process_mailbox();
        if self.fire_timers() > 0 {
            return;
        }
        let deadline = self.wheel.borrow().next_deadline();
        let timer = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let timeout = match (timeout, timer) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if timeout == Some(Duration::ZERO) {
            self.turn();
            return;
        }
        // Sleep holding the poller, so no helper takes the event (or the
        // wake) that ends the sleep.
        let Ok(mut poll) = self.inner.poll.try_lock() else {
            return; // A helper is delivering our events right now.
        };
        match self.shared.parker.begin_park() {
            BeginPark::Notified => {}
            BeginPark::Sleep => {
                ReactorMetrics::add_owned(&self.shared.metrics.parks, 1);
                self.inner.poll_locked(&mut poll, timeout, false);
                self.shared.parker.end_park();
            }
        }
        drop(poll);
        self.process_mailbox();
        self.fire_timers();
    }

    fn process_mailbox(&self) {
        if self.shared.mailbox.is_empty() {
            return;
        }
        while let Some(message) = self.shared.mailbox.pop() {
            match message {
                Message::RemoveTimer(key) => self.wheel.borrow_mut().remove(key),
                // Ops on this driver are never cancelled through the
                // mailbox, and it has no provided buffers.
                Message::CancelOp(_) | Message::ReturnBuf { .. } => {}
            }
        }
    }

    fn fire_timers(&self) -> usize {
        if self.wheel.borrow().is_empty() {
            return 0;
        }
        let due = self.wheel.borrow_mut().poll_due(Instant::now());
        let n = due.len();
        for timer in due {
            timer.fire();
        }
        n
    }

    /// Orphans every registration (waking its waiters), releases pending
    /// sleeps, and refuses later ops. Blocking jobs in flight own their
    /// memory and finish on their own. Idempotent.
    pub(crate) fn shutdown(&self) {
        if self.shut_down.replace(true) {
            return;
        }
        self.inner.regs.close();
        self.process_mailbox();
        for timer in self.wheel.borrow_mut().drain() {
            timer.shut_down();
        }
    }
}

impl Drop for PollDriver {
    fn drop(&mut self) {
        self.shutdown();
        self.home.unregister();
    }
}
