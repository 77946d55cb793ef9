//! Counting a pool's buffers out of its ring, and waking streams that wait
//! for one to come back (after the kernel said `ENOBUFS`).
//!
//! Protocol (loom model `loom_buffer_return_wakes_waiter`):
//! 1. The pool's home ring calls [`released`](Waiters::released) after it
//!    pushed a buffer back: it decrements `in_use`, then takes the waker
//!    list under the lock and wakes every waker.
//! 2. A stream that found no free buffer calls
//!    [`poll_free`](Waiters::poll_free): it pushes its waker under the lock,
//!    then reads `in_use` again.
//!
//! Either the releaser takes the lock first — then its decrement happens
//! before the waiter's lock, so the waiter's second read sees it — or the
//! waiter's waker is in the list when the releaser takes it, and is woken.
//! No wake-up is lost.

use crate::sync::{AtomicUsize, Mutex};
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed};
use std::task::{Context, Poll, Waker};

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct Waiters {
    /// Buffers the kernel handed out and the home ring has not taken back.
    in_use: AtomicUsize,
    wakers: Mutex<Vec<Waker>>,
}

impl Waiters {
    pub(crate) fn new() -> Self {
        Self {
            in_use: AtomicUsize::new(0),
            wakers: Mutex::new(Vec::new()),
        }
    }

    /// A CQE handed a buffer out (any thread; ordered by the lock, rule 2).
    pub(crate) fn taken(&self) {
        self.in_use.fetch_add(1, Relaxed);
    }

    /// Rule 1: the home ring pushed a buffer back.
    pub(crate) fn released(&self) {
        // AcqRel: pairs with `poll_free`'s Acquire loads (the lock orders
        // the two sides anyway; see the module docs).
        self.in_use.fetch_sub(1, AcqRel);
        let wakers = std::mem::take(&mut *self.wakers.lock());
        for w in wakers {
            w.wake();
        }
    }

    /// Buffers out of the ring now.
    pub(crate) fn in_use(&self) -> usize {
        self.in_use.load(Acquire)
    }

    /// Rule 2: ready once fewer than `count` buffers are out.
    pub(crate) fn poll_free(&self, count: usize, cx: &mut Context<'_>) -> Poll<()> {
        if self.in_use() < count {
            return Poll::Ready(());
        }
        {
            let mut wakers = self.wakers.lock();
            if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
                wakers.push(cx.waker().clone());
            }
        }
        if self.in_use() < count {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use std::task::Wake;

    struct Flag(AtomicBool);
    impl Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.store(true, SeqCst);
        }
    }

    /// A stream that saw every buffer out either sees the returned one or
    /// is woken by its return.
    #[test]
    fn loom_buffer_return_wakes_waiter() {
        loom::model(|| {
            let w = Arc::new(Waiters::new());
            w.taken();
            let home = w.clone();
            let ring = loom::thread::spawn(move || home.released());
            let flag = std::sync::Arc::new(Flag(AtomicBool::new(false)));
            let waker = Waker::from(flag.clone());
            let mut cx = Context::from_waker(&waker);
            let ready = w.poll_free(1, &mut cx).is_ready();
            ring.join().unwrap();
            assert!(ready || flag.0.load(SeqCst), "lost wake-up");
            assert_eq!(w.in_use(), 0);
        });
    }
}
