//! The completion side of a ring: its CQ, its op table, and the lock that
//! lets one thread at a time reap it. Any thread may reach it through a
//! [`RingHandle`], so that an idle or busy worker can deliver the
//! completions of a worker stuck in one long poll.
//!
//! The ring is created without `IORING_SETUP_DEFER_TASKRUN`, so the kernel
//! posts CQEs into the shared CQ memory while the owner computes, and
//! without `SINGLE_ISSUER`, so another thread may ask the kernel to consume
//! the SQEs the owner queued before it got stuck. Only the owner writes
//! SQEs, lock-free. What the CQ head, the backlog and the emptying of op
//! slots need is one reaper at a time:
//!
//! 1. The completion lock is one atomic: `FREE`, `OWNER` (held by the
//!    owner thread) or `HELPER` (held by another thread). Only the owner
//!    thread ever stores `OWNER`, so an owner that finds `OWNER` holds it
//!    already in an outer frame (it re-entered the reactor from a waker)
//!    and may reap as that frame would.
//! 2. Whoever holds the lock moves CQEs from the CQ to the back of one
//!    FIFO backlog and dispatches from its front, one at a time, until both
//!    are empty. A re-entrant frame drains the same FIFO, so every CQE of a
//!    multishot op reaches its cell in CQ order, however deep the nesting.
//! 3. A helper takes the lock only with a compare-and-swap from `FREE`,
//!    never waits for it, and gives up when the ring is closing. The owner
//!    that finds `HELPER` skips its reap (the helper is doing it), except
//!    where it must make room in the CQ (then it spins until `FREE`).
//! 4. The owner holds the lock while it sleeps in `io_uring_enter`. A
//!    sleeping owner wakes on its own CQEs and needs no help; holding the
//!    lock keeps a helper from consuming the very CQE (a wake message, a
//!    completion) that the kernel would have ended the sleep with.
//! 5. Dispatch wakes tasks and releases abandoned payloads on the thread
//!    that holds the lock; payloads and wakers are `Send`, and anything of
//!    the owner's that a payload must reach (a provided buffer going home)
//!    goes through the owner's mailbox when dispatched elsewhere. A CQE
//!    that only the owner can act on (the wake eventfd's read, which must
//!    be re-armed by a submission) sets a flag the owner checks before it
//!    sleeps.
//! 6. Lock acquisition is `Acquire` and release is `Release`, so what one
//!    holder did to the CQ head, the backlog and the op table happens
//!    before the next holder looks.
//! 7. A helper (holding the lock) may also `io_uring_enter` the ring to
//!    submit what the owner published in the SQ and could not submit
//!    itself: the kernel consumes SQEs only up to the tail the owner
//!    stored with `Release` after writing them, and serialises concurrent
//!    enters. The helper never writes the SQ. A request belongs to the
//!    thread that submitted it: its completion work then runs on the
//!    helper, which reaps the CQE at its next look.

use crate::cell::{Cqe, Delivered, OpCell, Payload, CQE_F_MORE};
use crate::metrics::ReactorMetrics;
use crate::pair::Pair;
use crate::slots::OpSlots;
use crate::sync::{AtomicU32, AtomicU8, UnsafeCell};
use crate::user_data::{decode, Tag};
use crate::wake::{Shared, EVENTFD_SLOT};
use io_uring::IoUring;
use std::collections::VecDeque;
use std::io;
use std::os::fd::AsRawFd;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::Arc;

/// Nobody reaps.
const FREE: u8 = 0;
/// The owner thread reaps (or sleeps in the kernel).
const OWNER: u8 = 1;
/// Another thread reaps for the owner.
const HELPER: u8 = 2;

/// The home ring's view of an in-flight op.
pub(crate) trait InFlight: Send + Sync {
    fn deliver(&self, cqe: Cqe) -> Delivered;
}

