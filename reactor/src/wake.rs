//! Cross-thread wake-ups: the state every thread may touch ([`Shared`]), the
//! [`Unparker`] handle, and the two wake messages a parked ring can receive.

use crate::metrics::ReactorMetrics;
use crate::parker::ParkState;
use crate::user_data::{encode, Tag};
use crossbeam_queue::SegQueue;
use io_uring::{opcode, types};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, PoisonError, RwLock, Weak};

/// `IORING_REGISTER_SEND_MSG_RING` (Linux 6.13): run a `MSG_RING` SQE
/// synchronously, from any thread, with no ring of one's own.
const IORING_REGISTER_SEND_MSG_RING: libc::c_long = 31;
/// Slot of the `user_data` a `MSG_RING` wake carries.
pub(crate) const MSG_RING_SLOT: u32 = 0;
/// Slot of the `user_data` of the armed eventfd read.
pub(crate) const EVENTFD_SLOT: u32 = 1;

/// How other threads wake a parked reactor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WakeMechanism {
    /// `io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, sqe)`: a
    /// `MSG_RING` CQE posted straight into the target ring (Linux 6.13+).
    MsgRing,
    /// `write(2)` on an eventfd the target ring keeps an armed read on.
    EventFd,
    /// The readiness driver's `mio::Waker`: a `write(2)` on an eventfd in
    /// the target's epoll set.
    Poller,
}

/// A request another thread leaves for the home ring (rule 4; timers).
#[derive(Debug)]
pub(crate) enum Message {
    /// Cancel the op named by this `user_data`, if it is still that op.
    CancelOp(u64),
    /// Remove a cancelled sleep from the wheel.
    RemoveTimer(crate::time::TimerKey),
    /// Push provided buffer `bid` back onto pool `bgid`'s ring (a
    /// `RingBuf` dropped on another thread).
    ReturnBuf {
        /// The pool's buffer group id.
        bgid: u16,
        /// The buffer.
        bid: u16,
    },
}

/// Where wake messages go.
#[derive(Debug)]
pub(crate) enum WakeTarget {
    /// A duplicate of the ring fd: `MSG_RING` can never reach a reused fd
    /// number, and a message to a ring whose owner is gone is harmless.
    MsgRing(OwnedFd),
    /// The eventfd the ring reads.
    EventFd(OwnedFd),
    /// The readiness driver's poller waker.
    Poller(mio::Waker),
}

impl WakeTarget {
    /// Sends one wake message.
    pub(crate) fn send(&self) -> io::Result<()> {
        match self {
            WakeTarget::MsgRing(ring) => send_msg_ring(ring.as_raw_fd()),
            WakeTarget::Poller(waker) => waker.wake(),
            WakeTarget::EventFd(fd) => {
                let one: u64 = 1;
                loop {
                    // SAFETY: writes 8 bytes from a live local to an fd we own.
                    let n = unsafe { libc::write(fd.as_raw_fd(), (&one as *const u64).cast(), 8) };
                    if n == 8 {
                        return Ok(());
                    }
                    let e = io::Error::last_os_error();
                    match e.raw_os_error() {
                        Some(libc::EINTR) => continue,
                        // The counter is saturated: a wake is pending anyway.
                        Some(libc::EAGAIN) => return Ok(()),
                        _ => return Err(e),
                    }
                }
            }
        }
    }

    /// Which mechanism this is.
    pub(crate) fn mechanism(&self) -> WakeMechanism {
        match self {
            WakeTarget::MsgRing(_) => WakeMechanism::MsgRing,
            WakeTarget::EventFd(_) => WakeMechanism::EventFd,
            WakeTarget::Poller(_) => WakeMechanism::Poller,
        }
    }
}

