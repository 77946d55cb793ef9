//! Socket registrations of the readiness driver: which sockets a poller
//! watches, and the tasks waiting for each.
//!
//! # Rules
//!
//! 1. A socket is registered in one poller at a time, edge-triggered for
//!    both directions, by the first op on it that has to wait (its
//!    [`SharedFd`](crate::SharedFd) keeps the [`ScheduledIo`]); ops on
//!    every thread then wait on that registration, and whoever turns that
//!    poller (its owner, or a helper while the owner is stuck) delivers
//!    its events.
//! 2. An event bumps a per-direction sequence number and then wakes that
//!    direction's waiters. An op reads the number *before* its system
//!    call; after `WouldBlock` it parks only if, under the waiters' lock,
//!    the number has not moved. Whatever readiness appears after the call
//!    comes as a new edge, so either the op sees the bump or the event
//!    finds its waker: no wake-up is lost. Spurious wakes cost one retry.
//! 3. Wakers are woken after the waiters' lock is released (a woken task
//!    may be dropped inside `wake` during shutdown, and its op takes the
//!    lock to leave).
//! 4. The registration is removed (`EPOLL_CTL_DEL`) before the descriptor
//!    is closed or handed out, so no event can name a reused number; a
//!    late event for a token already gone is ignored.
//! 5. When a poller shuts down, every registration in it is orphaned and
//!    its waiters woken; their next try registers the socket again in the
//!    poller of the thread they run on.
//! 6. A helper that delivers a stuck owner's events also evicts each
//!    registration it delivered for (removed from the table and the epoll
//!    set under the table's lock, which a closing descriptor's rule 4 also
//!    takes, so the descriptor is still open), orphaning it: the woken
//!    tasks run on the helper and register their sockets there, so a
//!    stuck worker's connections move away from it, as a ring's do.
//! 7. An op about to park on a registration of another thread's poller,
//!    with no other op using it, moves it to the poller of the thread it
//!    runs on (evicted as in rule 6, registered again): a socket follows
//!    its task after a steal, as a ring op's home does, for two
//!    `epoll_ctl` calls, and never flaps between two tasks that use its
//!    two directions at once.

use crate::op::Interest;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Waker;

/// Locks `m`, ignoring poisoning: every critical section here is a few
/// plain writes that leave the data consistent.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What one poller watches (shared by the poller, its helpers, and every
/// registration in it).
#[derive(Debug)]
pub(crate) struct Registrations {
    registry: mio::Registry,
    /// The poller's reactor's counters (ops waiting count as in flight).
    pub(crate) metrics: Arc<crate::metrics::ReactorMetrics>,
    table: Mutex<Table>,
    /// How many sockets are registered (a turn skips `epoll_wait` at 0).
    count: AtomicUsize,
}

#[derive(Debug, Default)]
struct Table {
    ios: slab::Slab<Arc<ScheduledIo>>,
    /// The poller shut down: no new registration (rule 5).
    closed: bool,
}

impl Registrations {
    pub(crate) fn new(
        registry: mio::Registry,
        metrics: Arc<crate::metrics::ReactorMetrics>,
    ) -> Self {
        Registrations {
            registry,
            metrics,
            table: Mutex::new(Table::default()),
            count: AtomicUsize::new(0),
        }
    }

    /// Whether any socket is registered.
    pub(crate) fn is_empty(&self) -> bool {
        self.count.load(Relaxed) == 0
    }

    /// Registers `fd` (rule 1).
    pub(crate) fn register(self: &Arc<Self>, fd: RawFd) -> std::io::Result<Arc<ScheduledIo>> {
        let mut table = lock(&self.table);
        if table.closed {
            return Err(crate::op::shut_down_error());
        }
        let entry = table.ios.vacant_entry();
        let token = entry.key();
        let io = Arc::new(ScheduledIo {
            fd,
            seq: [AtomicU64::new(0), AtomicU64::new(0)],
            waiters: Mutex::new(slab::Slab::new()),
            orphaned: AtomicBool::new(false),
            token,
            home: self.clone(),
        });
        // Under the table's lock: an event for the new token, reaped at
        // once by another thread, finds the entry.
        self.registry.register(
            &mut mio::unix::SourceFd(&fd),
            mio::Token(token),
            mio::Interest::READABLE | mio::Interest::WRITABLE,
        )?;
        entry.insert(io.clone());
        self.count.fetch_add(1, Relaxed);
        Ok(io)
    }