impl<T: Payload> InFlight for OpCell<T> {
    fn deliver(&self, cqe: Cqe) -> Delivered {
        OpCell::deliver(self, cqe)
    }
}

/// An op table entry: the table's owner of the op's cell.
pub(crate) struct OpEntry {
    pub(crate) cell: Pair<dyn InFlight>,
}

/// What the lock protects besides the CQ head.
#[derive(Default)]
struct Locked {
    /// CQEs taken from the CQ and not yet dispatched, oldest first.
    backlog: VecDeque<(u64, Cqe)>,
    /// Slots emptied since the owner last collected them (slots rule 3).
    freed: Vec<u32>,
    /// Set by the owner's shutdown: helpers stay away.
    closing: bool,
}

/// The completion lock (rules 1, 3, 6) around the state it protects.
pub(crate) struct ReapLock<T> {
    state: AtomicU8,
    data: UnsafeCell<T>,
}

// SAFETY: `data` is only reached through a `ReapGuard`, which exists only
// on the thread that holds the lock (a re-entrant guard on the owner thread
// while an outer one lives there); `T: Send` lets it be used from whichever
// thread holds it.
unsafe impl<T: Send> Sync for ReapLock<T> {}

/// The lock, held: released on drop unless it was re-entered.
#[must_use]
pub(crate) struct ReapGuard<'a, T> {
    lock: &'a ReapLock<T>,
    /// Whether dropping this releases the lock (not for a re-entered one).
    release: bool,
}

impl<T> ReapLock<T> {
    pub(crate) fn new(data: T) -> Self {
        ReapLock {
            state: AtomicU8::new(FREE),
            data: UnsafeCell::new(data),
        }
    }

    /// Owner thread only: takes the lock, or finds it held by an outer
    /// frame of its own (rule 1). `None`: a helper holds it.
    pub(crate) fn lock_as_owner(&self) -> Option<ReapGuard<'_, T>> {
        // Acquire: what the previous holder did happens before (rule 6).
        match self.state.compare_exchange(FREE, OWNER, Acquire, Relaxed) {
            Ok(_) => Some(ReapGuard {
                lock: self,
                release: true,
            }),
            Err(OWNER) => Some(ReapGuard {
                lock: self,
                release: false,
            }),
            Err(_) => None,
        }
    }

    /// Owner thread only: takes the lock, waiting for a helper to finish
    /// (rule 3).
    pub(crate) fn lock_as_owner_wait(&self) -> ReapGuard<'_, T> {
        let mut spins = 0u32;
        loop {
            if let Some(guard) = self.lock_as_owner() {
                return guard;
            }
            spins += 1;
            if spins < 64 {
                std::hint::spin_loop();
            } else {
                crate::sync::yield_now();
            }
        }
    }

    /// Any thread but the owner: takes the lock if it is free (rule 3).
    pub(crate) fn try_lock_as_helper(&self) -> Option<ReapGuard<'_, T>> {
        // Acquire: as in `lock_as_owner`.
        self.state
            .compare_exchange(FREE, HELPER, Acquire, Relaxed)
            .ok()?;
        Some(ReapGuard {
            lock: self,
            release: true,
        })
    }
}

impl<T> ReapGuard<'_, T> {
    /// Runs `f` on the protected state. `f` must not run user code (no
    /// wakes, no drops of payloads): a re-entrant guard would alias it.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        // SAFETY: this thread holds the lock (or an outer frame of it does,
        // rule 1), so no other thread touches `data`; `f` runs no user code,
        // so no re-entrant frame of ours overlaps this borrow.
        self.lock.data.with_mut(|d| f(unsafe { &mut *d }))
    }
}

impl<T> Drop for ReapGuard<'_, T> {
    fn drop(&mut self) {
        if self.release {
            // Release: publishes what we did to the next holder's Acquire
            // (rule 6).
            self.lock.state.store(FREE, Release);
        }
    }
}

