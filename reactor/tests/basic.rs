//! Reactor basics: nop, many ops in flight at both ring sizes, shutdown.
mod common;

use common::{block_on, configs};
use ringbolt_reactor::op::Nop;
use ringbolt_reactor::{is_entered, submit, Reactor};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

#[test]
fn nop_completes() {
    for cfg in configs() {
        let reactor = Reactor::new(&cfg).unwrap();
        assert!(!is_entered());
        block_on(&reactor, async {
            assert!(is_entered());
            submit(Nop).await.unwrap();
        });
        assert!(!is_entered());
        let m = reactor.metrics().snapshot();
        assert_eq!(m.ops_in_flight, 0);
        assert!(m.sqes_submitted >= 1 && m.cqes_reaped >= 1);
    }
}

/// Rule 6: 1,000 NOPs in flight on SQ 2 / CQ 4 flush the SQ when full and
/// reap the overflowed CQEs; none is lost.
#[test]
fn a_thousand_nops_in_flight() {
    for cfg in configs() {
        let tiny = cfg.sq_entries == 2;
        let reactor = Reactor::new(&cfg).unwrap();
        let _e = reactor.enter();
        let mut ops: Vec<_> = (0..1000).map(|_| submit(Nop)).collect();
        let mut cx = Context::from_waker(Waker::noop());
        for op in &mut ops {
            assert!(Pin::new(op).poll(&mut cx).is_pending());
        }
        let mut done = vec![false; ops.len()];
        while done.iter().any(|d| !d) {
            reactor.park(None);
            for (op, d) in ops.iter_mut().zip(&mut done) {
                if !*d {
                    if let Poll::Ready(r) = Pin::new(op).poll(&mut cx) {
                        r.unwrap();
                        *d = true;
                    }
                }
            }
        }
        let m = reactor.metrics().snapshot();
        assert_eq!(m.ops_in_flight, 0);
        assert!(m.cqes_reaped >= 1000);
        if tiny {
            assert!(m.sq_full > 0, "tiny SQ never filled: {m:?}");
            assert!(m.cq_overflow > 0, "tiny CQ never overflowed: {m:?}");
        }
    }
}

#[test]
#[should_panic(expected = "no io_uring reactor on this thread")]
fn polling_without_reactor_panics_clearly() {
    let mut op = submit(Nop);
    let _ = Pin::new(&mut op).poll(&mut Context::from_waker(Waker::noop()));
}

#[test]
fn ops_after_shutdown_fail_without_submitting() {
    let reactor = Reactor::new(&Default::default()).unwrap();
    reactor.shutdown();
    reactor.shutdown();
    let err = block_on(&reactor, submit(Nop)).unwrap_err();
    assert!(err.to_string().contains("shut down"), "{err}");
}
