//! The file job: write in chunks, read back into one reused buffer,
//! check, close or drop, delete; some reads and writes cancelled.

use std::path::Path;
use std::sync::atomic::Ordering::Relaxed;

use ringbolt::fs::File;
use ringbolt::time::timeout;

use crate::{check, cut, fill, Stats};

/// The largest file a file job writes.
const MAX_FILE: usize = 512 * 1024;

/// A file written in chunks (some writes cancelled and redone), read back
/// into one reused buffer (some reads cancelled), checked and deleted.
pub(crate) async fn file(job: u64, dir: &Path, stats: &Stats) {
    let mut rng = fastrand::Rng::with_seed(job);
    let path = dir.join(format!("{job:016x}"));
    let len = rng.usize(0..MAX_FILE);
    let file = File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .await
        .expect("create");
    let mut cancelled = 0;
    let mut at = 0;
    while at < len {
        let n = rng.usize(1..64 * 1024).min(len - at);
        let chunk = fill(job, at, at + n);
        if rng.u8(0..4) == 0 {
            // Cancelled midway, some of it may be written, or all of it
            // later: the redo writes the same bytes, so either is fine.
            if timeout(
                cut(&mut rng, 500),
                file.write_all_at(chunk.clone(), at as u64),
            )
            .await
            .is_err()
            {
                cancelled += 1;
            }
        }
        let (res, _) = file.write_all_at(chunk, at as u64).await;
        res.expect("write_all_at");
        at += n;
    }
    if rng.bool() {
        file.sync_data().await.expect("sync_data");
    }
    // One buffer for every read: its length must follow each read's count.
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut at = 0;
    while at < len {
        let want = rng.usize(1..64 * 1024);
        buf.reserve(want);
        let read = file.read_at(buf, at as u64);
        let (n, b) = if rng.u8(0..4) == 0 {
            match timeout(cut(&mut rng, 300), read).await {
                Ok(done) => done,
                Err(_) => {
                    cancelled += 1;
                    buf = Vec::with_capacity(64 * 1024);
                    continue;
                }
            }
        } else {
            read.await
        };
        let n = n.expect("read_at");
        assert!(n > 0, "file {job:#x} ended at {at} of {len}");
        assert_eq!(b.len(), n, "a read's buffer length is its count");
        check(job, at, &b, "file");
        at += n;
        buf = b;
    }
    let (n, _) = file.read_at(Vec::with_capacity(16), len as u64).await;
    assert_eq!(
        n.expect("read at the end"),
        0,
        "bytes past the end of the file"
    );
    if rng.bool() {
        file.close().await.expect("close");
    } else {
        drop(file);
    }
    if rng.u8(0..4) == 0 {
        let all = ringbolt::fs::read(&path).await.expect("fs::read");
        assert_eq!(all.len(), len, "fs::read length");
        check(job, 0, &all, "file (fs::read)");
    }
    let meta = ringbolt::fs::metadata(&path).await.expect("metadata");
    assert_eq!(meta.len(), len as u64, "file length");
    ringbolt::fs::remove_file(&path).await.expect("remove_file");
    stats.files.fetch_add(1, Relaxed);
    stats.file_bytes.fetch_add(len as u64, Relaxed);
    stats.cancelled_io.fetch_add(cancelled, Relaxed);
}
