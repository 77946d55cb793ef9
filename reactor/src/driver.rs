//! The owner-thread half of a reactor: submission, the wheel, the mailbox,
//! parking and shutdown. Everything here runs on the reactor's own thread
//! (`Inner` is `!Send`); the completion side it shares with helpers is in
//! [`completion`](crate::completion).
//!
//! No `RefCell` borrow is held while user code runs (waking a task, dropping
//! an abandoned op's payload), so a waker that drops an op on this thread can
//! re-enter the reactor safely.

use crate::buf_ring::{BufPool, BufRingConfig, PoolHome};
use crate::cell::{OpCell, Payload};
use crate::completion::{InFlight, OpEntry, Ring, RingHandle};
use crate::enter::Enter;
use crate::metrics::ReactorMetrics;
use crate::pair::{Pair, PairInner};
use crate::parker::BeginPark;
use crate::time::Wheel;
use crate::user_data::{decode, encode, Tag};
use crate::wake::{HomeId, Message, Shared, EVENTFD_SLOT};
use io_uring::{opcode, squeue, types, IoUring};
use std::cell::{Cell, RefCell};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The owner-thread state of one reactor.
pub(crate) struct Inner {
    /// The ring and its completion side (shared with helpers).
    ring: Arc<Ring>,
    /// Borrowed while this thread holds a view of the SQ (only this thread
    /// ever makes one: only the owner writes SQEs).
    sq: RefCell<()>,
    /// How `io_uring_enter` is made (through the registered ring index).
    enter: Enter,
    /// Op slots this thread may fill (slots rule 1), and the high-water mark.
    free_slots: RefCell<Vec<u32>>,
    next_slot: Cell<u32>,
    pub(crate) wheel: RefCell<Wheel>,
    pub(crate) shared: Arc<Shared>,
    /// `shared`'s id, stored by ops instead of an `Arc` (see [`HomeId`]).
    pub(crate) home: HomeId,
    shut_down: Cell<bool>,
    /// The eventfd read's 8-byte target; heap, so it stays put while armed.
    eventfd_buf: Box<[u8; 8]>,
    eventfd_armed: Cell<bool>,
    /// Provided-buffer pools by buffer group id; their descriptor rings are
    /// unregistered by `shutdown` before they are unmapped.
    pools: RefCell<Vec<PoolHome>>,
}

