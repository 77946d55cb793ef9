//! JoinSet (completion order, abort) and TaskGroup (sibling cancellation,
//! every error reported), on a 2-worker runtime.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ringbolt::task::{JoinSet, TaskFailure, TaskGroup};

fn rt() -> ringbolt::Runtime {
    ringbolt::runtime::Builder::new()
        .worker_threads(2)
        .build()
        .expect("io_uring runtime")
}

#[test]
fn join_set_returns_in_completion_order() {
    rt().block_on(async {
        let mut set = JoinSet::new();
        for ms in [30u64, 10, 20] {
            set.spawn(async move {
                ringbolt::time::sleep(Duration::from_millis(ms)).await;
                ms
            });
        }
        assert_eq!(set.len(), 3);
        let mut order = vec![];
        while let Some(res) = set.join_next().await {
            order.push(res.unwrap());
        }
        assert_eq!(order, [10, 20, 30]);
        assert!(set.is_empty());
    });
}

#[test]
fn join_set_join_all_and_abort_all() {
    rt().block_on(async {
        let mut set = JoinSet::new();
        set.spawn(async { 1 });
        set.spawn(async { panic!("boom") });
        let results = set.join_all().await;
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
        assert!(results
            .iter()
            .any(|r| r.as_ref().is_err_and(|e| e.is_panic())));

        let mut set = JoinSet::new();
        for _ in 0..4 {
            set.spawn(std::future::pending::<()>());
        }
        set.abort_all();
        let results = set.join_all().await;
        assert_eq!(results.len(), 4);
        assert!(results
            .iter()
            .all(|r| r.as_ref().is_err_and(|e| e.is_cancelled())));
    });
}

/// Counts drops.
struct CountOnDrop(Arc<AtomicUsize>);
impl Drop for CountOnDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls `done` every 5 ms for up to 30 s.
async fn eventually(done: impl Fn() -> bool) -> bool {
    for _ in 0..6000 {
        if done() {
            return true;
        }
        ringbolt::time::sleep(Duration::from_millis(5)).await;
    }
    done()
}

/// `abort_all` stops the tasks at once, before the set is joined: a ticking
/// loop and an idle task both have their futures dropped while the set
/// sits untouched.
#[test]
fn join_set_abort_all_stops_tasks_before_they_are_joined() {
    rt().block_on(async {
        let dropped = Arc::new(AtomicUsize::new(0));
        let ticks = Arc::new(AtomicUsize::new(0));
        let mut set = JoinSet::new();
        for i in 0..4 {
            let guard = CountOnDrop(Arc::clone(&dropped));
            let ticks = Arc::clone(&ticks);
            set.spawn(async move {
                let _guard = guard;
                if i % 2 == 0 {
                    std::future::pending::<()>().await
                }
                loop {
                    ticks.fetch_add(1, Ordering::SeqCst);
                    ringbolt::time::sleep(Duration::from_millis(1)).await;
                }
            });
        }
        assert!(eventually(|| ticks.load(Ordering::SeqCst) > 0).await);
        set.abort_all();
        assert!(
            eventually(|| dropped.load(Ordering::SeqCst) == 4).await,
            "aborted tasks kept running until joined ({} of 4 dropped)",
            dropped.load(Ordering::SeqCst)
        );
        let results = set.join_all().await;
        assert!(results
            .iter()
            .all(|r| r.as_ref().is_err_and(|e| e.is_cancelled())));
    });
}

/// A set already polled (its handles registered their wakers) still
/// learns that its aborted tasks ended: `abort` must not replace the
/// waker the set waits on.
#[test]
fn join_set_polled_before_abort_all_still_joins() {
    rt().block_on(async {
        let mut set = JoinSet::new();
        for _ in 0..3 {
            set.spawn(std::future::pending::<()>());
        }
        assert!(set.try_join_next().is_none(), "all pending");
        set.abort_all();
        for _ in 0..3 {
            let res = ringbolt::time::timeout(Duration::from_secs(30), set.join_next())
                .await
                .expect("the set was never woken for an aborted task");
            assert!(res.unwrap().unwrap_err().is_cancelled());
        }
        assert!(set.is_empty());
    });
}