/// Posts a wake CQE into the ring `ring_fd` without using any ring of ours.
pub(crate) fn send_msg_ring(ring_fd: i32) -> io::Result<()> {
    let sqe = opcode::MsgRingData::new(
        types::Fd(ring_fd),
        0,
        encode(Tag::Wake, 0, MSG_RING_SLOT),
        None,
    )
    .build();
    loop {
        // SAFETY: `sqe` is a live, initialised 64-byte `io_uring_sqe`
        // (`squeue::Entry` is `repr(C)` around it); the kernel copies it
        // during the call and keeps no pointer to it.
        let r = unsafe {
            libc::syscall(
                libc::SYS_io_uring_register,
                -1,
                IORING_REGISTER_SEND_MSG_RING,
                &sqe as *const io_uring::squeue::Entry,
                1,
            )
        };
        if r >= 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINTR) {
            return Err(e);
        }
    }
}

/// The part of a reactor that other threads reach through an `Arc`.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) parker: ParkState,
    pub(crate) mailbox: SegQueue<Message>,
    pub(crate) metrics: Arc<ReactorMetrics>,
    pub(crate) target: WakeTarget,
}

/// Names a live reactor for as long as the process runs: ids are never
/// reused, so a message addressed to a reactor that is gone finds nobody
/// instead of a newer reactor (whose op slots could match the `user_data`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HomeId(u64);

/// Every live reactor's [`Shared`], for the rare thread that must message an
/// op's home ring from elsewhere (dropping an op future after a steal). An
/// op stores its home's [`HomeId`], not an `Arc<Shared>`, so submitting and
/// completing an op touches no reference count here.
static HOMES: RwLock<Vec<(HomeId, Weak<Shared>)>> = RwLock::new(Vec::new());

impl HomeId {
    /// Registers `shared` and returns its new id; [`HomeId::unregister`]
    /// when its reactor is gone.
    pub(crate) fn register(shared: &Arc<Shared>) -> HomeId {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let id = HomeId(NEXT.fetch_add(1, Relaxed));
        let mut homes = HOMES.write().unwrap_or_else(PoisonError::into_inner);
        homes.push((id, Arc::downgrade(shared)));
        id
    }

    /// Forgets this id: later lookups find nothing.
    pub(crate) fn unregister(self) {
        let mut homes = HOMES.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(i) = homes.iter().position(|(id, _)| *id == self) {
            homes.swap_remove(i);
        }
    }

    /// The reactor's shared state, if it is still alive.
    pub(crate) fn shared(self) -> Option<Arc<Shared>> {
        let homes = HOMES.read().unwrap_or_else(PoisonError::into_inner);
        let (_, weak) = homes.iter().find(|(id, _)| *id == self)?;
        weak.upgrade()
    }

    /// Posts `message` to this reactor; nothing happens if it is gone (its
    /// shutdown cancelled and reaped every op, so nothing is left to do).
    pub(crate) fn post(self, message: Message) {
        if let Some(shared) = self.shared() {
            shared.post(message);
        }
    }
}

impl Shared {
    /// Leaves a token and, if the owner sleeps, sends it a wake message.
    pub(crate) fn unpark(&self) {
        if self.parker.unpark() {
            ReactorMetrics::add(&self.metrics.unparks_sent, 1);
            // A failure here would mean the ring or eventfd we own vanished,
            // which `Shared` prevents by owning them; nothing sane remains to do.
            let sent = self.target.send();
            debug_assert!(sent.is_ok(), "ringbolt: wake message failed: {sent:?}");
        }
    }

    /// Queues `message` for the home ring and makes sure it looks soon.
    pub(crate) fn post(&self, message: Message) {
        self.mailbox.push(message);
        ringbolt_coop::chaos::point();
        self.unpark();
    }
}

/// A handle other threads use to wake this reactor's thread when it is parked.
///
/// Token semantics: an `unpark` while the thread runs makes its next
/// [`park`](crate::Reactor::park) return at once; a wake message is sent only
/// when the thread really sleeps.
#[derive(Clone, Debug)]
pub struct Unparker {
    pub(crate) shared: Arc<Shared>,
}

impl Unparker {
    /// Wakes the reactor's thread (or leaves it a token).
    pub fn unpark(&self) {
        self.shared.unpark();
    }
}
