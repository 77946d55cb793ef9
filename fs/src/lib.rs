//! ringbolt-fs: files and directories on io_uring.
//!
//! Every operation that io_uring has an op for is one (or a few) ring ops
//! submitted on the ring of the worker that polls it: open, close, read,
//! write, vectored read and write, statx, fsync, fallocate, ftruncate,
//! mkdir, unlink, rename, link and symlink. Buffers are passed by value and
//! given back with the result ([`BufResult`]), because the kernel may still
//! write into them after a future is dropped.
//!
//! ```
//! # ringbolt::Runtime::new().unwrap().block_on(async {
//! use ringbolt_fs::File;
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("hello.txt");
//! let file = File::create(&path).await.unwrap();
//! let (n, _) = file.write_all_at(b"hello ringbolt".to_vec(), 0).await;
//! n.unwrap();
//! file.close().await.unwrap();
//! assert_eq!(ringbolt_fs::read_to_string(&path).await.unwrap(), "hello ringbolt");
//! # });
//! ```
//!
//! # What "no offload threads" honestly means
//!
//! ringbolt runs **no user-space thread pool for file I/O**: no thread of
//! ours blocks in `read(2)` on behalf of a task. The kernel, however, still
//! hands some requests to its own io-wq workers (threads named `iou-wrk-*`
//! that belong to the process). Measured on ext4 (Linux 6.18): hot and cold
//! buffered reads, `O_DIRECT` reads and `openat` complete inline, while
//! buffered writes, `fsync`, `fallocate`, `statx`, `mkdirat` and `unlinkat`
//! are punted to io-wq (XFS and btrfs do async buffered writes). The number
//! of io-wq workers is capped per ring by the runtime
//! (`Builder::io_wq_max_workers`).
//!
//! Two functions have no ring op and run on the runtime's blocking pool,
//! as their docs say: [`read_dir`] and [`canonicalize`] (and the directory
//! listing inside [`remove_dir_all`]).
//!
//! All of this holds on io_uring. A runtime on the readiness driver (where
//! the host denies io_uring; see `ringbolt::runtime::Driver`) runs every
//! file and path call on its blocking pool, one pool thread per call while
//! it runs, with the same API, results and cancellation rules; a call
//! already running on the pool finishes there (a dropped `open` has its
//! descriptor closed for it).
//!
//! # Errors
//!
//! Bad input is an [`std::io::Error`] of the right kind, never a panic or a
//! leaked fd: a path with an interior NUL byte is `InvalidInput` before any
//! submission; kernel errors keep their `errno` (`NotFound`, `IsADirectory`,
//! `DirectoryNotEmpty`…); an empty buffer is `Ok(0)` without a syscall.
#![forbid(unsafe_code)]

mod direct;
mod file;
mod metadata;
mod open_options;
mod path_ops;
mod read_dir;
mod stream;
#[cfg(feature = "tokio-io")]
mod tokio_io;
mod util;

pub use direct::{AlignedBuf, DioAlign};
pub use file::File;
pub use metadata::{FileType, Metadata};
pub use open_options::OpenOptions;
pub use path_ops::{
    copy, create_dir, create_dir_all, hard_link, metadata, read, read_to_string, remove_dir,
    remove_file, rename, symlink, symlink_metadata, try_exists, write,
};
pub use read_dir::{canonicalize, read_dir, remove_dir_all, DirEntry, ReadDir};
pub use ringbolt_reactor::{BufResult, IoBuf, IoBufMut, Slice};
pub use stream::FileStream;