/// A ring and its completion side, shared by the owner and its helpers.
pub(crate) struct Ring {
    pub(crate) uring: IoUring,
    lock: ReapLock<Locked>,
    pub(crate) slots: OpSlots<OpEntry>,
    /// Turns the owner has made; helpers watch it to tell a stuck owner.
    turns: AtomicU32,
    /// The wake eventfd's read completed and must be re-armed (rule 5).
    eventfd_fired: AtomicBool,
    pub(crate) shared: Arc<Shared>,
}

/// The completion lock held on a ring: what the holder may do.
#[must_use]
pub(crate) struct Reaper<'a> {
    ring: &'a Ring,
    guard: ReapGuard<'a, Locked>,
    by_owner: bool,
}

impl Ring {
    pub(crate) fn new(uring: IoUring, shared: Arc<Shared>) -> Ring {
        Ring {
            uring,
            lock: ReapLock::new(Locked::default()),
            slots: OpSlots::new(),
            turns: AtomicU32::new(0),
            eventfd_fired: AtomicBool::new(false),
            shared,
        }
    }

    fn metrics(&self) -> &ReactorMetrics {
        &self.shared.metrics
    }

    /// Owner: counts one turn (only the owner writes `turns`).
    pub(crate) fn count_turn(&self) {
        self.turns
            .store(self.turns.load(Relaxed).wrapping_add(1), Relaxed);
    }

    /// Owner: takes the lock, or finds it held by an outer frame of its own
    /// (rule 1). `None`: a helper holds it.
    pub(crate) fn lock_as_owner(&self) -> Option<Reaper<'_>> {
        Some(Reaper {
            ring: self,
            guard: self.lock.lock_as_owner()?,
            by_owner: true,
        })
    }

    /// Owner: takes the lock, waiting for a helper to finish (rule 3).
    pub(crate) fn lock_as_owner_wait(&self) -> Reaper<'_> {
        Reaper {
            ring: self,
            guard: self.lock.lock_as_owner_wait(),
            by_owner: true,
        }
    }

    /// Another thread: takes the lock if it is free and the ring is open.
    fn try_lock_as_helper(&self) -> Option<Reaper<'_>> {
        let guard = self.lock.try_lock_as_helper()?;
        if guard.with(|l| l.closing) {
            return None;
        }
        Some(Reaper {
            ring: self,
            guard,
            by_owner: false,
        })
    }

    /// Another thread: tells the kernel to consume every SQE the owner has
    /// published (rule 7). Only the owner writes SQEs and the SQ tail; this
    /// only makes the kernel read up to the tail, as the owner's own enter
    /// would.
    fn submit_for_owner(&self) {
        let fd = self.uring.as_raw_fd();
        let entries = self.uring.params().sq_entries();
        loop {
            // SAFETY: a plain `io_uring_enter` on a ring this `Ring` keeps
            // open, with no argument block; every SQE the owner published
            // points into memory kept alive until its CQE (op rules 1, 2).
            let r = unsafe {
                libc::syscall(
                    libc::SYS_io_uring_enter,
                    fd,
                    entries,
                    0u32,
                    0u32,
                    std::ptr::null::<libc::c_void>(),
                    0usize,
                )
            };
            if r >= 0 || io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                // EBUSY/EAGAIN (a full CQ) leave the SQEs for the owner or
                // the next look; nothing else can fail on a ring we own.
                return;
            }
        }
    }

    /// Whether a wake-eventfd read completed since the owner last asked
    /// (rule 5). Clears the flag.
    pub(crate) fn take_eventfd_fired(&self) -> bool {
        self.eventfd_fired.load(Relaxed) && self.eventfd_fired.swap(false, Relaxed)
    }
}

