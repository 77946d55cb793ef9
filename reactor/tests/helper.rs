//! Another thread reaping a reactor's ring (`RingHandle::help`) while its
//! owner submits, reaps and parks: every op's completion is delivered
//! exactly once, with the right result, whoever dispatches it; submissions
//! queued by the owner are made by the helper when it enters the ring.
mod common;

use common::configs;
use ringbolt_reactor::op::{Read, Write};
use ringbolt_reactor::{submit, Reactor, SharedFd};
use std::future::Future;
use std::os::fd::OwnedFd;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

const BLOCK: usize = 512;
const BLOCKS: usize = 256;

/// The byte block `i` of the test file is filled with.
fn pattern(i: usize) -> u8 {
    (i * 7 + 3) as u8
}

fn test_file() -> OwnedFd {
    let mut data = Vec::with_capacity(BLOCK * BLOCKS);
    for i in 0..BLOCKS {
        data.extend(std::iter::repeat_n(pattern(i), BLOCK));
    }
    let file = tempfile::tempfile().unwrap();
    std::io::Write::write_all(&mut &file, &data).unwrap();
    file.into()
}

type ReadFuture =
    Pin<Box<dyn Future<Output = (usize, ringbolt_reactor::BufResult<usize, Vec<u8>>)>>>;

/// 20,000 reads (64 in flight) on the owner's ring while a helper thread
/// calls `help` in a loop: each read returns its own block, once. Without
/// the completion lock the two threads pop the same CQEs (a CQE dispatched
/// twice panics, a lost one hangs the owner).
#[test]
fn a_helper_reaping_alongside_the_owner_delivers_each_completion_once() {
    for config in configs() {
        let reactor = Reactor::new(&config).unwrap();
        let _enter = reactor.enter();
        let handle = reactor.ring_handle();
        let done = Arc::new(AtomicBool::new(false));
        let helper_done = Arc::clone(&done);
        let helper = std::thread::spawn(move || {
            let mut delivered = 0usize;
            while !helper_done.load(Ordering::Relaxed) {
                delivered += handle.help();
                std::hint::spin_loop();
            }
            delivered
        });
        let fd = SharedFd::new(test_file());
        let mut in_flight: Vec<ReadFuture> = Vec::new();
        let mut next = 0usize;
        let mut finished = 0usize;
        let total = 20_000;
        let start = Instant::now();
        let mut cx = Context::from_waker(Waker::noop());
        let metrics = reactor.metrics();
        let mut turn = 0u32;
        // At least the total, and on until the helper has taken a share.
        while finished < total || (metrics.snapshot().cqes_helped < 100 && next < 10 * total) {
            assert!(start.elapsed() < Duration::from_secs(60), "reads hang");
            while in_flight.len() < 64 && (next < total || finished >= total) {
                let block = (next * 31) % BLOCKS;
                let read = submit(Read::new(&fd, vec![0u8; BLOCK], (block * BLOCK) as u64));
                in_flight.push(Box::pin(async move { (block, read.await) }));
                next += 1;
            }
            let mut i = 0;
            while i < in_flight.len() {
                match in_flight[i].as_mut().poll(&mut cx) {
                    Poll::Ready((block, (res, buf))) => {
                        assert_eq!(res.unwrap(), BLOCK);
                        assert!(buf.iter().all(|&b| b == pattern(block)), "block {block}");
                        finished += 1;
                        drop(in_flight.swap_remove(i));
                    }
                    Poll::Pending => i += 1,
                }
            }
            // Turn only now and then, so the helper often finds CQEs first.
            turn += 1;
            if turn.is_multiple_of(4) {
                reactor.poll();
            } else {
                for _ in 0..200 {
                    std::hint::spin_loop();
                }
            }
        }
        while !in_flight.is_empty() {
            assert!(start.elapsed() < Duration::from_secs(60), "reads hang");
            in_flight.retain_mut(|f| f.as_mut().poll(&mut cx).is_pending());
            reactor.park(Some(Duration::from_micros(200)));
        }
        done.store(true, Ordering::Relaxed);
        let helped = helper.join().unwrap();
        assert!(
            helped >= 100,
            "the helper delivered only {helped} completions"
        );
        assert_eq!(reactor.metrics().snapshot().ops_in_flight, 0);
        assert_eq!(
            reactor.metrics().snapshot().cqes_helped as usize,
            helped,
            "the helper's count and the ring's differ"
        );
    }
}

/// The owner queues a write and never enters its ring again; a helper's
/// `help` submits it (the kernel consumes what the owner published) and
/// delivers its completion.
#[test]
fn a_helper_submits_what_a_stuck_owner_queued() {
    for config in configs() {
        let reactor = Reactor::new(&config).unwrap();
        let _enter = reactor.enter();
        let handle = reactor.ring_handle();
        let (r, w) = std::io::pipe().unwrap();
        let fd = SharedFd::new(OwnedFd::from(w));
        let mut write = Box::pin(submit(Write::new(&fd, b"stuck".to_vec(), u64::MAX)));
        let woken = Arc::new(AtomicBool::new(false));
        struct Flag(Arc<AtomicBool>);
        impl std::task::Wake for Flag {
            fn wake(self: Arc<Self>) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let waker = Waker::from(Arc::new(Flag(Arc::clone(&woken))));
        let mut cx = Context::from_waker(&waker);
        // Queued on this ring, not submitted: the owner does not turn.
        assert!(write.as_mut().poll(&mut cx).is_pending());
        let helper = std::thread::spawn(move || {
            let start = Instant::now();
            let mut delivered = 0;
            while delivered == 0 {
                assert!(start.elapsed() < Duration::from_secs(10), "never helped");
                delivered = handle.help();
                std::thread::sleep(Duration::from_millis(1));
            }
            delivered
        });
        assert_eq!(helper.join().unwrap(), 1);
        assert!(
            woken.load(Ordering::SeqCst),
            "the helper did not wake the task"
        );
        match write.as_mut().poll(&mut cx) {
            Poll::Ready((res, _)) => assert_eq!(res.unwrap(), 5),
            Poll::Pending => panic!("woken but not complete"),
        }
        let mut got = [0u8; 5];
        std::io::Read::read_exact(&mut &r, &mut got).unwrap();
        assert_eq!(&got, b"stuck");
    }
}