impl Inner {
    pub(crate) fn new(ring: IoUring, shared: Arc<Shared>) -> Self {
        let metrics = shared.metrics.clone();
        Inner {
            enter: Enter::new(&ring),
            ring: Arc::new(Ring::new(ring, shared.clone())),
            sq: RefCell::new(()),
            free_slots: RefCell::new(Vec::new()),
            next_slot: Cell::new(0),
            wheel: RefCell::new(Wheel::new(metrics)),
            home: HomeId::register(&shared),
            shared,
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
        self.ring.uring.as_raw_fd()
    }

    /// A handle other threads use to reap this ring for a stuck owner.
    pub(crate) fn ring_handle(&self) -> RingHandle {
        RingHandle::ring(self.ring.clone())
    }

    /// Runs `f` on a view of the SQ. Only this (the owner) thread makes SQ
    /// views, and the `sq` borrow keeps two of them from overlapping.
    fn with_sq<R>(&self, f: impl FnOnce(&mut io_uring::SubmissionQueue<'_>) -> R) -> R {
        let _busy = self.sq.borrow_mut();
        // SAFETY: `Inner` is `!Send`, so this is the owner thread, the only
        // one that makes SQ views; `_busy` keeps any other view of ours from
        // existing at the same time, and this one is dropped (publishing
        // the new tail) before `_busy`.
        let mut sq = unsafe { self.ring.uring.submission_shared() };
        f(&mut sq)
    }

    /// A free op slot (slots rule 1).
    fn alloc_slot(&self) -> u32 {
        if let Some(slot) = self.free_slots.borrow_mut().pop() {
            return slot;
        }
        let slot = self.next_slot.get();
        self.next_slot.set(
            slot.checked_add(1)
                .expect("ringbolt: more than 2^32 ops in flight on one ring"),
        );
        slot
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
        let slot = self.alloc_slot();
        let op = OpEntry {
            // SAFETY: `|cell| cell` is the unsizing coercion to
            // `dyn InFlight` that `erase` requires.
            cell: unsafe { table_owner.erase(|cell| cell as *mut PairInner<dyn InFlight>) },
        };
        // SAFETY: this is the owner thread, and `slot` came off our free
        // list (or is new), so it is free (slots rule 1).
        let generation = unsafe { self.ring.slots.fill(slot, T::MULTISHOT, op) };
        let tag = if T::MULTISHOT {
            Tag::Multishot
        } else {
            Tag::Op
        };
        let user_data = encode(tag, generation, slot);
        ReactorMetrics::add_owned(&self.metrics().ops_submitted, 1);
        self.push(entry.user_data(user_data));
        Ok((cell, user_data))
    }

    /// Queues one SQE; a full SQ is flushed and the push retried (rule 6).
    pub(crate) fn push(&self, entry: squeue::Entry) {
        loop {
            // SAFETY: every SQE we queue points only into memory owned by a
            // cell in the op table (or by `Inner` itself for the eventfd read),
            // which stays alive and in place until its final CQE is reaped.
            if self.with_sq(|sq| unsafe { sq.push(&entry) }.is_ok()) {
                return;
            }
            ReactorMetrics::add_owned(&self.metrics().sq_full, 1);
            self.flush();
        }
    }

    /// What an enter must do: SQEs to submit, and whether the kernel holds
    /// completions back (task work to run, overflowed CQEs to flush).
    fn sq_state(&self) -> (u32, bool) {
        self.with_sq(|sq| (sq.len() as u32, sq.taskrun() || sq.cq_overflow()))
    }

    /// Submits everything queued (one `io_uring_enter` unless interrupted);
    /// with `TASKRUN_FLAG` the enter adds `GETEVENTS` when task work waits.
    fn flush(&self) {
        self.flush_from(self.sq_state());
    }

    /// [`flush`](Self::flush), given the SQ's state as just read.
    fn flush_from(&self, mut state: (u32, bool)) {
        loop {
            match self.enter.enter(&self.ring.uring, state, 0, None) {
                Ok(n) => {
                    ReactorMetrics::add_owned(&self.metrics().enters, 1);
                    ReactorMetrics::add_owned(&self.metrics().sqes_submitted, n as u64);
                    if n as u32 >= state.0 {
                        return;
                    }
                }
                Err(e) => match e.raw_os_error() {
                    Some(libc::EINTR) => {}
                    // CQ backed up: move CQEs to the backlog so the kernel
                    // can proceed (the next reap dispatches them).
                    Some(libc::EBUSY) | Some(libc::EAGAIN) => {
                        self.ring.lock_as_owner_wait().pop_cq();
                    }
                    _ => panic!("ringbolt: io_uring_enter failed while submitting: {e}"),
                },
            }
            state = self.sq_state();
            if state == (0, false) {
                return;
            }
        }
    }

    /// One non-blocking turn. Returns how many ops and timers it woke.
    ///
    /// With `submit == false` queued SQEs stay queued (the caller is about to
    /// park, and the park's `io_uring_enter` submits them) unless the turn
    /// woke something (then the caller does not park, so they are submitted
    /// here); the kernel is otherwise entered only when it holds completions
    /// back (task work or a CQ overflow).
    pub(crate) fn turn(&self, submit: bool) -> usize {
        self.ring.count_turn();
        self.process_mailbox();
        self.rearm_eventfd_if_fired();
        let (queued, held_back) = self.sq_state();
        if (submit && queued > 0) || held_back {
            self.flush_from((queued, held_back));
        }
        let woken = self.reap() + self.fire_timers();
        if !submit && woken > 0 && !self.with_sq(|sq| sq.is_empty()) {
            // The caller will not sleep now (it has tasks to run): what is
            // queued must not wait for a park that may be far off.
            self.flush();
        }
        woken
    }

    /// Blocking turn (see [`Reactor::park`](crate::Reactor::park)).
    pub(crate) fn park(&self, timeout: Option<Duration>) {
        if self.turn(false) > 0 {
            return;
        }
        // The clock is read only when a sleep is pending.
        let deadline = self.wheel.borrow().next_deadline();
        let timer = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let timeout = match (timeout, timer) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if timeout == Some(Duration::ZERO) {
            self.turn(true);
            return;
        }
        // Completion rule 4: sleep holding the completion lock. A helper
        // holding it is delivering our completions right now: do not sleep.
        let Some(reaper) = self.ring.lock_as_owner() else {
            return;
        };
        ringbolt_coop::chaos::point();
        if !reaper.backlog_is_empty() {
            drop(reaper);
            self.turn(true);
            return;
        }
        self.rearm_eventfd_if_fired();
        match self.shared.parker.begin_park() {
            BeginPark::Notified => {}
            BeginPark::Sleep => {
                ReactorMetrics::add_owned(&self.metrics().parks, 1);
                self.wait(timeout);
                self.shared.parker.end_park();
            }
        }
        // Reaps as the lock holder (re-entrant, completion rule 1).
        self.turn(true);
        drop(reaper);
    }

    /// Blocks in `io_uring_enter(GETEVENTS, min_complete = 1)` for at most
    /// `timeout`.
    pub(crate) fn wait(&self, timeout: Option<Duration>) {
        let result = self
            .enter
            .enter(&self.ring.uring, self.sq_state(), 1, timeout);
        ReactorMetrics::add_owned(&self.metrics().enters, 1);
        match result {
            Ok(n) => ReactorMetrics::add_owned(&self.metrics().sqes_submitted, n as u64),
            Err(e) => match e.raw_os_error() {
                Some(libc::ETIME) | Some(libc::EINTR) | Some(libc::EBUSY) | Some(libc::EAGAIN) => {}
                _ => panic!("ringbolt: io_uring_enter failed while parking: {e}"),
            },
        }
    }

    /// Reaps every CQE (including overflowed ones) and dispatches it, unless
    /// a helper is doing so right now. Returns how many ops it woke.
    pub(crate) fn reap(&self) -> usize {
        let Some(reaper) = self.ring.lock_as_owner() else {
            return 0;
        };
        let mut woken = 0;
        loop {
            woken += reaper.drain();
            if !self.with_sq(|sq| sq.cq_overflow()) {
                break;
            }
            // NODROP kept them in the kernel: an enter flushes them.
            ReactorMetrics::add_owned(&self.metrics().cq_overflow, 1);
            self.flush();
        }
        reaper.collect_freed(&mut self.free_slots.borrow_mut());
        woken
    }

    /// Re-arms the wake eventfd's read if it completed (completion rule 5).
    fn rearm_eventfd_if_fired(&self) {
        if self.ring.take_eventfd_fired() {
            self.eventfd_armed.set(false);
            self.arm_eventfd();
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
        let Some((Tag::Op | Tag::Multishot, generation, slot)) = decode(user_data) else {
            return false;
        };
        let live = self.ring.slots.is_live(slot, generation);
        if live {
            let entry = opcode::AsyncCancel::new(user_data)
                .build()
                .user_data(encode(Tag::Cancel, generation, slot))
                .flags(squeue::Flags::SKIP_SUCCESS);
            self.push(entry);
        }
        live
    }

    /// Cancel from the home thread without blocking; `false` when the SQ is
    /// in use further up this thread's stack, so the caller uses the mailbox
    /// instead.
    pub(crate) fn try_cancel(&self, user_data: u64) -> bool {
        if self.sq.try_borrow_mut().is_err() {
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
        // Hold the completion lock to the end: helpers stay away, and the
        // waits below cannot lose a CQE to one.
        let reaper = self.ring.lock_as_owner_wait();
        reaper.close();
        self.process_mailbox();
        for user_data in self.live_ops() {
            self.cancel(user_data);
        }
        if self.eventfd_armed.get() && !self.ring.take_eventfd_fired() {
            let target = encode(Tag::Wake, 0, EVENTFD_SLOT);
            self.push(opcode::AsyncCancel::new(target).build().user_data(encode(
                Tag::Cancel,
                0,
                0,
            )));
        } else {
            self.eventfd_armed.set(false);
        }
        loop {
            if self.ring.take_eventfd_fired() {
                self.eventfd_armed.set(false);
            }
            if self.metrics().ops_in_flight() == 0 && !self.eventfd_armed.get() {
                break;
            }
            self.wait(None);
            self.reap();
            self.process_mailbox();
        }
        drop(reaper);
        for timer in self.wheel.borrow_mut().drain() {
            timer.shut_down();
        }
        // No op is left to pick buffers: the kernel may let go of the rings.
        for home in self.pools.borrow().iter() {
            let _ = self
                .ring
                .uring
                .submitter()
                .unregister_buf_ring(home.pool.bgid);
        }
    }

    /// `user_data` of every op in flight.
    fn live_ops(&self) -> Vec<u64> {
        (0..self.next_slot.get())
            .filter_map(|slot| {
                let (generation, multishot) = self.ring.slots.live(slot)?;
                let tag = if multishot { Tag::Multishot } else { Tag::Op };
                Some(encode(tag, generation, slot))
            })
            .collect()
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
            self.ring.uring.submitter().register_buf_ring_with_flags(
                home.ring_addr(),
                config.buf_count,
                bgid,
                0,
            )?;
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
        self.live_ops()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.shutdown();
        // Every op has had its final CQE: no message can matter any more.
        self.home.unregister();
        // Still on the owner thread, with the ring open.
        self.enter.unregister(&self.ring.uring);
    }
}