impl Reaper<'_> {
    /// Runs `f` on the lock-protected state (no user code in `f`).
    fn with_locked<R>(&self, f: impl FnOnce(&mut Locked) -> R) -> R {
        self.guard.with(f)
    }

    /// Moves every CQE visible in the CQ to the backlog's back (rule 2).
    /// Returns how many.
    pub(crate) fn pop_cq(&self) -> usize {
        self.with_locked(|l| {
            // SAFETY: only the lock holder makes a CQ view (rule 1), and
            // this one is dropped (writing the new head) before we return.
            let mut cq = unsafe { self.ring.uring.completion_shared() };
            cq.sync();
            let before = l.backlog.len();
            for cqe in &mut cq {
                l.backlog.push_back((
                    cqe.user_data(),
                    Cqe {
                        result: cqe.result(),
                        flags: cqe.flags(),
                    },
                ));
            }
            l.backlog.len() - before
        })
    }

    /// Whether CQEs wait in the backlog.
    pub(crate) fn backlog_is_empty(&self) -> bool {
        self.with_locked(|l| l.backlog.is_empty())
    }

    /// Dispatches from the backlog and the CQ until both are empty
    /// (rule 2). Returns how many ops it delivered to.
    pub(crate) fn drain(&self) -> usize {
        let mut woken = 0;
        loop {
            let next = self.with_locked(|l| l.backlog.pop_front());
            match next {
                Some((user_data, cqe)) => {
                    ReactorMetrics::add_owned(&self.ring.metrics().cqes_reaped, 1);
                    if !self.by_owner {
                        ReactorMetrics::add_owned(&self.ring.metrics().cqes_helped, 1);
                    }
                    woken += self.dispatch(user_data, cqe);
                    ringbolt_coop::chaos::point();
                }
                None => {
                    if self.pop_cq() == 0 {
                        return woken;
                    }
                }
            }
        }
    }

    fn dispatch(&self, user_data: u64, cqe: Cqe) -> usize {
        match decode(user_data) {
            Some((Tag::Multishot, generation, slot)) if cqe.flags & CQE_F_MORE != 0 => {
                // A temporary owner: delivering wakes user code that may
                // re-enter the reactor, take this op's final CQE from the
                // same backlog and empty its slot while `deliver` still runs.
                // SAFETY: we hold the lock (rule 1), and `hold` takes no slot.
                let cell = unsafe {
                    self.ring
                        .slots
                        .with_entry(slot, generation, |e| e.cell.hold())
                };
                let Some(cell) = cell else {
                    panic!("ringbolt: CQE for an op not in the table ({user_data:#x})");
                };
                let delivered = cell.deliver(cqe);
                debug_assert_eq!(delivered, Delivered::More);
                1
            }
            Some((Tag::Op | Tag::Multishot, generation, slot)) => {
                // The final CQE: the table lets go of the cell first (slots
                // rule 3), so the delivery needs no extra owner.
                // SAFETY: we hold the lock (rule 1).
                let Some(entry) = (unsafe { self.ring.slots.take(slot, generation) }) else {
                    panic!("ringbolt: CQE for an op not in the table ({user_data:#x})");
                };
                self.with_locked(|l| l.freed.push(slot));
                ReactorMetrics::add_owned(&self.ring.metrics().ops_finished, 1);
                let delivered = entry.cell.deliver(cqe);
                debug_assert_ne!(delivered, Delivered::More);
                1
            }
            Some((Tag::Wake, _, EVENTFD_SLOT)) => {
                self.ring.eventfd_fired.store(true, Relaxed);
                0
            }
            // MSG_RING wakes and cancel results carry nothing to do.
            Some((Tag::Wake, _, _)) | Some((Tag::Cancel, _, _)) | None => 0,
        }
    }

    /// Owner: moves the slots freed since the last call to `free`
    /// (slots rule 3).
    pub(crate) fn collect_freed(&self, free: &mut Vec<u32>) {
        self.with_locked(|l| free.append(&mut l.freed));
    }

    /// Owner: marks the ring closing, so helpers stay away from now on.
    pub(crate) fn close(&self) {
        self.with_locked(|l| l.closing = true);
    }
}

