//! `spawn_local` (pinned `!Send` tasks) and done-callbacks.

use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use futures::channel::oneshot;
use ringbolt_executor::{current_worker_index, spawn, spawn_local, yield_now, Executor, TaskEnd};

fn executor(workers: usize) -> Executor {
    Executor::with_thread_parks(workers).expect("executor starts")
}

#[test]
fn done_callbacks_run_once_in_each_ending() {
    let ex = executor(2);
    let h = ex.handle().clone();
    let (tx, rx) = mpsc::channel::<(&str, TaskEnd, Option<String>)>();
    let record = |label: &'static str, tx: &mpsc::Sender<_>| {
        let tx = tx.clone();
        move |end| {
            let thread = std::thread::current().name().map(str::to_owned);
            tx.send((label, end, thread)).unwrap();
        }
    };
    h.block_on_thread(async {
        // Each task waits for a go signal, so its callback is in place
        // before it can end.
        let (go, wait) = oneshot::channel::<()>();
        let done = h.spawn(async move {
            wait.await.unwrap();
            1
        });
        done.add_done_callback(record("completed", &tx));
        go.send(()).unwrap();
        assert_eq!(done.await.unwrap(), 1);

        let (go, wait) = oneshot::channel::<()>();
        let panicked = h.spawn(async move {
            wait.await.unwrap();
            panic!("boom")
        });
        panicked.add_done_callback(record("panicked", &tx));
        go.send(()).unwrap();
        assert!(panicked.await.unwrap_err().is_panic());

        let (_keep, never) = oneshot::channel::<()>();
        let cancelled = h.spawn(async move {
            let _ = never.await;
        });
        cancelled.add_done_callback(record("cancelled", &tx));
        yield_now().await;
        cancelled.abort();
        assert!(cancelled.await.unwrap_err().is_cancelled());

        // Added after the end: runs at once, here.
        let finished = h.spawn(async {});
        while !finished.is_finished() {
            yield_now().await;
        }
        finished.add_done_callback(record("late", &tx));
    });
    drop(tx);
    let mut got: Vec<_> = rx.iter().collect();
    got.sort_by_key(|(label, ..)| *label);
    let ends: Vec<_> = got.iter().map(|(l, e, _)| (*l, *e)).collect();
    assert_eq!(
        ends,
        [
            ("cancelled", TaskEnd::Cancelled),
            ("completed", TaskEnd::Completed),
            ("late", TaskEnd::Completed),
            ("panicked", TaskEnd::Panicked),
        ],
        "each callback exactly once, with its ending"
    );
    for (label, _, thread) in &got {
        let thread = thread.as_deref().unwrap_or("");
        if *label == "late" {
            assert!(
                !thread.starts_with("ringbolt-worker"),
                "late callback ran on {thread}"
            );
        } else {
            assert!(
                thread.starts_with("ringbolt-worker"),
                "{label} ran on {thread}"
            );
        }
    }
}

#[test]
fn callbacks_of_tasks_dropped_at_shutdown_run() {
    let count = Arc::new(AtomicUsize::new(0));
    let mut senders = Vec::new();
    {
        let ex = executor(2);
        for _ in 0..100 {
            let (tx, rx) = oneshot::channel::<()>();
            senders.push(tx);
            let h = ex.handle().spawn(async move {
                let _ = rx.await;
            });
            let count = Arc::clone(&count);
            h.add_done_callback(move |end| {
                assert_eq!(end, TaskEnd::Cancelled);
                count.fetch_add(1, Ordering::SeqCst);
            });
        }
    }
    assert_eq!(count.load(Ordering::SeqCst), 100);
}

#[test]
fn a_local_task_never_leaves_its_worker_under_stealing() {
    let ex = executor(2);
    let h = ex.handle().clone();
    let moved = h.block_on_thread(h.spawn(async {
        let home = current_worker_index().unwrap();
        // Not Send: an Rc lives across every await.
        let local = spawn_local(async move {
            let marker = Rc::new(home);
            let mut moved = 0;
            for _ in 0..2_000 {
                // Keep both workers busy stealing from each other.
                for _ in 0..4 {
                    spawn(async {
                        for _ in 0..10 {
                            yield_now().await;
                        }
                    });
                }
                yield_now().await;
                if current_worker_index() != Some(*marker) {
                    moved += 1;
                }
            }
            moved
        });
        local.await.unwrap()
    }));
    assert_eq!(moved.unwrap(), 0, "a pinned task ran on another worker");
    let steals: u64 = (0..2).map(|i| ex.handle().worker_metrics(i).steals).sum();
    assert!(steals > 0, "the load never made the workers steal");
}

#[test]
fn local_tasks_are_woken_from_other_threads_and_dropped_on_their_worker() {
    /// Not `Send` (holds an `Rc`); counts its drops and checks the thread.
    struct OnDrop {
        _not_send: Rc<()>,
        drops: Arc<AtomicUsize>,
        worker: usize,
    }
    impl Drop for OnDrop {
        fn drop(&mut self) {
            assert_eq!(
                current_worker_index(),
                Some(self.worker),
                "dropped off its worker"
            );
            self.drops.fetch_add(1, Ordering::SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let (keep_tx, keep_rx) = mpsc::channel();
    {
        let ex = executor(2);
        let h = ex.handle().clone();
        let d = Arc::clone(&drops);
        let woken = h.block_on_thread(h.spawn(async move {
            // Woken by a foreign thread.
            let (tx, rx) = oneshot::channel::<u32>();
            let t = spawn_local(async move { rx.await.unwrap() * 2 });
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(5));
                tx.send(21).unwrap();
            });
            let v = t.await.unwrap();
            // Pending forever: dropped at shutdown, on their worker (this
            // task may move between workers at its awaits: the worker is
            // asked with no await between the question and the spawn).
            for _ in 0..10 {
                let guard = OnDrop {
                    _not_send: Rc::new(()),
                    drops: Arc::clone(&d),
                    worker: current_worker_index().unwrap(),
                };
                let (tx, rx) = oneshot::channel::<()>();
                keep_tx.send(tx).unwrap();
                drop(spawn_local(async move {
                    let _guard = guard;
                    let _ = rx.await;
                }));
            }
            v
        }));
        assert_eq!(woken.unwrap(), 42);
    }
    assert_eq!(drops.load(Ordering::SeqCst), 10);
    drop(keep_rx);
}

#[test]
fn spawn_local_off_a_worker_panics_clearly() {
    let ex = executor(1);
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ex.handle()
            .block_on_thread(async { drop(spawn_local(async {})) })
    }))
    .unwrap_err();
    let msg = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(
        msg.contains("spawn_local must be called on a worker"),
        "{msg}"
    );
}
