//! The owner-thread half of a reactor: the ring, the op table, the wheel.
//! Everything here runs on the reactor's own thread (`Inner` is `!Send`).
//!
//! No `RefCell` borrow is held while user code runs (waking a task, dropping
//! an abandoned op's payload), so a waker that drops an op on this thread can
//! re-enter the reactor safely.

use crate::buf_ring::{BufPool, BufRingConfig, PoolHome};
use crate::cell::{Cqe, Delivered, OpCell, Payload, CQE_F_MORE};
use crate::enter::Enter;
use crate::metrics::ReactorMetrics;
use crate::pair::{Pair, PairInner};
use crate::time::Wheel;
use crate::user_data::{decode, encode, Tag, GENERATION_MASK};
use crate::wake::{HomeId, Message, Shared, EVENTFD_SLOT};
use io_uring::{opcode, squeue, types, IoUring};
use slab::Slab;
use std::cell::{Cell, RefCell};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::Duration;

/// The home ring's view of an in-flight op.
trait InFlight {
    fn deliver(&self, cqe: Cqe) -> Delivered;
}

impl<T: Payload> InFlight for OpCell<T> {
    fn deliver(&self, cqe: Cqe) -> Delivered {
        OpCell::deliver(self, cqe)
    }
}

struct OpEntry {
    generation: u32,
    /// `T::MULTISHOT` of the cell: only then does `F_MORE` mean "not final".
    multishot: bool,
    cell: Pair<dyn InFlight>,
}

/// In-flight ops by slot; `user_data` carries slot and generation.
struct OpTable {
    slab: Slab<OpEntry>,
    next_generation: u32,
}

/// The owner-thread state of one reactor.
pub(crate) struct Inner {
    ring: RefCell<IoUring>,
    /// How `io_uring_enter` is made (through the registered ring index).
    enter: Enter,
    ops: RefCell<OpTable>,
    pub(crate) wheel: RefCell<Wheel>,
    pub(crate) shared: Arc<Shared>,
    /// `shared`'s id, stored by ops instead of an `Arc` (see [`HomeId`]).
    pub(crate) home: HomeId,
    /// CQEs popped while flushing a full SQ, dispatched by the next reap.
    backlog: RefCell<Vec<(u64, Cqe)>>,
    shut_down: Cell<bool>,
    /// The eventfd read's 8-byte target; heap, so it stays put while armed.
    eventfd_buf: Box<[u8; 8]>,
    eventfd_armed: Cell<bool>,
    /// Provided-buffer pools by buffer group id; declared after `ring`, so
    /// the ring is closed before their descriptor rings are unmapped.
    pools: RefCell<Vec<PoolHome>>,
}

impl Inner {
    pub(crate) fn new(ring: IoUring, shared: Arc<Shared>) -> Self {
        let metrics = shared.metrics.clone();
        Inner {
            enter: Enter::new(&ring),
            ring: RefCell::new(ring),
            ops: RefCell::new(OpTable {
                slab: Slab::new(),
                next_generation: 0,
            }),
            wheel: RefCell::new(Wheel::new(metrics)),
            home: HomeId::register(&shared),
            shared,
            backlog: RefCell::new(Vec::new()),
            shut_down: Cell::new(false),
            eventfd_buf: Box::new([0; 8]),
            eventfd_armed: Cell::new(false),
            pools: RefCell::new(Vec::new()),
        }
    }

    fn metrics(&self) -> &ReactorMetrics {
        &self.shared.metrics
    }

    pub(crate) fn ring_fd(&self) -> i32 {
        self.ring.borrow().as_raw_fd()
    }

    /// Puts `payload` in a new cell that will wake `waker`, builds its SQE and
    /// queues it (rules 1, 2).
    /// `Err(payload)` when the reactor is shut down.
    pub(crate) fn submit<T: Payload>(
        &self,
        payload: T,
        waker: &std::task::Waker,
        build: impl FnOnce(&mut T) -> squeue::Entry,
    ) -> Result<(Pair<OpCell<T>>, u64), T> {
        if self.shut_down.get() {
            return Err(payload);
        }
        let (cell, table_owner) = Pair::new(OpCell::new(payload, waker.clone()));
        // SAFETY: the cell was just created on this (home) thread and no SQE
        // for it exists yet, so nobody else can reach the payload.
        let entry = unsafe { cell.with_payload(build) };
        let user_data = {
            let mut ops = self.ops.borrow_mut();
            let generation = ops.next_generation;
            ops.next_generation = (generation + 1) & GENERATION_MASK;
            let slot = ops.slab.insert(OpEntry {
                generation,
                multishot: T::MULTISHOT,
                // SAFETY: `|cell| cell` is the unsizing coercion to
                // `dyn InFlight` that `erase` requires.
                cell: unsafe { table_owner.erase(|cell| cell as *mut PairInner<dyn InFlight>) },
            });
            encode(Tag::Op, generation, slot as u32)
        };
        ReactorMetrics::add_owned(&self.metrics().ops_in_flight, 1);
        self.push(entry.user_data(user_data));
        Ok((cell, user_data))
    }

