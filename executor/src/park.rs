//! How a worker sleeps when it has nothing to run, and how others wake it.
//!
//! The executor knows nothing about I/O: it parks through [`Park`], which the
//! runtime implements with the worker's io_uring ring (a park is an
//! `io_uring_enter` that waits for completions, timers or a wake message).
//! [`ThreadPark`] is a plain thread parker for the executor's own tests and
//! for users who want the scheduler without a ring.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Puts the current thread to sleep until there may be work.
///
/// A `Park` is created on, and used only by, the thread it parks: it need not
/// be `Send`.
///
/// Implementations must have *token* semantics: an [`Unpark::unpark`] that
/// happens before [`Park::park`] makes that park return at once, so a wake
/// that races with going to sleep is never lost. Spurious returns are allowed.
pub trait Park {
    /// The handle other threads use to wake this one.
    type Unpark: Unpark;

    /// Returns a handle that wakes this parker.
    fn unparker(&self) -> Self::Unpark;

    /// Sleeps until unparked (or for any other reason the parker has, such as
    /// an I/O completion or a timer).
    fn park(&mut self);

    /// Like [`park`](Park::park) but returns after `timeout` at the latest.
    /// With a zero timeout it never blocks: the worker calls it every few
    /// ticks to make progress on I/O while it is busy.
    fn park_timeout(&mut self, timeout: Duration);

    /// A non-blocking turn that may leave work it would hand to the kernel
    /// queued until the next [`park`](Park::park) or
    /// [`park_timeout`](Park::park_timeout), so that handing it over and
    /// going to sleep cost one system call. The worker calls it when it runs
    /// dry. The default is `park_timeout(Duration::ZERO)`.
    fn poll_deferred(&mut self) {
        self.park_timeout(Duration::ZERO)
    }

    /// Delivers, on this thread, what the parker of worker `worker` holds
    /// for its tasks (the runtime: the completions the kernel posted to that
    /// worker's ring), because that worker has been stuck in one poll for a
    /// while. Returns how many tasks it woke. The default does nothing.
    fn help(&mut self, worker: usize) -> usize {
        let _ = worker;
        0
    }

    /// Called once on the worker thread when the runtime shuts down, after
    /// every task has been dropped. The default does nothing.
    fn shutdown(&mut self) {}
}

/// Wakes a parked thread. Cheap to clone, usable from any thread.
pub trait Unpark: Send + Sync + 'static {
    /// Wakes the parker, or makes its next park return at once.
    fn unpark(&self);
}

impl<U: Unpark + ?Sized> Unpark for Arc<U> {
    fn unpark(&self) {
        (**self).unpark()
    }
}

impl<U: Unpark + ?Sized> Unpark for Box<U> {
    fn unpark(&self) {
        (**self).unpark()
    }
}

const EMPTY: u8 = 0;
const PARKED: u8 = 1;
const NOTIFIED: u8 = 2;

#[derive(Debug)]
struct Inner {
    state: AtomicU8,
    lock: Mutex<()>,
    cvar: Condvar,
}

/// A [`Park`] built on a mutex and a condition variable.
#[derive(Debug)]
pub struct ThreadPark {
    inner: Arc<Inner>,
}

/// The [`Unpark`] handle of a [`ThreadPark`].
#[derive(Clone, Debug)]
pub struct ThreadUnpark {
    inner: Arc<Inner>,
}

impl ThreadPark {
    /// Creates a parker with no pending token.
    pub fn new() -> ThreadPark {
        ThreadPark {
            inner: Arc::new(Inner {
                state: AtomicU8::new(EMPTY),
                lock: Mutex::new(()),
                cvar: Condvar::new(),
            }),
        }
    }
}

impl Default for ThreadPark {
    fn default() -> Self {
        ThreadPark::new()
    }
}

impl Inner {
    fn park(&self, timeout: Option<Duration>) {
        // Consume a token left by an earlier unpark without sleeping.
        // Acquire pairs with the Release half of `unpark`'s swap, so the
        // work published before the unpark is visible after we return.
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            return;
        }
        if timeout == Some(Duration::ZERO) {
            return;
        }
        let mut guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        match self
            .state
            .compare_exchange(EMPTY, PARKED, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => {}
            Err(NOTIFIED) => {
                // Raced with an unpark: take its token.
                self.state.swap(EMPTY, Ordering::Acquire);
                return;
            }
            Err(state) => unreachable!("ThreadPark parked twice (state {state})"),
        }
        loop {
            guard = match timeout {
                None => self.cvar.wait(guard).unwrap_or_else(|e| e.into_inner()),
                Some(t) => {
                    let (g, _) = self
                        .cvar
                        .wait_timeout(guard, t)
                        .unwrap_or_else(|e| e.into_inner());
                    // Timed out or notified: either way leave the parked state.
                    self.state.swap(EMPTY, Ordering::Acquire);
                    drop(g);
                    return;
                }
            };
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
            // Spurious condvar wake-up: sleep again.
        }
    }

    fn unpark(&self) {
        // Release pairs with the Acquire in `park`.
        match self.state.swap(NOTIFIED, Ordering::Release) {
            EMPTY | NOTIFIED => {}
            PARKED => {
                // Taking the lock orders this notify after the parker's wait
                // began (it holds the lock from its CAS until it waits).
                drop(self.lock.lock().unwrap_or_else(|e| e.into_inner()));
                self.cvar.notify_one();
            }
            state => unreachable!("ThreadPark in state {state}"),
        }
    }
}

impl Park for ThreadPark {
    type Unpark = ThreadUnpark;

    fn unparker(&self) -> ThreadUnpark {
        ThreadUnpark {
            inner: Arc::clone(&self.inner),
        }
    }

    fn park(&mut self) {
        self.inner.park(None)
    }

    fn park_timeout(&mut self, timeout: Duration) {
        self.inner.park(Some(timeout))
    }
}

impl Unpark for ThreadUnpark {
    fn unpark(&self) {
        self.inner.unpark()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn token_before_park_returns_at_once() {
        let mut p = ThreadPark::new();
        p.unparker().unpark();
        p.park(); // would hang without the token
    }

    #[test]
    fn zero_timeout_never_blocks() {
        let mut p = ThreadPark::new();
        p.park_timeout(Duration::ZERO);
    }

    #[test]
    fn no_lost_unpark_across_threads() {
        // The child sets a flag and unparks; the parent parks until it sees
        // the flag. A lost unpark hangs this test.
        const ROUNDS: usize = 10_000;
        let mut p = ThreadPark::new();
        let u = p.unparker();
        let turn = Arc::new(AtomicUsize::new(0));
        let t = {
            let turn = Arc::clone(&turn);
            std::thread::spawn(move || {
                for round in 1..=ROUNDS {
                    turn.store(round, Ordering::SeqCst);
                    u.unpark();
                    while turn.load(Ordering::SeqCst) != 0 {
                        std::hint::spin_loop();
                    }
                }
            })
        };
        for round in 1..=ROUNDS {
            while turn.load(Ordering::SeqCst) != round {
                p.park();
            }
            turn.store(0, Ordering::SeqCst);
        }
        t.join().unwrap();
    }
}
