//! A runtime-agnostic countdown latch: the completion signal the scheduler
//! workloads use instead of awaiting thousands of join handles.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use futures::task::AtomicWaker;

/// Counts down from `n`; [`wait`](Self::wait) resolves once it reaches zero.
///
/// Only one task may wait at a time (it is built on [`AtomicWaker`]).
#[derive(Debug)]
pub struct Latch {
    remaining: AtomicUsize,
    waker: AtomicWaker,
}

impl Latch {
    /// A latch that opens after `n` calls to [`count_down`](Self::count_down).
    pub fn new(n: usize) -> Self {
        Latch {
            remaining: AtomicUsize::new(n),
            waker: AtomicWaker::new(),
        }
    }

    /// Counts one down; the call that reaches zero wakes the waiter.
    pub fn count_down(&self) {
        let prev = self.remaining.fetch_sub(1, Ordering::AcqRel);
        assert!(
            prev > 0,
            "Latch counted down more times than it was created with"
        );
        if prev == 1 {
            self.waker.wake();
        }
    }

    /// How many counts are left.
    pub fn remaining(&self) -> usize {
        self.remaining.load(Ordering::Acquire)
    }

    /// Resolves when the count reaches zero.
    pub fn wait(&self) -> Wait<'_> {
        Wait { latch: self }
    }
}

/// Future returned by [`Latch::wait`].
#[derive(Debug)]
pub struct Wait<'a> {
    latch: &'a Latch,
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.latch.remaining() == 0 {
            return Poll::Ready(());
        }
        self.latch.waker.register(cx.waker());
        if self.latch.remaining() == 0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::task::noop_waker_ref;
    use std::sync::Arc;

    #[test]
    fn opens_only_at_zero() {
        let latch = Latch::new(2);
        let mut cx = Context::from_waker(noop_waker_ref());
        let mut wait = latch.wait();
        assert!(Pin::new(&mut wait).poll(&mut cx).is_pending());
        latch.count_down();
        assert!(Pin::new(&mut wait).poll(&mut cx).is_pending());
        latch.count_down();
        assert!(Pin::new(&mut wait).poll(&mut cx).is_ready());
    }

    #[test]
    fn wakes_the_waiter_from_other_threads() {
        let latch = Arc::new(Latch::new(64));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let latch = latch.clone();
                std::thread::spawn(move || (0..16).for_each(|_| latch.count_down()))
            })
            .collect();
        futures::executor::block_on(latch.wait());
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(latch.remaining(), 0);
    }
}