/// A handle on a reactor's completion side that any thread may hold, so it
/// can deliver the reactor's completions while the owner thread is stuck in
/// one long poll (see the executor's worker module, "the watch").
///
/// It never writes the owner's SQ: on a ring, [`help`](Self::help) enters
/// it only to make the kernel consume the SQEs the owner already published
/// (rule 7), then delivers the CQEs the kernel posted, under the ring's
/// completion lock; on the readiness driver it polls the owner's poller
/// without blocking.
#[derive(Clone)]
pub struct RingHandle {
    target: HelpTarget,
}

/// What a [`RingHandle`] helps: a ring, or a readiness driver's poller.
#[derive(Clone)]
enum HelpTarget {
    Ring(Arc<Ring>),
    Poller(Arc<crate::readiness::PollShared>),
}

impl std::fmt::Debug for RingHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RingHandle")
            .field("turns", &self.turns())
            .finish_non_exhaustive()
    }
}

impl RingHandle {
    pub(crate) fn ring(ring: Arc<Ring>) -> RingHandle {
        RingHandle {
            target: HelpTarget::Ring(ring),
        }
    }

    pub(crate) fn poller(poller: Arc<crate::readiness::PollShared>) -> RingHandle {
        RingHandle {
            target: HelpTarget::Poller(poller),
        }
    }

    fn shared(&self) -> &Shared {
        match &self.target {
            HelpTarget::Ring(ring) => &ring.shared,
            HelpTarget::Poller(poller) => &poller.shared,
        }
    }

    /// How many turns (reap, submit, fire timers) the owner has made; a
    /// value that does not move while the owner is awake means the owner is
    /// inside one poll.
    pub fn turns(&self) -> u32 {
        match &self.target {
            HelpTarget::Ring(ring) => ring.turns.load(Relaxed),
            HelpTarget::Poller(poller) => poller.turns(),
        }
    }

    /// Whether the owner sleeps in the kernel (it then wakes on its own
    /// completions and needs no help).
    pub fn is_parked(&self) -> bool {
        self.shared().parker.is_parked()
    }

    /// Whether the owner has ops in flight.
    pub fn has_ops_in_flight(&self) -> bool {
        self.shared().metrics.snapshot().ops_in_flight > 0
    }

