//! `io_uring_enter` through the ring's *registered* descriptor.
//!
//! Every `io_uring_enter(fd, ..)` makes the kernel look the ring's file up
//! in the descriptor table and take and drop a reference to it (`fget` /
//! `fput`), a measurable share of a one-op enter. `IORING_REGISTER_RING_FDS`
//! (Linux 5.18) puts the ring in the calling thread's private table of
//! rings; `io_uring_enter(index, .., IORING_ENTER_REGISTERED_RING)` then
//! skips the lookup. The table is per thread, which matches a reactor: it
//! is created, entered and dropped on one thread (`!Send`).
//!
//! Where registration fails (older kernels) the crate's own calls are used.

use io_uring::IoUring;
use std::io;
use std::os::fd::AsRawFd;
use std::time::Duration;

const IORING_ENTER_GETEVENTS: u32 = 1 << 0;
const IORING_ENTER_EXT_ARG: u32 = 1 << 3;
const IORING_ENTER_REGISTERED_RING: u32 = 1 << 4;
const IORING_REGISTER_RING_FDS: u32 = 20;
const IORING_UNREGISTER_RING_FDS: u32 = 21;

/// `struct io_uring_rsrc_update` (the kernel's uapi layout).
#[repr(C)]
struct RsrcUpdate {
    offset: u32,
    resv: u32,
    data: u64,
}

/// `struct __kernel_timespec`.
#[repr(C)]
struct KernelTimespec {
    tv_sec: i64,
    tv_nsec: i64,
}

/// `struct io_uring_getevents_arg`.
#[repr(C)]
struct GeteventsArg {
    sigmask: u64,
    sigmask_sz: u32,
    min_wait_usec: u32,
    ts: u64,
}

/// How a reactor enters its ring.
pub(crate) struct Enter {
    /// The ring's index in this thread's registered-ring table.
    registered: Option<u32>,
}

impl Enter {
    /// Registers `ring` in the calling thread's ring table; on failure the
    /// plain descriptor is used.
    pub(crate) fn new(ring: &IoUring) -> Enter {
        let mut update = RsrcUpdate {
            // u32::MAX: let the kernel pick a free index and write it back.
            offset: u32::MAX,
            resv: 0,
            data: ring.as_raw_fd() as u64,
        };
        // SAFETY: `update` is a live, writable `io_uring_rsrc_update` and we
        // pass a count of one; the kernel reads `data` (our ring's fd) and
        // writes the chosen index into `offset` before returning.
        let n = unsafe {
            libc::syscall(
                libc::SYS_io_uring_register,
                ring.as_raw_fd(),
                IORING_REGISTER_RING_FDS,
                &mut update as *mut RsrcUpdate,
                1u32,
            )
        };
        Enter {
            registered: (n == 1).then_some(update.offset),
        }
    }

    /// Takes the ring out of this thread's table (the table holds a
    /// reference to the ring and has 16 places). Call on the registering
    /// thread, before the ring is closed. Idempotent.
    pub(crate) fn unregister(&mut self, ring: &IoUring) {
        let Some(index) = self.registered.take() else {
            return;
        };
        let update = RsrcUpdate {
            offset: index,
            resv: 0,
            data: 0,
        };
        // SAFETY: `update` is a live `io_uring_rsrc_update` naming the index
        // `new` registered on this thread; the count is one; the kernel only
        // reads it. The ring fd is still open (the caller owns the ring).
        let _ = unsafe {
            libc::syscall(
                libc::SYS_io_uring_register,
                ring.as_raw_fd(),
                IORING_UNREGISTER_RING_FDS,
                &update as *const RsrcUpdate,
                1u32,
            )
        };
    }

    /// Whether enters skip the descriptor lookup.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn is_registered(&self) -> bool {
        self.registered.is_some()
    }

    /// Submits the `to_submit` queued SQEs and, with `want > 0`, waits
    /// until at least `want` CQEs are ready or `timeout` passes. Like the crate's
    /// `submit_and_wait`, it adds `GETEVENTS` when the kernel holds deferred
    /// task work or overflowed CQEs, so they are flushed to the CQ.
    pub(crate) fn enter(
        &self,
        ring: &IoUring,
        (to_submit, held_back): (u32, bool),
        want: u32,
        timeout: Option<Duration>,
    ) -> io::Result<usize> {
        let Some(index) = self.registered else {
            return match timeout {
                Some(t) => {
                    let ts = io_uring::types::Timespec::from(t);
                    let args = io_uring::types::SubmitArgs::new().timespec(&ts);
                    ring.submitter().submit_with_args(want as usize, &args)
                }
                None => ring.submit_and_wait(want as usize),
            };
        };
        let mut flags = IORING_ENTER_REGISTERED_RING;
        if want > 0 || held_back {
            flags |= IORING_ENTER_GETEVENTS;
        }
        let ret = match timeout {
            Some(t) => {
                let ts = KernelTimespec {
                    tv_sec: t.as_secs().min(i64::MAX as u64) as i64,
                    tv_nsec: i64::from(t.subsec_nanos()),
                };
                let arg = GeteventsArg {
                    sigmask: 0,
                    sigmask_sz: 0,
                    min_wait_usec: 0,
                    ts: &ts as *const KernelTimespec as u64,
                };
                // Why this is sound: `index` names this thread's registration
                // of the ring (made in `new` on this thread, which is the only
                // one that enters it). Every queued SQE points into memory
                // kept alive until its CQE (op rules 1 and 2).
                // SAFETY: as above; `arg` and `ts` live on this frame for the
                // whole call, and `EXT_ARG` with the size of
                // `io_uring_getevents_arg` tells the kernel how to read them.
                unsafe {
                    libc::syscall(
                        libc::SYS_io_uring_enter,
                        index,
                        to_submit,
                        want,
                        flags | IORING_ENTER_EXT_ARG,
                        &arg as *const GeteventsArg,
                        std::mem::size_of::<GeteventsArg>(),
                    )
                }
            }
            // SAFETY: as above, with no argument block (null, size 0).
            None => unsafe {
                libc::syscall(
                    libc::SYS_io_uring_enter,
                    index,
                    to_submit,
                    want,
                    flags,
                    std::ptr::null::<libc::c_void>(),
                    0usize,
                )
            },
        };
        if ret < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(ret as usize)
        }
    }
}
