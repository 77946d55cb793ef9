//! The executor's [`Park`] implemented with a thread's io_uring ring: a park
//! is an `io_uring_enter` that waits for a completion, the nearest timer, or
//! a wake message from another thread.

use std::sync::Arc;
use std::time::Duration;

use ringbolt_executor::{Park, Unpark};
use ringbolt_reactor::{Reactor, Unparker};

use crate::runtime::RuntimeShared;

/// Parks a worker (or a `block_on` thread) in its ring.
pub(crate) struct RingPark<'a> {
    reactor: &'a Reactor,
    /// A worker's runtime, whose other rings it may reap when their owner
    /// is stuck; `None` on a `block_on` thread.
    runtime: Option<Arc<RuntimeShared>>,
}

impl<'a> RingPark<'a> {
    /// A `block_on` thread's parker.
    pub(crate) fn new(reactor: &'a Reactor) -> Self {
        RingPark {
            reactor,
            runtime: None,
        }
    }

    /// A worker's parker.
    pub(crate) fn worker(reactor: &'a Reactor, runtime: Arc<RuntimeShared>) -> Self {
        RingPark {
            reactor,
            runtime: Some(runtime),
        }
    }
}

/// Wakes a thread parked in its ring.
pub(crate) struct RingUnpark(Unparker);

impl Unpark for RingUnpark {
    fn unpark(&self) {
        self.0.unpark()
    }
}

impl Park for RingPark<'_> {
    type Unpark = RingUnpark;

    fn unparker(&self) -> RingUnpark {
        RingUnpark(self.reactor.unparker())
    }

    fn park(&mut self) {
        self.reactor.park(None)
    }

    fn park_timeout(&mut self, timeout: Duration) {
        if timeout.is_zero() {
            self.reactor.poll()
        } else {
            self.reactor.park(Some(timeout))
        }
    }

    fn poll_deferred(&mut self) {
        self.reactor.poll_deferred()
    }

    fn help(&mut self, worker: usize) -> usize {
        self.runtime.as_ref().map_or(0, |r| r.help(worker))
    }

    fn shutdown(&mut self) {
        self.reactor.shutdown()
    }
}