    /// Queues one SQE; a full SQ is flushed and the push retried (rule 6).
    pub(crate) fn push(&self, entry: squeue::Entry) {
        let mut ring = self.ring.borrow_mut();
        loop {
            // SAFETY: every SQE we queue points only into memory owned by a
            // cell in the op table (or by `Inner` itself for the eventfd read),
            // which stays alive and in place until its final CQE is reaped.
            if unsafe { ring.submission().push(&entry) }.is_ok() {
                return;
            }
            ReactorMetrics::add_owned(&self.metrics().sq_full, 1);
            self.flush(&mut ring);
        }
    }

    /// Submits everything queued (one `io_uring_enter` unless interrupted);
    /// with `TASKRUN_FLAG` the crate adds `GETEVENTS` when task work waits.
    fn flush(&self, ring: &mut IoUring) {
        loop {
            match self.enter.enter(ring, 0, None) {
                Ok(n) => {
                    ReactorMetrics::add_owned(&self.metrics().enters, 1);
                    ReactorMetrics::add_owned(&self.metrics().sqes_submitted, n as u64);
                    if ring.submission().is_empty() {
                        return;
                    }
                }
                Err(e) => match e.raw_os_error() {
                    Some(libc::EINTR) => {}
                    // CQ backed up: move CQEs aside so the kernel can proceed.
                    Some(libc::EBUSY) | Some(libc::EAGAIN) => self.pop_cqes(ring),
                    _ => panic!("ringbolt: io_uring_enter failed while submitting: {e}"),
                },
            }
        }
    }

    /// Moves every visible CQE into the backlog.
    fn pop_cqes(&self, ring: &mut IoUring) {
        let mut backlog = self.backlog.borrow_mut();
        let mut cq = ring.completion();
        cq.sync();
        for cqe in &mut cq {
            backlog.push((
                cqe.user_data(),
                Cqe {
                    result: cqe.result(),
                    flags: cqe.flags(),
                },
            ));
        }
    }

    /// One non-blocking turn. Returns how many ops and timers it woke.
    ///
    /// With `submit == false` queued SQEs stay queued (the caller is about to
    /// park, and the park's `io_uring_enter` submits them) unless the turn
    /// woke something (then the caller does not park, so they are submitted
    /// here); the kernel is otherwise entered only when it holds completions
    /// back (deferred task work or a CQ overflow).
    pub(crate) fn turn(&self, submit: bool) -> usize {
        self.process_mailbox();
        {
            let mut ring = self.ring.borrow_mut();
            let needs_enter = {
                let sq = ring.submission();
                (submit && !sq.is_empty()) || sq.taskrun() || sq.cq_overflow()
            };
            if needs_enter {
                self.flush(&mut ring);
            }
        }
        let woken = self.reap() + self.fire_timers();
        if !submit && woken > 0 {
            // The caller will not sleep now (it has tasks to run): what is
            // queued must not wait for a park that may be far off.
            let mut ring = self.ring.borrow_mut();
            if !ring.submission().is_empty() {
                self.flush(&mut ring);
            }
        }
        woken
    }

    /// Blocks in `io_uring_enter(GETEVENTS, min_complete = 1)` for at most
    /// `timeout`.
    pub(crate) fn wait(&self, timeout: Option<Duration>) {
        let mut ring = self.ring.borrow_mut();
        let result = self.enter.enter(&mut ring, 1, timeout);
        ReactorMetrics::add_owned(&self.metrics().enters, 1);
        match result {
            Ok(n) => ReactorMetrics::add_owned(&self.metrics().sqes_submitted, n as u64),
            Err(e) => match e.raw_os_error() {
                Some(libc::ETIME) | Some(libc::EINTR) | Some(libc::EBUSY) | Some(libc::EAGAIN) => {}
                _ => panic!("ringbolt: io_uring_enter failed while parking: {e}"),
            },
        }
    }

