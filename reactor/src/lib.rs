//! ringbolt-reactor: one io_uring ring per thread.
//!
//! A [`Reactor`] owns a ring, a timer wheel, an op table and a mailbox, and
//! lives on one thread. [`submit`] turns an [`OpCode`] into a future that is
//! submitted on the ring of the thread that first polls it and may then move
//! to any thread; its completion wakes the task through its `Waker`. The
//! rules that keep this sound are in [`op`].
//!
//! ```
//! use ringbolt_reactor::{op::Nop, submit, Reactor, RingConfig};
//! use std::future::Future;
//! use std::task::{Context, Poll, Waker};
//!
//! let reactor = Reactor::new(&RingConfig::default()).unwrap();
//! let _enter = reactor.enter();
//! let mut nop = std::pin::pin!(submit(Nop));
//! let mut cx = Context::from_waker(Waker::noop());
//! loop {
//!     if let Poll::Ready(result) = nop.as_mut().poll(&mut cx) {
//!         result.unwrap();
//!         break;
//!     }
//!     reactor.park(None);
//! }
//! ```

mod atomic_waker;
pub mod buf;
pub mod buf_ring;
mod cell;
mod completion;
mod config;
mod driver;
mod enter;
mod fd;
mod metrics;
pub mod op;
mod pair;
mod parker;
mod reactor;
mod readiness;
mod setup;
mod slots;
mod sync;
#[cfg(all(test, not(loom)))]
mod tests;
pub mod time;
mod user_data;
mod wake;

pub use buf::{BufResult, IoBuf, IoBufMut, Slice};
pub use buf_ring::{BufRingConfig, RingBuf};
pub use completion::RingHandle;
pub use config::RingConfig;
pub use fd::SharedFd;
pub use metrics::{MetricsSnapshot, ReactorMetrics};
pub use op::{submit, submit_multishot, Multishot, MultishotOpCode, Op, OpCode};
pub use reactor::{is_entered, DriverKind, EnterGuard, Reactor};
pub use readiness::{Job, Offload};
pub use setup::io_uring_unavailable;
pub use wake::{Unparker, WakeMechanism};
