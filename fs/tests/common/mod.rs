//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// A temporary directory on the real disk (ext4 here; O_DIRECT needs one).
pub fn disk_tempdir() -> tempfile::TempDir {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/fs-tests-tmp");
    std::fs::create_dir_all(&root).unwrap();
    tempfile::tempdir_in(root).unwrap()
}

/// A runtime with two workers (the machine has two cores).
pub fn runtime() -> ringbolt::Runtime {
    ringbolt::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

/// A `std` file opened read-write, created or truncated: the reference side
/// of the tests that run the same operations on both kinds of file.
pub fn std_file_rw_new(path: &std::path::Path) -> std::fs::File {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .unwrap()
}

/// The ringbolt file opened as [`std_file_rw_new`] opens the std one.
pub async fn file_rw_new(path: &std::path::Path) -> ringbolt_fs::File {
    ringbolt_fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .await
        .unwrap()
}

/// Open descriptors of this process.
pub fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// `PF_IO_WORKER`: the task flag of the kernel's io_uring worker threads.
const PF_IO_WORKER: u64 = 0x10;

/// Threads of this process, split into (user-space threads, the kernel's
/// io-wq workers). io-wq workers are told apart by the `PF_IO_WORKER` flag
/// in `/proc/self/task/N/stat` (their `iou-wrk-*` name is set only once
/// they first run, so names would race).
pub fn thread_counts() -> (usize, usize) {
    let mut user = 0;
    let mut io_wq = 0;
    for task in std::fs::read_dir("/proc/self/task").unwrap() {
        let Ok(stat) = std::fs::read_to_string(task.unwrap().path().join("stat")) else {
            continue; // the thread exited meanwhile
        };
        let after_comm = &stat[stat.rfind(')').unwrap() + 1..];
        let flags: u64 = after_comm
            .split_whitespace()
            .nth(6)
            .unwrap()
            .parse()
            .unwrap();
        if flags & PF_IO_WORKER != 0 {
            io_wq += 1;
        } else {
            user += 1;
        }
    }
    (user, io_wq)
}

/// A small deterministic generator (xorshift64*), so failures replay.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}