    /// Reaps every CQE (including overflowed ones) and dispatches it.
    pub(crate) fn reap(&self) -> usize {
        let mut woken = 0;
        loop {
            let overflow = {
                let mut ring = self.ring.borrow_mut();
                self.pop_cqes(&mut ring);
                let overflow = ring.submission().cq_overflow();
                if overflow {
                    // NODROP kept them in the kernel: an enter flushes them.
                    ReactorMetrics::add_owned(&self.metrics().cq_overflow, 1);
                    self.flush(&mut ring);
                }
                overflow
            };
            let mut batch = std::mem::take(&mut *self.backlog.borrow_mut());
            if batch.is_empty() && !overflow {
                self.backlog.replace(batch);
                return woken;
            }
            ReactorMetrics::add_owned(&self.metrics().cqes_reaped, batch.len() as u64);
            for (user_data, cqe) in batch.drain(..) {
                woken += self.dispatch(user_data, cqe);
            }
            // Keep the allocation for the next reap, unless a dispatch
            // (a flush on a full SQ) started a new backlog meanwhile.
            let mut backlog = self.backlog.borrow_mut();
            if backlog.is_empty() {
                *backlog = batch;
            }
        }
    }

    fn dispatch(&self, user_data: u64, cqe: Cqe) -> usize {
        match decode(user_data) {
            Some((Tag::Op, generation, slot)) => {
                let (multishot, live) = {
                    let ops = self.ops.borrow();
                    match ops.slab.get(slot as usize) {
                        Some(e) if e.generation == generation => (e.multishot, true),
                        _ => (false, false),
                    }
                };
                assert!(
                    live,
                    "ringbolt: CQE for an op not in the table ({user_data:#x})"
                );
                // No borrow is held while delivering: it wakes a task or
                // drops a payload, which may re-enter the reactor.
                if multishot && cqe.flags & CQE_F_MORE != 0 {
                    // A temporary owner: delivering wakes user code that
                    // may re-enter the reactor, reap this op's final CQE and
                    // drop the table's owner while `deliver` still runs.
                    let cell = self.ops.borrow().slab[slot as usize].cell.hold();
                    let delivered = cell.deliver(cqe);
                    debug_assert_eq!(delivered, Delivered::More);
                } else {
                    // The final CQE: the table lets go of the cell first, so
                    // the delivery needs no extra reference.
                    let entry = self.ops.borrow_mut().slab.remove(slot as usize);
                    ReactorMetrics::sub_owned(&self.metrics().ops_in_flight, 1);
                    let delivered = entry.cell.deliver(cqe);
                    debug_assert_ne!(delivered, Delivered::More);
                }
                1
            }
            Some((Tag::Wake, _, EVENTFD_SLOT)) => {
                self.eventfd_armed.set(false);
                self.arm_eventfd();
                0
            }
            // MSG_RING wakes and cancel results carry nothing to do.
            Some((Tag::Wake, _, _)) | Some((Tag::Cancel, _, _)) | None => 0,
        }
    }

    /// Keeps one read armed on the wake eventfd (eventfd mechanism only).
    pub(crate) fn arm_eventfd(&self) {
        let crate::wake::WakeTarget::EventFd(fd) = &self.shared.target else {
            return;
        };
        if self.shut_down.get() || self.eventfd_armed.get() {
            return;
        }
        let entry = opcode::Read::new(
            types::Fd(fd.as_raw_fd()),
            self.eventfd_buf.as_ptr() as *mut u8,
            8,
        )
        .build()
        .user_data(encode(Tag::Wake, 0, EVENTFD_SLOT));
        self.eventfd_armed.set(true);
        self.push(entry);
    }

    /// Handles requests other threads left in the mailbox.
    pub(crate) fn process_mailbox(&self) {
        // A plain load first: popping an empty queue costs a fence, and
        // this runs on every turn.
        if self.shared.mailbox.is_empty() {
            return;
        }
        while let Some(message) = self.shared.mailbox.pop() {
            match message {
                Message::CancelOp(user_data) => {
                    self.cancel(user_data);
                }
                Message::RemoveTimer(key) => self.wheel.borrow_mut().remove(key),
                Message::ReturnBuf { bgid, bid } => {
                    let back = self.give_back_buf(bgid, bid);
                    debug_assert!(back, "buffer pools are not borrowed here");
                }
            }
        }
    }

    /// Queues an `ASYNC_CANCEL` for the op named by `user_data` if that op
    /// (same slot *and* generation) is still in flight (rule 8). Returns
    /// whether a cancel was queued.
    pub(crate) fn cancel(&self, user_data: u64) -> bool {
        let Some((Tag::Op, generation, slot)) = decode(user_data) else {
            return false;
        };
        let live = matches!(
            self.ops.borrow().slab.get(slot as usize),
            Some(e) if e.generation == generation
        );
        if live {
            let entry = opcode::AsyncCancel::new(user_data)
                .build()
                .user_data(encode(Tag::Cancel, generation, slot))
                .flags(squeue::Flags::SKIP_SUCCESS);
            self.push(entry);
        }
        live
    }

