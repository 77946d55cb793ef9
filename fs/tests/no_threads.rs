//! Many tasks on every worker at once, each result checked against std;
//! and the claim "no user-space threads for file I/O": during a storm of
//! reads, writes, opens, closes, statx and fsync the process gains no
//! thread except the kernel's own io-wq workers (`iou-wrk-*`), and the
//! blocking pool stays empty. One test, so no other test's threads count.
//! On the readiness driver (no ring) the claim is the opposite, and that
//! is checked too: file calls run on the blocking pool.

mod common;

use common::{disk_tempdir, runtime, thread_counts, Rng};
use ringbolt_fs::{File, OpenOptions};
use std::sync::Arc;

#[test]
fn storm_on_all_workers_matches_std_and_spawns_no_user_threads() {
    let dir = disk_tempdir();
    let path = dir.path().join("shared");
    let contents = Arc::new(Rng::new(11).bytes(4 << 20));
    std::fs::write(&path, &*contents).unwrap();
    let rt = runtime();
    let ring = rt.handle().driver() == ringbolt::runtime::Driver::IoUring;
    rt.block_on(async move {
        let before = thread_counts();
        let file = Arc::new(File::open(&path).await.unwrap());
        let tasks: Vec<_> = (0..64u64)
            .map(|t| {
                let (file, contents, path) = (file.clone(), contents.clone(), path.clone());
                let own = dir.path().join(format!("own{t}"));
                ringbolt::spawn(async move {
                    let mut rng = Rng::new(t + 1);
                    for _ in 0..50 {
                        let pos = rng.below(contents.len() as u64 + 10);
                        let len = rng.below(65_536) as usize;
                        let (n, buf) = file.read_at(Vec::with_capacity(len), pos).await;
                        let start = (pos as usize).min(contents.len());
                        let end = (start + len).min(contents.len());
                        assert_eq!((n.unwrap(), &buf[..]), (end - start, &contents[start..end]));
                    }
                    // open, write, fsync, statx, close on a file of its own.
                    let f = OpenOptions::new().read(true).write(true).create(true).open(&own).await.unwrap();
                    let data = rng.bytes(10_000);
                    f.write_all_at(data.clone(), 0).await.0.unwrap();
                    f.sync_all().await.unwrap();
                    assert_eq!(f.metadata().await.unwrap().len(), 10_000);
                    f.close().await.unwrap();
                    assert_eq!(std::fs::read(&own).unwrap(), data);
                    let g = File::open(&path).await.unwrap();
                    g.close().await.unwrap();
                    ringbolt::Handle::current().metrics()
                })
            })
            .collect();
        let mut during = thread_counts();
        let mut workers_used = std::collections::HashSet::new();
        let mut pool_threads = 0;
        for task in tasks {
            let m = task.await.unwrap();
            pool_threads = pool_threads.max(m.blocking_threads);
            if !ring {
                continue;
            }
            assert_eq!(m.blocking_threads, 0, "the blocking pool must stay empty");
            let now = thread_counts();
            during = (during.0.max(now.0), during.1.max(now.1));
            workers_used.extend(m.workers.iter().enumerate().filter(|(_, w)| w.ring.sqes_submitted > 0).map(|(i, _)| i));
        }
        println!("threads before {before:?}, at most during {during:?} (user, io-wq); rings used {workers_used:?}");
        if !ring {
            assert!(pool_threads > 0, "the readiness driver's file calls ran on the blocking pool");
            return;
        }
        assert_eq!(during.0, before.0, "file I/O created a user-space thread");
        assert_eq!(workers_used.len(), 2, "every worker's ring did file I/O");
        assert_eq!(ringbolt::Handle::current().metrics().blocking_threads, 0);
    });
}