    /// Removes `io` from this poller if it is still here, under the
    /// table's lock (rule 6: the descriptor is open while it is here).
    fn remove(&self, table: &mut Table, io: &Arc<ScheduledIo>) -> bool {
        let ours = table
            .ios
            .get(io.token)
            .is_some_and(|here| Arc::ptr_eq(here, io));
        if ours {
            table.ios.remove(io.token);
            self.count.fetch_sub(1, Relaxed);
            // A failure means the poller already forgot the descriptor.
            let _ = self.registry.deregister(&mut mio::unix::SourceFd(&io.fd));
        }
        ours
    }

    /// Moves `io` out of this poller and orphans it, waking its waiters
    /// (rules 6, 7). Returns how many tasks it woke.
    pub(crate) fn evict(&self, io: &Arc<ScheduledIo>) -> usize {
        self.remove(&mut lock(&self.table), io);
        io.wake(true, true, true)
    }

    /// Delivers one event (rule 2), evicting its registration when a
    /// helper delivers it (rule 6). Returns how many tasks it woke.
    pub(crate) fn dispatch(&self, event: &mio::event::Event, evict: bool) -> usize {
        let io = lock(&self.table).ios.get(event.token().0).cloned();
        let Some(io) = io else {
            return 0; // Deregistered since (rule 4).
        };
        if evict {
            return self.evict(&io);
        }
        let gone = event.is_error();
        let read = gone || event.is_readable() || event.is_read_closed();
        let write = gone || event.is_writable() || event.is_write_closed();
        io.wake(read, write, false)
    }

    /// Orphans every registration (rule 5).
    pub(crate) fn close(&self) {
        let ios: Vec<_> = {
            let mut table = lock(&self.table);
            table.closed = true;
            table.ios.drain().collect()
        };
        self.count.store(0, Relaxed);
        for io in ios {
            io.wake(true, true, true);
        }
    }
}

/// One registered socket (see the module rules).
#[derive(Debug)]
pub(crate) struct ScheduledIo {
    /// The descriptor, open while the registration is in its table.
    fd: RawFd,
    /// Readiness events seen, for reading and for writing (rule 2).
    seq: [AtomicU64; 2],
    waiters: Mutex<slab::Slab<Waiter>>,
    /// Its poller shut down (rule 5).
    orphaned: AtomicBool,
    token: usize,
    home: Arc<Registrations>,
}

#[derive(Debug)]
struct Waiter {
    interest: Interest,
    /// Taken by the wake; set again when the op parks again.
    waker: Option<Waker>,
}

fn index(interest: Interest) -> usize {
    match interest {
        Interest::Read => 0,
        Interest::Write => 1,
    }
}

impl ScheduledIo {
    /// The sequence number of `interest` (rule 2).
    pub(crate) fn seq(&self, interest: Interest) -> u64 {
        self.seq[index(interest)].load(Relaxed)
    }

    /// Whether its poller is gone and the socket must be registered again.
    pub(crate) fn is_orphaned(&self) -> bool {
        self.orphaned.load(Relaxed)
    }

    /// The poller it is registered in.
    pub(crate) fn home(&self) -> &Arc<Registrations> {
        &self.home
    }

    /// Bumps the directions that became ready, then wakes their waiters
    /// outside the lock (rules 2, 3); `orphan` wakes everyone for good.
    fn wake(&self, read: bool, write: bool, orphan: bool) -> usize {
        if orphan {
            self.orphaned.store(true, Relaxed);
        }
        if read {
            self.seq[0].fetch_add(1, Relaxed);
        }
        if write {
            self.seq[1].fetch_add(1, Relaxed);
        }
        // Most sockets have a waiter or two: no allocation for them.
        let mut few: [Option<Waker>; 4] = Default::default();
        let mut more = Vec::new();
        let mut n = 0;
        {
            let mut waiters = lock(&self.waiters);
            for (_, w) in waiters.iter_mut() {
                let due = match w.interest {
                    Interest::Read => read,
                    Interest::Write => write,
                };
                // Only a due waiter's waker is taken: the others stay parked.
                if let Some(waker) = w.waker.take_if(|_| due) {
                    match few.get_mut(n) {
                        Some(slot) => *slot = Some(waker),
                        None => more.push(waker),
                    }
                    n += 1;
                }
            }
        }
        for waker in few.into_iter().flatten().chain(more) {
            waker.wake();
        }
        n
    }