    /// Cancel from the home thread without blocking; `false` when the ring is
    /// busy (we are inside a reap), so the caller uses the mailbox instead.
    pub(crate) fn try_cancel(&self, user_data: u64) -> bool {
        if self.ring.try_borrow_mut().is_err() || self.ops.try_borrow_mut().is_err() {
            return false;
        }
        self.cancel(user_data);
        true
    }

    fn fire_timers(&self) -> usize {
        if self.wheel.borrow().is_empty() {
            return 0;
        }
        let due = self.wheel.borrow_mut().poll_due(std::time::Instant::now());
        let n = due.len();
        for timer in due {
            timer.fire();
        }
        n
    }

    /// Rule 7: cancel every in-flight op, wait for every final CQE, and only
    /// then let the ring go. Idempotent.
    pub(crate) fn shutdown(&self) {
        if self.shut_down.replace(true) {
            return;
        }
        self.process_mailbox();
        let live: Vec<u64> = {
            let ops = self.ops.borrow();
            ops.slab
                .iter()
                .map(|(slot, e)| encode(Tag::Op, e.generation, slot as u32))
                .collect()
        };
        for user_data in live {
            self.cancel(user_data);
        }
        if self.eventfd_armed.get() {
            let target = encode(Tag::Wake, 0, EVENTFD_SLOT);
            self.push(opcode::AsyncCancel::new(target).build().user_data(encode(
                Tag::Cancel,
                0,
                0,
            )));
        }
        while !self.ops.borrow().slab.is_empty() || self.eventfd_armed.get() {
            self.wait(None);
            self.reap();
            self.process_mailbox();
        }
        for timer in self.wheel.borrow_mut().drain() {
            timer.shut_down();
        }
        // No op is left to pick buffers: the kernel may let go of the rings.
        let ring = self.ring.borrow();
        for home in self.pools.borrow().iter() {
            let _ = ring.submitter().unregister_buf_ring(home.pool.bgid);
        }
    }

    /// The provided-buffer pool of shape `config` on this ring, made and
    /// registered on first use (rule 1 of `buf_ring`).
    pub(crate) fn buf_pool(&self, config: BufRingConfig) -> std::io::Result<Arc<BufPool>> {
        if self.shut_down.get() {
            return Err(crate::op::shut_down_error());
        }
        if let Some(home) = self.pools.borrow().iter().find(|h| h.pool.config == config) {
            return Ok(home.pool.clone());
        }
        let mut pools = self.pools.borrow_mut();
        let bgid = u16::try_from(pools.len())
            .map_err(|_| std::io::Error::other("too many provided-buffer pools on one ring"))?;
        let home = PoolHome::new(config, bgid, self.shared.clone())?;
        // SAFETY: the descriptor ring is a mapping of `buf_count` entries
        // that `home` owns; it stays mapped until `home` drops, which is
        // after the ring itself (field order) and after unregistering.
        unsafe {
            self.ring
                .borrow()
                .submitter()
                .register_buf_ring_with_flags(home.ring_addr(), config.buf_count, bgid, 0)?;
        }
        let pool = home.pool.clone();
        pools.push(home);
        Ok(pool)
    }

    /// Pushes buffer `bid` back onto pool `bgid`'s ring. `false` when the
    /// pools are busy (a pool is being made), so the caller posts it.
    pub(crate) fn give_back_buf(&self, bgid: u16, bid: u16) -> bool {
        let Ok(pools) = self.pools.try_borrow() else {
            return false;
        };
        if let Some(home) = pools.get(bgid as usize) {
            home.give_back(bid);
        }
        true
    }

    /// Whether enters go through the registered ring index (tests).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn enter_registered(&self) -> bool {
        self.enter.is_registered()
    }

    /// `user_data` of every op in the table (tests).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn live_user_data(&self) -> Vec<u64> {
        let ops = self.ops.borrow();
        ops.slab
            .iter()
            .map(|(slot, e)| encode(Tag::Op, e.generation, slot as u32))
            .collect()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.shutdown();
        // Every op has had its final CQE: no message can matter any more.
        self.home.unregister();
        // Still on the owner thread, with the ring open.
        self.enter.unregister(self.ring.get_mut());
    }
}