/// `TaskGroup::cancel` stops every task before `join` is awaited.
#[test]
fn task_group_cancel_stops_tasks_before_join() {
    rt().block_on(async {
        let dropped = Arc::new(AtomicUsize::new(0));
        let mut group = TaskGroup::<(), ()>::new();
        for _ in 0..3 {
            let guard = CountOnDrop(Arc::clone(&dropped));
            group.spawn(async move {
                let _guard = guard;
                loop {
                    ringbolt::time::sleep(Duration::from_millis(1)).await;
                }
            });
        }
        ringbolt::time::sleep(Duration::from_millis(5)).await;
        group.cancel();
        assert!(eventually(|| dropped.load(Ordering::SeqCst) == 3).await);
        assert_eq!(group.join().await.unwrap(), Vec::<()>::new());
    });
}

#[test]
fn dropping_join_set_aborts_its_tasks() {
    struct SetOnDrop(Arc<AtomicBool>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let dropped = Arc::new(AtomicBool::new(false));
    rt().block_on(async {
        let mut set = JoinSet::new();
        let guard = SetOnDrop(Arc::clone(&dropped));
        set.spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        });
        ringbolt::time::sleep(Duration::from_millis(5)).await;
        drop(set);
        for _ in 0..200 {
            if dropped.load(Ordering::SeqCst) {
                break;
            }
            ringbolt::time::sleep(Duration::from_millis(5)).await;
        }
    });
    assert!(
        dropped.load(Ordering::SeqCst),
        "aborted task's future was never dropped"
    );
}

#[test]
fn task_group_returns_outputs_in_spawn_order() {
    rt().block_on(async {
        let mut group = TaskGroup::<u64, ()>::new();
        for ms in [30u64, 10, 20] {
            group.spawn(async move {
                ringbolt::time::sleep(Duration::from_millis(ms)).await;
                Ok(ms)
            });
        }
        assert_eq!(group.join().await.unwrap(), [30, 10, 20]);
    });
}

/// Runs a group of a sibling looping on `yield_now` and a task that fails
/// after the sibling's 100th iteration, on `workers` workers; returns the
/// sibling's iterations that began after the failure, and its iteration
/// count right after `join` and 20 ms later.
fn fail_beside_a_yielding_sibling(workers: usize) -> (usize, usize, usize) {
    let rt = ringbolt::runtime::Builder::new()
        .worker_threads(workers)
        .build()
        .expect("io_uring runtime");
    rt.block_on(async {
        let iterations = Arc::new(AtomicUsize::new(0));
        let failed = Arc::new(AtomicBool::new(false));
        let after_failure = Arc::new(AtomicUsize::new(0));
        let mut group = TaskGroup::<(), &'static str>::new();
        {
            let (iterations, failed, after_failure) = (
                Arc::clone(&iterations),
                Arc::clone(&failed),
                Arc::clone(&after_failure),
            );
            group.spawn(async move {
                loop {
                    iterations.fetch_add(1, Ordering::SeqCst);
                    if failed.load(Ordering::SeqCst) {
                        after_failure.fetch_add(1, Ordering::SeqCst);
                    }
                    ringbolt::task::yield_now().await;
                }
            });
        }
        {
            let (iterations, failed) = (Arc::clone(&iterations), Arc::clone(&failed));
            group.spawn(async move {
                // Let the sibling get going first.
                while iterations.load(Ordering::SeqCst) < 100 {
                    ringbolt::task::yield_now().await;
                }
                failed.store(true, Ordering::SeqCst);
                Err("worker failed")
            });
        }
        let err = ringbolt::time::timeout(Duration::from_secs(10), group.join())
            .await
            .expect("group did not finish: sibling not cancelled")
            .unwrap_err();
        assert_eq!(err.errors().collect::<Vec<_>>(), [&"worker failed"]);
        let at_join = iterations.load(Ordering::SeqCst);
        ringbolt::time::sleep(Duration::from_millis(20)).await;
        (
            after_failure.load(Ordering::SeqCst),
            at_join,
            iterations.load(Ordering::SeqCst),
        )
    })
}