    /// Does for a stuck owner what its turn would: submits the SQEs it
    /// queued and could not submit, and delivers every completion the
    /// kernel has posted to its ring, waking their tasks on this thread.
    /// Does nothing when someone else is reaping the ring or it is shutting
    /// down. On the readiness driver it polls the owner's poller without
    /// blocking and delivers its events instead. Returns how many ops it
    /// delivered to.
    pub fn help(&self) -> usize {
        let ring = match &self.target {
            HelpTarget::Ring(ring) => ring,
            HelpTarget::Poller(poller) => return poller.help(),
        };
        let Some(reaper) = ring.try_lock_as_helper() else {
            return 0;
        };
        ring.submit_for_owner();
        reaper.drain()
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::{Arc, Mutex};

    /// CQEs as the model's fake kernel posts them: (slot, generation, more).
    type FakeCq = Mutex<VecDeque<(u32, u32, bool)>>;

    #[derive(Default)]
    struct Model {
        backlog: VecDeque<(u32, u32, bool)>,
        freed: Vec<u32>,
    }

    struct World {
        lock: ReapLock<Model>,
        slots: OpSlots<u32>,
        cq: FakeCq,
        /// (op, CQE index within the op) in delivery order.
        delivered: Mutex<Vec<(u32, u32)>>,
        /// CQEs delivered per op so far (the cell's queue, in effect).
        seen: Mutex<[u32; 2]>,
    }

    /// What a reaper does (`Reaper::drain` and `dispatch`), on the model:
    /// the backlog's front first, refilled from the CQ; the final CQE of an
    /// op empties its slot. `reenter` runs once, from inside the first
    /// dispatch, as a waker re-entering the reactor would.
    fn drain(world: &World, guard: &ReapGuard<'_, Model>, reenter: &mut Option<Box<dyn FnMut()>>) {
        loop {
            match guard.with(|m| m.backlog.pop_front()) {
                Some((slot, generation, more)) => {
                    // SAFETY: the guard holds the lock.
                    let op = unsafe {
                        if more {
                            world.slots.with_entry(slot, generation, |e| *e)
                        } else {
                            world.slots.take(slot, generation)
                        }
                    }
                    .expect("a CQE for an op not in the table");
                    if !more {
                        guard.with(|m| m.freed.push(slot));
                    }
                    let index = {
                        let mut seen = world.seen.lock().unwrap();
                        seen[op as usize] += 1;
                        seen[op as usize]
                    };
                    world.delivered.lock().unwrap().push((op, index));
                    if let Some(mut f) = reenter.take() {
                        f();
                    }
                }
                None => {
                    let mut cq = world.cq.lock().unwrap();
                    if cq.is_empty() {
                        return;
                    }
                    guard.with(|m| m.backlog.extend(cq.drain(..)));
                }
            }
        }
    }

    /// The owner submits a multishot op (three CQEs, the last final) and a
    /// single-shot one, the fake kernel posts their CQEs, and the owner
    /// (re-entering from inside its first dispatch) and a helper reap
    /// concurrently. Every CQE is delivered once, a multishot op's in CQ
    /// order, and each slot is freed once.
    #[test]
    fn loom_one_reaper_at_a_time_in_cq_order() {
        loom::model(|| {
            let world = Arc::new(World {
                lock: ReapLock::new(Model::default()),
                slots: OpSlots::new(),
                cq: Mutex::new(VecDeque::new()),
                delivered: Mutex::new(Vec::new()),
                seen: Mutex::new([0; 2]),
            });
            // SAFETY: the owner fills free slots before any CQE names them.
            unsafe {
                assert_eq!(world.slots.fill(0, true, 0), 1);
                assert_eq!(world.slots.fill(1, false, 1), 1);
            }
            let helper_world = world.clone();
            let helper = loom::thread::spawn(move || {
                if let Some(guard) = helper_world.lock.try_lock_as_helper() {
                    drain(&helper_world, &guard, &mut None);
                }
            });
            {
                let mut cq = world.cq.lock().unwrap();
                cq.push_back((0, 1, true));
                cq.push_back((1, 1, false));
            }
            world.cq.lock().unwrap().push_back((0, 1, true));
            world.cq.lock().unwrap().push_back((0, 1, false));
            if let Some(guard) = world.lock.lock_as_owner() {
                let nested_world = world.clone();
                let mut reenter: Option<Box<dyn FnMut()>> = Some(Box::new(move || {
                    let guard = nested_world
                        .lock
                        .lock_as_owner()
                        .expect("the outer frame holds the lock");
                    drain(&nested_world, &guard, &mut None);
                }));
                drain(&world, &guard, &mut reenter);
            }
            helper.join().unwrap();
            // Whatever the helper left (it gave up on a held lock).
            let guard = world.lock.lock_as_owner_wait();
            drain(&world, &guard, &mut None);
            let delivered = world.delivered.lock().unwrap().clone();
            let op0: Vec<u32> = delivered.iter().filter(|d| d.0 == 0).map(|d| d.1).collect();
            assert_eq!(op0, [1, 2, 3], "the multishot op's CQEs out of order");
            assert_eq!(delivered.iter().filter(|d| d.0 == 1).count(), 1);
            let mut freed = guard.with(|m| std::mem::take(&mut m.freed));
            freed.sort_unstable();
            assert_eq!(freed, [0, 1]);
            assert!(!world.slots.is_live(0, 1) && !world.slots.is_live(1, 1));
        });
    }
}
