//! Unit tests that need the reactor's internals.

use crate::op::{Nop, Read};
use crate::wake::Message;
use crate::{submit, Reactor, RingConfig, SharedFd};
use std::future::Future;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

fn pipe() -> (SharedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` is a valid 2-int array for pipe2 to fill.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: pipe2 just created both fds; we own them.
    unsafe {
        (
            SharedFd::new(OwnedFd::from_raw_fd(fds[0])),
            OwnedFd::from_raw_fd(fds[1]),
        )
    }
}

fn write_byte(fd: &OwnedFd) {
    assert_eq!(
        // SAFETY: writes one byte from a live static to an fd we own.
        unsafe { libc::write(fd.as_raw_fd(), b"x".as_ptr().cast(), 1) },
        1
    );
}

fn wait<F: Future + Unpin>(reactor: &Reactor, fut: &mut F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = Pin::new(&mut *fut).poll(&mut cx) {
            return out;
        }
        reactor.park(None);
    }
}

/// Rule 8: a cancel naming a freed op whose slot was reused hits nothing.
#[test]
fn stale_cancel_cannot_hit_reused_slot() {
    let reactor = Reactor::new(&RingConfig::default()).unwrap();
    let _e = reactor.enter();
    let (r, w) = pipe();
    let mut cx = Context::from_waker(Waker::noop());

    let mut a = submit(Read::new(&r, vec![0u8; 8], 0));
    assert!(Pin::new(&mut a).poll(&mut cx).is_pending());
    let ud_a = reactor.inner().live_user_data()[0];
    write_byte(&w);
    assert_eq!(wait(&reactor, &mut a).0.unwrap(), 1);

    let mut b = submit(Read::new(&r, vec![0u8; 8], 0));
    assert!(Pin::new(&mut b).poll(&mut cx).is_pending());
    let ud_b = reactor.inner().live_user_data()[0];
    assert_eq!(ud_a as u32, ud_b as u32, "slot reused");
    assert_ne!(ud_a, ud_b, "generation differs");

    // Directly and through the mailbox: both must leave B alone.
    assert!(!reactor.inner().cancel(ud_a));
    reactor.inner().shared.post(Message::CancelOp(ud_a));
    reactor.poll();
    write_byte(&w);
    assert_eq!(
        wait(&reactor, &mut b).0.unwrap(),
        1,
        "B was cancelled by A's stale cancel"
    );

    // Control: the live op's own user_data does cancel it.
    let mut c = submit(Read::new(&r, vec![0u8; 8], 0));
    assert!(Pin::new(&mut c).poll(&mut cx).is_pending());
    let ud_c = reactor.inner().live_user_data()[0];
    assert!(reactor.inner().cancel(ud_c));
    let err = wait(&reactor, &mut c).0.unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ECANCELED));
}

/// A waker that drops another op when woken, on the home thread, in the
/// middle of a reap: the reactor must not hold a borrow while waking.
#[test]
fn waker_dropping_an_op_during_reap() {
    struct DropOnWake(std::sync::Mutex<Option<crate::Op<Read<Vec<u8>>>>>);
    impl std::task::Wake for DropOnWake {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.lock().unwrap().take();
        }
    }
    let reactor = Reactor::new(&RingConfig::default()).unwrap();
    let _e = reactor.enter();
    let (r, _w) = pipe();
    let mut noop_cx = Context::from_waker(Waker::noop());
    let mut read = submit(Read::new(&r, vec![0u8; 8], 0));
    assert!(Pin::new(&mut read).poll(&mut noop_cx).is_pending());
    let dropper = std::sync::Arc::new(DropOnWake(std::sync::Mutex::new(Some(read))));
    let waker = Waker::from(dropper.clone());
    let mut nop = submit(Nop);
    assert!(Pin::new(&mut nop)
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    let metrics = reactor.metrics();
    while metrics.snapshot().ops_in_flight > 0 {
        reactor.park(None);
    }
    assert!(dropper.0.lock().unwrap().is_none(), "wake ran");
    assert!(reactor.inner().live_user_data().is_empty());
}

/// `park` hands queued SQEs to the kernel in the same `io_uring_enter` that
/// waits, and `poll_deferred` leaves them queued: a NOP awaited through
/// `poll_deferred` + `park` costs one enter (the NOP completes at
/// submission, so the wait returns at once).
#[test]
fn park_submits_and_waits_in_one_enter() {
    let reactor = Reactor::new(&RingConfig::default()).unwrap();
    let _e = reactor.enter();
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..3 {
        let enters = reactor.metrics().snapshot().enters;
        let mut op = submit(Nop);
        assert!(Pin::new(&mut op).poll(&mut cx).is_pending());
        reactor.poll_deferred();
        assert_eq!(
            reactor.metrics().snapshot().enters,
            enters,
            "poll_deferred entered the kernel with only a queued SQE"
        );
        assert!(
            Pin::new(&mut op).poll(&mut cx).is_pending(),
            "not submitted yet"
        );
        reactor.park(None);
        assert_eq!(reactor.metrics().snapshot().enters, enters + 1);
        assert!(matches!(
            Pin::new(&mut op).poll(&mut cx),
            Poll::Ready(Ok(()))
        ));
    }
}

/// Each reactor enters its ring through this thread's registered-ring
/// table, and gives its place back when dropped: the table has 16 places,
/// so 40 reactors in a row on one thread would run out if one leaked.
#[test]
fn registered_ring_places_are_given_back() {
    let mut cx = Context::from_waker(Waker::noop());
    for i in 0..40 {
        let reactor = Reactor::new(&RingConfig::default()).unwrap();
        assert!(
            reactor.inner().enter_registered(),
            "reactor {i} unregistered"
        );
        let _e = reactor.enter();
        let mut op = submit(Nop);
        assert!(Pin::new(&mut op).poll(&mut cx).is_pending());
        assert!(matches!(wait(&reactor, &mut op), Ok(())));
        // A timed park goes through the same path with an argument block.
        reactor.park(Some(std::time::Duration::from_millis(1)));
    }
}

/// `poll_deferred` defers the queue only when it found nothing to do: when
/// its turn woke something (here a due timer) the caller will not park, so
/// the queued SQE is submitted there and then.
#[test]
fn a_turn_that_wakes_something_submits_the_queue() {
    let reactor = Reactor::new(&RingConfig::default()).unwrap();
    let _e = reactor.enter();
    let mut cx = Context::from_waker(Waker::noop());
    let mut sleep = crate::time::sleep(std::time::Duration::from_millis(1));
    assert!(Pin::new(&mut sleep).poll(&mut cx).is_pending());
    std::thread::sleep(std::time::Duration::from_millis(5));
    let mut op = submit(Nop);
    assert!(Pin::new(&mut op).poll(&mut cx).is_pending());
    let submitted = reactor.metrics().snapshot().sqes_submitted;
    reactor.poll_deferred();
    assert!(
        Pin::new(&mut sleep).poll(&mut cx).is_ready(),
        "the timer fired"
    );
    assert_eq!(
        reactor.metrics().snapshot().sqes_submitted,
        submitted + 1,
        "the queued NOP stayed queued"
    );
}

/// Rule 4: an op names its home by a `HomeId` that is never reused. A cancel
/// addressed to a reactor that is gone reaches nobody, not the next reactor
/// (whose first op gets the same slot and generation as the dead one's).
#[test]
fn a_cancel_for_a_dropped_reactor_reaches_nobody() {
    let cx_waker = Waker::noop();
    let mut cx = Context::from_waker(cx_waker);
    let (r, w) = pipe();
    let (old_home, old_ud) = {
        let reactor = Reactor::new(&RingConfig::default()).unwrap();
        let _e = reactor.enter();
        let mut a = submit(Read::new(&r, vec![0u8; 8], 0));
        assert!(Pin::new(&mut a).poll(&mut cx).is_pending());
        let ud = reactor.inner().live_user_data()[0];
        write_byte(&w);
        assert_eq!(wait(&reactor, &mut a).0.unwrap(), 1);
        (reactor.inner().home, ud)
    };
    assert!(
        old_home.shared().is_none(),
        "a dropped reactor is still listed"
    );

    let reactor = Reactor::new(&RingConfig::default()).unwrap();
    let _e = reactor.enter();
    assert_ne!(reactor.inner().home, old_home, "home id reused");
    let home = reactor
        .inner()
        .home
        .shared()
        .expect("a live reactor is listed");
    assert!(std::sync::Arc::ptr_eq(&home, &reactor.inner().shared));
    let mut b = submit(Read::new(&r, vec![0u8; 8], 0));
    assert!(Pin::new(&mut b).poll(&mut cx).is_pending());
    assert_eq!(
        reactor.inner().live_user_data()[0],
        old_ud,
        "same slot and generation"
    );
    old_home.post(Message::CancelOp(old_ud));
    reactor.poll();
    write_byte(&w);
    assert_eq!(
        wait(&reactor, &mut b).0.unwrap(),
        1,
        "the dead reactor's cancel hit the new one"
    );
}

thread_local! {
    /// The reactor a re-entrant waker polls (set by the test that uses it).
    static REENTER: std::cell::Cell<*const Reactor> = const { std::cell::Cell::new(std::ptr::null()) };
}

/// A multishot CQE (with `F_MORE`) wakes a waker that drops the stream and
/// polls the same reactor, which submits the cancel and reaps the op's
/// final CQE while the outer delivery of the first CQE is still running.
/// The outer delivery holds its own owner of the cell (`Pair::hold`), so
/// the cell outlives it; everything is released exactly once.
#[test]
fn a_multishot_wake_that_drops_the_stream_and_reenters_the_reactor() {
    use crate::op::PollMulti;
    use crate::{submit_multishot, Multishot};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    struct DropAndPoll {
        stream: Mutex<Option<Multishot<PollMulti>>>,
        reaped_inside: AtomicBool,
    }
    impl std::task::Wake for DropAndPoll {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref()
        }
        fn wake_by_ref(self: &Arc<Self>) {
            let Some(stream) = self.stream.lock().unwrap().take() else {
                return;
            };
            drop(stream);
            // SAFETY: the test sets the pointer to a reactor that outlives
            // every wake of this waker (all happen inside its `park` below,
            // on this thread) and clears it afterwards.
            let reactor = unsafe { &*REENTER.with(|r| r.get()) };
            // The cancel's completion may be deferred task work: turn until
            // the op's final CQE is reaped (bounded).
            for _ in 0..1000 {
                if reactor.inner().live_user_data().is_empty() {
                    break;
                }
                reactor.park(Some(std::time::Duration::from_millis(1)));
            }
            let idle = reactor.inner().live_user_data().is_empty();
            self.reaped_inside.store(idle, Ordering::SeqCst);
        }
    }

    let reactor = Reactor::new(&RingConfig::default()).unwrap();
    let _e = reactor.enter();
    REENTER.with(|r| r.set(&reactor));
    let (r, w) = pipe();
    let mut stream = submit_multishot(PollMulti::new(&r, libc::POLLIN as u32));
    let waker_state = Arc::new(DropAndPoll {
        stream: Mutex::new(None),
        reaped_inside: AtomicBool::new(false),
    });
    let waker = Waker::from(waker_state.clone());
    assert!(stream
        .poll_next(&mut Context::from_waker(&waker))
        .is_pending());
    *waker_state.stream.lock().unwrap() = Some(stream);
    reactor.poll();
    write_byte(&w);
    let metrics = reactor.metrics();
    while metrics.snapshot().ops_in_flight > 0 {
        reactor.park(None);
    }
    REENTER.with(|r| r.set(std::ptr::null()));
    assert!(waker_state.stream.lock().unwrap().is_none(), "the wake ran");
    assert!(
        waker_state.reaped_inside.load(Ordering::SeqCst),
        "the nested poll did not reap the final CQE: the scenario was not exercised"
    );
    assert!(reactor.inner().live_user_data().is_empty());
}