#[test]
fn task_group_failure_cancels_a_yielding_sibling_within_one_round() {
    // One worker: the sibling's next poll after the failure is its
    // cancellation, so it starts no iteration after the failure.
    let (after_failure, at_join, later) = fail_beside_a_yielding_sibling(1);
    assert_eq!(after_failure, 0, "sibling ran after the failure");
    assert_eq!(at_join, later);
}

#[test]
fn task_group_failure_stops_a_sibling_running_on_the_other_worker() {
    // Two workers: the sibling may be mid-poll on the other worker (or the
    // failing worker may be preempted) when the failure lands, so no exact
    // count; once `join` returns it has stopped for good.
    let (_, at_join, later) = fail_beside_a_yielding_sibling(2);
    assert_eq!(at_join, later, "sibling kept running after join");
}

#[test]
fn task_group_reports_every_error_and_panic() {
    rt().block_on(async {
        // Both tasks meet at a blocking barrier inside one poll, so both fail
        // before either can be cancelled (2 tasks on 2 workers).
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let mut group = TaskGroup::<(), String>::new();
        for name in ["a", "b"] {
            let barrier = Arc::clone(&barrier);
            group.spawn(async move {
                barrier.wait();
                Err(format!("{name} failed"))
            });
        }
        let err = group.join().await.unwrap_err();
        let mut errors: Vec<_> = err.errors().cloned().collect();
        errors.sort();
        assert_eq!(errors, ["a failed", "b failed"]);
        assert!(err.to_string().contains("2 task(s)"), "{err}");

        let barrier = Arc::new(std::sync::Barrier::new(2));
        let mut group = TaskGroup::<(), String>::new();
        let b = Arc::clone(&barrier);
        group.spawn(async move {
            b.wait();
            Err("plain error".to_string())
        });
        group.spawn(async move {
            barrier.wait();
            panic!("task panicked");
        });
        let failures = group.join().await.unwrap_err().into_failures();
        assert_eq!(failures.len(), 2, "{failures:?}");
        assert!(failures
            .iter()
            .any(|f| matches!(f, TaskFailure::Error(e) if e == "plain error")));
        assert!(failures
            .iter()
            .any(|f| matches!(f, TaskFailure::Join(e) if e.is_panic())));
    });
}

#[test]
fn dropping_task_group_cancels_its_tasks() {
    rt().block_on(async {
        let ticks = Arc::new(AtomicUsize::new(0));
        let mut group = TaskGroup::<(), ()>::new();
        let t = Arc::clone(&ticks);
        group.spawn(async move {
            loop {
                t.fetch_add(1, Ordering::SeqCst);
                ringbolt::time::sleep(Duration::from_millis(1)).await;
            }
        });
        ringbolt::time::sleep(Duration::from_millis(10)).await;
        drop(group);
        ringbolt::time::sleep(Duration::from_millis(10)).await;
        let at_drop = ticks.load(Ordering::SeqCst);
        ringbolt::time::sleep(Duration::from_millis(30)).await;
        assert_eq!(
            ticks.load(Ordering::SeqCst),
            at_drop,
            "task kept running after drop"
        );
    });
}

ringbolt::task_local! {
    static REQUEST: u32;
}

#[test]
fn task_local_follows_the_task_across_workers() {
    rt().block_on(async {
        let mut set = JoinSet::new();
        for i in 0..32u32 {
            set.spawn(REQUEST.scope(i, async move {
                for _ in 0..50 {
                    assert_eq!(REQUEST.get(), i);
                    ringbolt::task::yield_now().await;
                }
                i
            }));
        }
        let mut n = 0;
        while let Some(r) = set.join_next().await {
            r.unwrap();
            n += 1;
        }
        assert_eq!(n, 32);
        assert!(REQUEST.try_with(|_| ()).is_err());
    });
}

#[test]
fn named_task_reads_its_name() {
    rt().block_on(async {
        let h = ringbolt::task::Builder::new()
            .name("loader")
            .spawn(async {
                ringbolt::task::yield_now().await;
                ringbolt::task::current_name()
            })
            .unwrap();
        assert_eq!(h.await.unwrap().as_deref(), Some("loader"));
        assert_eq!(
            ringbolt::spawn(async { ringbolt::task::current_name() })
                .await
                .unwrap(),
            None
        );
    });
}
