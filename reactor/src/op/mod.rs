//! Ops: io_uring requests as futures, and the protocol that keeps them safe.
//!
//! # The op protocol
//!
//! 1. An op is submitted on the ring of the thread that first polls it: its
//!    **home ring**. Later polls from other threads (after the task was
//!    stolen) only look at the op's completion cell.
//! 2. Everything the kernel may touch — buffers, iovecs, sockaddrs, paths,
//!    the fd it works on — is owned by a heap **completion cell**, never by
//!    the future's stack, from submission until the home ring has seen the
//!    final CQE.
//! 3. The cell's state is one atomic (`Pending`, `Completed`, `Abandoned`)
//!    plus an atomic waker. Only the holder of the home ring's completion
//!    lock processes its CQEs and frees cells' resources (a completed op's
//!    output goes to its future): the home thread, or another worker
//!    reaping for it while it is stuck in a long poll (see the reactor's
//!    `completion` module).
//! 4. Dropping an op future never blocks. If still pending: mark
//!    `Abandoned`, ask the home ring to `ASYNC_CANCEL` it (directly when on
//!    the home thread, otherwise through the home ring's mailbox plus an
//!    unpark). The home ring frees the resources when the final CQE arrives,
//!    and runs the op's [`OpCode::abandoned`] hook, which closes any fd the op
//!    produced (openat, accept, socket) so nothing leaks.
//! 5. Multishot ops queue their CQEs in the cell until the one without
//!    `IORING_CQE_F_MORE` ([`submit_multishot`], [`Multishot`]). A CQE
//!    nobody collects (the stream was dropped) goes to the op's
//!    [`MultishotOpCode::abandoned_item`], which closes an accepted fd or
//!    gives a provided buffer back to its ring.
//! 6. A full SQ is flushed and retried, never dropped; CQ overflow relies on
//!    `IORING_FEAT_NODROP` and is reaped (both counted in the metrics).
//! 7. Shutdown cancels every in-flight op and waits for the CQEs before
//!    freeing the ring.
//! 8. `user_data` names the op without trusting memory: a tag (op,
//!    multishot op, wake, cancel), a generation and a slot index, so a late
//!    cancel can never hit a reused slot. An op stays in the table until its final CQE (today
//!    every op has exactly one final CQE; a linked timeout or a zero-copy
//!    notification would add a count).
//! 9. An op holds a [`SharedFd`] clone of the fd it works
//!    on, so an fd is closed only after its last op's final CQE; an explicit
//!    [`SharedFd::close`](crate::SharedFd::close) waits for that, and
//!    [`SharedFd::into_owned`](crate::SharedFd::into_owned), which hands
//!    the descriptor to code that may close it at once, hands out a
//!    duplicate while ops still hold the original.
//!
//! Defining an op is implementing [`OpCode`]: say how to build the SQE from
//! memory the op owns, how to perform the same request as a plain system
//! call (for the readiness driver, [`Perform`]), and how to turn the result
//! into the output.
//!
//! # On the readiness driver
//!
//! Where a reactor runs without a ring (see [`crate::DriverKind`]), the op
//! future and its output are the same; only the way the request is made
//! differs, as its [`Perform`] says:
//!
//! 10. A socket op ([`Perform::OnReadiness`]) is a non-blocking system call
//!     made by the polling task itself. `WouldBlock` makes the future wait
//!     until the socket's readiness changes, then try again. The kernel
//!     never holds the op's memory between polls, so a dropped future loses
//!     no bytes: it had either received them within a poll, and returned
//!     them, or received nothing.
//! 11. A file or path op ([`Perform::OnBlockingPool`]) moves into a
//!     completion cell, as on a ring, and a blocking-pool thread performs
//!     it and delivers its result like a CQE. Rules 2–4 and 9 hold as on a
//!     ring: the cell owns the memory until the call returns, a dropped
//!     future abandons the cell, and the pool thread releases what the op
//!     produced (an opened fd) through [`OpCode::abandoned`]. A job the
//!     pool drops unrun (at shutdown) completes with `ECANCELED`.
//! 12. [`Perform::Inline`] ops never block and run at once on the polling
//!     thread; [`Perform::Unsupported`] ops (io_uring-only requests)
//!     complete with an `Unsupported` error.

mod accept;
mod accept_multi;
mod close;
mod connect;
mod fallocate;
mod fsync;
mod ftruncate;
mod future;
mod link;
mod mkdir;
mod msghdr;
mod nop;
mod open;
mod path;
mod poll_multi;
mod read;
mod readv;
mod recv;
mod recv_multi;
mod recv_stream;
mod recvmsg;
mod rename;
mod send;
mod sendmsg;
mod shutdown;
mod sockaddr;
mod socket;
mod statx;
mod symlink;
pub(crate) mod sys;
mod timeout_multi;
mod unlink;
mod write;
mod writev;