    /// Parks waiter `key` (made if `None`) with `waker`, unless the
    /// readiness of `interest` moved past `seen` or the registration is
    /// orphaned. Returns whether it parked (rule 2).
    pub(crate) fn park(
        &self,
        interest: Interest,
        seen: u64,
        key: &mut Option<usize>,
        waker: &Waker,
    ) -> bool {
        let mut waiters = lock(&self.waiters);
        // The mutex orders this read after a concurrent wake's bump, or
        // the wake after this registration (rule 2).
        if self.seq(interest) != seen || self.is_orphaned() {
            return false;
        }
        match key.and_then(|k| waiters.get_mut(k)) {
            Some(w) => match &w.waker {
                Some(old) if old.will_wake(waker) => {}
                _ => w.waker = Some(waker.clone()),
            },
            None => {
                *key = Some(waiters.insert(Waiter {
                    interest,
                    waker: Some(waker.clone()),
                }))
            }
        }
        true
    }

    /// Whether an op other than waiter `key` uses this registration.
    pub(crate) fn has_other_waiters(&self, key: Option<usize>) -> bool {
        let waiters = lock(&self.waiters);
        waiters.len() > usize::from(key.is_some_and(|k| waiters.contains(k)))
    }

    /// Removes waiter `key`.
    pub(crate) fn leave(&self, key: usize) {
        lock(&self.waiters).try_remove(key);
    }

    /// Rule 4: removes the registration of `fd` (this socket's descriptor,
    /// still open) from its poller.
    pub(crate) fn deregister(self: &Arc<Self>, fd: RawFd) {
        debug_assert_eq!(fd, self.fd);
        self.home.remove(&mut lock(&self.home.table), self);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Relaxed);
        }
    }

    /// An event for one direction wakes that direction's waiters and
    /// leaves the other direction's parked (its waker kept for its own
    /// event); a moved sequence number keeps an op from parking (rule 2).
    #[test]
    fn a_wake_takes_only_the_due_directions_wakers() {
        let poll = mio::Poll::new().unwrap();
        let regs = Arc::new(Registrations::new(
            poll.registry().try_clone().unwrap(),
            Arc::default(),
        ));
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let io = regs.register(std::os::fd::AsRawFd::as_raw_fd(&a)).unwrap();
        let (reader, writer) = (
            Arc::new(Count(AtomicUsize::new(0))),
            Arc::new(Count(AtomicUsize::new(0))),
        );
        let (mut rkey, mut wkey) = (None, None);
        let seen = io.seq(Interest::Read);
        assert!(io.park(
            Interest::Read,
            seen,
            &mut rkey,
            &Waker::from(reader.clone())
        ));
        let seen_w = io.seq(Interest::Write);
        assert!(io.park(
            Interest::Write,
            seen_w,
            &mut wkey,
            &Waker::from(writer.clone())
        ));
        assert_eq!(io.wake(false, true, false), 1);
        assert_eq!((reader.0.load(Relaxed), writer.0.load(Relaxed)), (0, 1));
        assert_eq!(
            io.wake(true, false, false),
            1,
            "the reader's waker was lost"
        );
        assert_eq!(reader.0.load(Relaxed), 1);
        // Readiness moved since `seen`: parking must refuse (retry instead).
        assert!(!io.park(
            Interest::Read,
            seen,
            &mut rkey,
            &Waker::from(reader.clone())
        ));
        assert!(io.has_other_waiters(rkey));
        io.leave(wkey.unwrap());
        assert!(!io.has_other_waiters(rkey));
        io.deregister(std::os::fd::AsRawFd::as_raw_fd(&a));
        assert!(regs.is_empty());
    }
}
