//! The random-read workloads on monoio, a thread-per-core io_uring
//! runtime: the io_uring peer that ringbolt's file reads are held against
//! besides the raw loop.
//!
//! One monoio runtime (io_uring driver) on a thread of its own, `depth`
//! tasks sharing one `Rc<monoio::fs::File>`, each awaiting `read_at` (an
//! io_uring `READ`) in a loop over its share of the offsets: the same shape
//! as ringbolt's and tokio's side of [`rand_read`](super::fs::rand_read),
//! with owned 4096-aligned buffers, so it also runs on an `O_DIRECT` file.

use std::io;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use ringbolt::fs::AlignedBuf;

use super::fs::open_std;

/// An [`AlignedBuf`] lent to monoio's reads (monoio's buffer traits are
/// foreign to ringbolt's type, hence the wrapper).
#[derive(Debug)]
pub struct MonoioBuf(pub AlignedBuf);

// SAFETY: the pointer is the start of the `AlignedBuf`'s heap storage,
// which neither moves nor shrinks while the wrapper lives (moving the
// wrapper moves only the `Box` pointing to it), and the first
// `bytes_init()` bytes of it are initialised (the storage is zeroed at
// creation).
unsafe impl monoio::buf::IoBuf for MonoioBuf {
    fn read_ptr(&self) -> *const u8 {
        self.0.as_ptr()
    }

    fn bytes_init(&self) -> usize {
        self.0.len()
    }
}

// SAFETY: as for `IoBuf`: the pointer is the stable start of
// `bytes_total()` bytes that the buffer owns, all of them initialised.
unsafe impl monoio::buf::IoBufMut for MonoioBuf {
    fn write_ptr(&mut self) -> *mut u8 {
        self.0.spare_mut().as_mut_ptr()
    }

    fn bytes_total(&mut self) -> usize {
        self.0.capacity()
    }

    unsafe fn set_init(&mut self, pos: usize) {
        self.0.set_len(pos);
    }
}

/// Reads `block` bytes at each of `offsets` from the file at `path`
/// (opened with `O_DIRECT` when `direct`) with `depth` monoio tasks on one
/// thread; returns the time from the first spawn to the last read (building
/// the runtime and opening the file are not timed).
///
/// # Errors
/// The monoio runtime cannot be built (io_uring unavailable), opening the
/// file or a read failed, a read came back short (`UnexpectedEof`), or the
/// thread panicked.
pub fn monoio_rand_read(
    path: PathBuf,
    direct: bool,
    offsets: Arc<[u64]>,
    block: usize,
    depth: usize,
) -> io::Result<Duration> {
    let depth = depth.clamp(1, offsets.len().max(1));
    thread::Builder::new()
        .name("monoio-fs".into())
        .spawn(move || {
            let mut rt = monoio::RuntimeBuilder::<monoio::IoUringDriver>::new().build()?;
            rt.block_on(async move {
                let file = Rc::new(monoio::fs::File::from_std(open_std(&path, direct)?)?);
                let per = offsets.len().div_ceil(depth);
                let start = Instant::now();
                let readers: Vec<_> = (0..depth)
                    .map(|t| {
                        let (file, offsets) = (file.clone(), offsets.clone());
                        monoio::spawn(async move {
                            let mut buf = MonoioBuf(AlignedBuf::new(block, 4096)?);
                            let end = ((t + 1) * per).min(offsets.len());
                            for &pos in offsets.get(t * per..end).unwrap_or(&[]) {
                                let (res, back) = file.read_at(buf, pos).await;
                                let n = res?;
                                if n != block {
                                    return Err(io::Error::new(
                                        io::ErrorKind::UnexpectedEof,
                                        format!("short read at {pos}: {n} of {block} bytes"),
                                    ));
                                }
                                buf = back;
                            }
                            io::Result::Ok(())
                        })
                    })
                    .collect();
                let mut failure = None;
                for r in readers {
                    if let Err(e) = r.await {
                        failure.get_or_insert(e);
                    }
                }
                let elapsed = start.elapsed();
                match failure {
                    Some(e) => Err(e),
                    None => Ok(elapsed),
                }
            })
        })?
        .join()
        .map_err(|_| io::Error::other("the monoio thread panicked"))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_every_offset_and_reports_a_short_read() {
        let dir = std::env::temp_dir().join(format!("ringbolt-monoio-fs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f");
        std::fs::File::create(&path)
            .unwrap()
            .write_all(&vec![3u8; 64 * 1024])
            .unwrap();
        let offsets: Arc<[u64]> = (0..200).map(|i| (i % 16) * 4096).collect();
        let outcome = monoio_rand_read(path.clone(), false, offsets, 4096, 8);
        match outcome {
            Ok(t) => {
                assert!(!t.is_zero());
                // The last block ends 4 KiB past the end of the file.
                let err =
                    monoio_rand_read(path, false, Arc::from([60 * 1024]), 8192, 1).unwrap_err();
                assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
            }
            // io_uring may be blocked where the tests run (seccomp, sysctl).
            Err(e) => assert!(ringbolt::Runtime::new().is_err(), "monoio failed: {e}"),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