pub use accept::Accept;
pub use accept_multi::AcceptMulti;
pub use close::Close;
pub use connect::Connect;
pub use fallocate::Fallocate;
pub use fsync::Fsync;
pub use ftruncate::Ftruncate;
pub use future::{submit, submit_multishot, Multishot, Op};
pub use link::LinkAt;
pub use mkdir::MkDirAt;
pub use nop::Nop;
pub use open::OpenAt;
pub use poll_multi::PollMulti;
pub use read::Read;
pub use readv::Readv;
pub use recv::Recv;
pub use recv_stream::RecvMultiStream;
pub use recvmsg::{RecvMsg, RecvMsgOut};
pub use rename::RenameAt;
pub use send::Send;
pub use sendmsg::SendMsg;
pub use shutdown::Shutdown;
pub use sockaddr::{RawAddr, UnixName};
pub use socket::Socket;
pub use statx::Statx;
pub use symlink::SymlinkAt;
pub use timeout_multi::TimeoutMulti;
pub use unlink::UnlinkAt;
pub use write::Write;
pub use writev::Writev;

use crate::SharedFd;
use std::io;

/// Which readiness a socket op waits for when its call would block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interest {
    /// Readable (or closed, or in error): receives, accepts.
    Read,
    /// Writable (or closed, or in error): sends, connects.
    Write,
}

/// How an op is made on the readiness driver (rules 10–12).
#[derive(Debug)]
pub enum Perform<'a> {
    /// A non-blocking call on socket `fd`, retried when it becomes ready
    /// for `interest`.
    OnReadiness {
        /// The socket.
        fd: &'a SharedFd,
        /// What the call waits for when it would block.
        interest: Interest,
    },
    /// A call that may block (files, paths): run on the blocking pool.
    OnBlockingPool,
    /// A call that never blocks: run at once on the polling thread.
    Inline,
    /// No system call does this (an io_uring-only request).
    Unsupported,
}

/// An io_uring operation.
///
/// # Safety
/// The SQE built by [`create_entry`](Self::create_entry) may only point into
/// memory owned by `self` (heap memory whose address does not change when
/// `self` moves: a `Box`, a `Vec`'s block, an [`IoBuf`](crate::IoBuf)) or
/// into `'static` memory. The reactor keeps `self` alive and in place in the
/// op's heap cell until the final CQE, and nobody touches it meanwhile; it
/// calls `create_entry` exactly once, on the home thread, and the SQE is
/// always submitted. The SQE's `user_data` is overwritten by the reactor.
pub unsafe trait OpCode: std::marker::Send + 'static {
    /// What awaiting the op yields.
    type Output;

    /// Builds the SQE.
    fn create_entry(&mut self) -> io_uring::squeue::Entry;

    /// How the readiness driver makes this request.
    fn perform_mode(&self) -> Perform<'_>;

    /// Makes the request as one system call, without a ring, and returns
    /// what its CQE would hold (`WouldBlock` for a socket call that would
    /// block; then it is called again once the socket is ready). It may be
    /// called several times, only while no other call on `self` runs, and
    /// passes the kernel only memory `self` owns, for the call's duration.
    fn perform(&mut self) -> io::Result<u32>;

    /// Turns the CQE (`res` as an `io::Result`, and the CQE flags) into the
    /// output, giving back what the op owned.
    fn complete(self, result: io::Result<u32>, flags: u32) -> Self::Output;

    /// Runs on the home thread when the op's future was dropped before its
    /// final CQE arrived (or before it was collected). Default: nothing
    /// (owned buffers are dropped). Ops that produce an fd close it here.
    fn abandoned(self, result: io::Result<u32>, flags: u32)
    where
        Self: Sized,
    {
        let _ = (result, flags);
    }
}

/// An io_uring operation that completes with many CQEs (rule 5).
///
/// # Safety
/// As [`OpCode`]. Items are built from the CQE and the op's
/// [`Context`](Self::Context) alone, so the op's memory is never read while
/// the kernel may still use it.
pub unsafe trait MultishotOpCode: std::marker::Send + 'static {
    /// What each CQE yields.
    type Item;
    /// What turning a CQE into an item needs besides the CQE (`()` for most
    /// ops; a provided-buffer pool for a multishot receive). Read from the
    /// op when it is submitted; kept by the stream and by the op's cell.
    type Context: std::marker::Send + 'static;

    /// Builds the SQE.
    fn create_entry(&mut self) -> io_uring::squeue::Entry;

    /// How the readiness driver makes this request (only
    /// [`Perform::OnReadiness`] or [`Perform::Unsupported`]).
    fn perform_mode(&self) -> Perform<'_>;

    /// Makes one request as a system call (see [`OpCode::perform`]): each
    /// success is an item, an error other than `WouldBlock` the final one.
    fn perform(&mut self) -> io::Result<u32>;

    /// The context items are built with.
    fn context(&self) -> Self::Context;

    /// Turns one CQE into an item.
    fn item(cx: &Self::Context, result: io::Result<u32>, flags: u32) -> Self::Item;

    /// A CQE nobody will collect: release what it carries (close an
    /// accepted fd, give a provided buffer back). Default: nothing.
    fn abandoned_item(cx: &Self::Context, result: io::Result<u32>, flags: u32) {
        let _ = (cx, result, flags);
    }
}

/// The error an op polled on a shut-down reactor completes with.
pub(crate) fn shut_down_error() -> io::Error {
    io::Error::other("ringbolt reactor is shut down; the op was not submitted")
}
