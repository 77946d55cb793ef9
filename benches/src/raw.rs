//! Raw io-uring loops on one thread: the physical limits ringbolt's NOP and
//! file workloads are held against (ARCHITECTURE.md, "Ceilings on this
//! machine").
//!
//! Each loop uses the `io-uring` crate directly on a ring created with
//! `SINGLE_ISSUER | DEFER_TASKRUN` (what ringbolt's workers use), on the
//! calling thread, with no runtime, no allocation per operation and no
//! wakers. Ring setup, buffer allocation and buffer registration happen
//! before the clock starts; each function returns the time of the loop
//! alone.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use io_uring::{opcode, types, IoUring};
use ringbolt::fs::AlignedBuf;

/// A ring of at least `entries` SQ entries on the calling thread, with
/// `SINGLE_ISSUER | DEFER_TASKRUN` (the calling thread must be the only one
/// to use it) and a completion queue four times as large.
///
/// # Errors
/// If io_uring is unavailable or the kernel predates `DEFER_TASKRUN` (6.1).
pub fn ring(entries: u32) -> io::Result<IoUring> {
    let entries = entries.max(8).next_power_of_two();
    IoUring::builder()
        .setup_single_issuer()
        .setup_defer_taskrun()
        .setup_cqsize(entries * 4)
        .build(entries)
}

fn cqe_result(res: i32) -> io::Result<u32> {
    if res < 0 {
        Err(io::Error::from_raw_os_error(-res))
    } else {
        Ok(res as u32)
    }
}

/// Submits `total` NOPs in batches of `batch`: push `batch` NOPs,
/// `submit_and_wait(batch)`, reap them all, repeat. `total` is rounded down
/// to a multiple of `batch` (at least one batch). Returns the loop's time.
///
/// # Errors
/// Ring creation or `io_uring_enter` failures, or a NOP completing with an
/// error.
pub fn nops(batch: usize, total: usize) -> io::Result<Duration> {
    let batch = batch.max(1);
    let rounds = (total / batch).max(1);
    let mut ring = ring(batch as u32)?;
    let nop = opcode::Nop::new().build();
    let start = Instant::now();
    for _ in 0..rounds {
        {
            let mut sq = ring.submission();
            for _ in 0..batch {
                // SAFETY: a NOP references no memory.
                unsafe { sq.push(&nop) }.map_err(|_| io::Error::other("SQ full"))?;
            }
        }
        ring.submit_and_wait(batch)?;
        let mut reaped = 0;
        for cqe in ring.completion() {
            cqe_result(cqe.result())?;
            reaped += 1;
        }
        debug_assert_eq!(reaped, batch);
    }
    Ok(start.elapsed())
}

/// Which read opcode [`random_reads`] uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReadOp {
    /// `IORING_OP_READ` into ordinary memory.
    Read,
    /// `IORING_OP_READ_FIXED` from one registered buffer region (the buffers
    /// are pinned once, so the kernel skips the per-I/O page lookup).
    ReadFixed,
}

/// Reads `block` bytes at each offset in `offsets`, keeping `depth` reads in
/// flight: prime `depth` reads, then `submit_and_wait(1)`, reap every
/// completion and immediately queue the next read in its buffer slot.
/// Buffers are 4096-aligned, so this also works on an `O_DIRECT` file.
/// Every read must return exactly `block` bytes. Returns the loop's time.
///
/// # Errors
/// Ring creation, registration or `io_uring_enter` failures, a failed read,
/// or a short one (`UnexpectedEof`).
pub fn random_reads(
    file: &File,
    offsets: &[u64],
    block: usize,
    depth: usize,
    op: ReadOp,
) -> io::Result<Duration> {
    let depth = depth.clamp(1, offsets.len().max(1));
    // Declared before the ring so that it is dropped after it.
    let mut bufs = AlignedBuf::new(depth * block, 4096)?;
    let base = bufs.spare_mut().as_mut_ptr();
    let mut ring = ring(depth as u32)?;
    if op == ReadOp::ReadFixed {
        let iov = libc::iovec {
            iov_base: base.cast(),
            iov_len: depth * block,
        };
        // SAFETY: the region lives in `bufs`, which is dropped after the
        // ring (and leaked if a read might still be in flight).
        unsafe { ring.submitter().register_buffers(&[iov]) }?;
    }
    let fd = types::Fd(file.as_raw_fd());
    let len = block as u32;
    // `slot < depth`, so the block is inside the `depth * block` region.
    let entry = |slot: usize, pos: u64| {
        let buf = base.wrapping_add(slot * block);
        match op {
            ReadOp::Read => opcode::Read::new(fd, buf, len).offset(pos).build(),
            ReadOp::ReadFixed => opcode::ReadFixed::new(fd, buf, len, 0).offset(pos).build(),
        }
        .user_data(slot as u64)
    };

    let start = Instant::now();
    let (submitter, mut sq, mut cq) = ring.split();
    let (mut next, mut done) = (0, 0);
    let mut failure = None;
    let mut run = || -> io::Result<()> {
        for slot in 0..depth.min(offsets.len()) {
            // SAFETY: the buffer slot is reserved for this read until its
            // CQE is reaped, and `bufs` outlives every op.
            unsafe { sq.push(&entry(slot, offsets[next])) }
                .map_err(|_| io::Error::other("SQ full"))?;
            next += 1;
        }
        sq.sync();
        while done < next {
            submitter.submit_and_wait(1)?;
            // Refresh the SQ head (the kernel consumed what we pushed) and
            // the CQ tail.
            sq.sync();
            cq.sync();
            for cqe in &mut cq {
                done += 1;
                match cqe_result(cqe.result()) {
                    Ok(n) if n as usize == block => {}
                    Ok(n) => {
                        failure.get_or_insert(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            format!("short read: {n} of {block} bytes"),
                        ));
                    }
                    Err(e) => {
                        failure.get_or_insert(e);
                    }
                }
                if next < offsets.len() && failure.is_none() {
                    // SAFETY: as above; this slot's previous read is done.
                    unsafe { sq.push(&entry(cqe.user_data() as usize, offsets[next])) }
                        .map_err(|_| io::Error::other("SQ full"))?;
                    next += 1;
                }
            }
            sq.sync();
        }
        Ok(())
    };
    let outcome = run();
    let elapsed = start.elapsed();
    if done < next {
        // A read may still be in flight: never free its buffer.
        std::mem::forget(bufs);
    }
    outcome?;
    match failure {
        Some(e) => Err(e),
        None => Ok(elapsed),
    }
}

/// Writes `total` bytes to `file` from offset 0 in `chunk`-byte writes, one
/// at a time (QD 1, like a sequential writer), then `fsync`s it. Returns the
/// loop's time, fsync included.
///
/// # Errors
/// Ring or `io_uring_enter` failures, a failed or short write, a failed
/// fsync.
pub fn seq_write(file: &File, total: u64, chunk: usize) -> io::Result<Duration> {
    // Declared before the ring so that it is dropped after it.
    let data = vec![0x5au8; chunk];
    let mut ring = ring(8)?;
    let fd = types::Fd(file.as_raw_fd());
    let start = Instant::now();
    let mut pos = 0u64;
    while pos < total {
        let len = (total - pos).min(chunk as u64) as u32;
        let write = opcode::Write::new(fd, data.as_ptr(), len)
            .offset(pos)
            .build();
        // SAFETY: `data` outlives the op: we wait for its completion below,
        // and leak `data` if that wait fails.
        unsafe { ring.submission().push(&write) }.map_err(|_| io::Error::other("SQ full"))?;
        let n = match wait_one(&mut ring) {
            Ok(n) => n,
            Err(Wait::Enter(e)) => {
                std::mem::forget(data);
                return Err(e);
            }
            Err(Wait::Op(e)) => return Err(e),
        };
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::WriteZero, "wrote 0 bytes"));
        }
        pos += u64::from(n);
    }
    let fsync = opcode::Fsync::new(fd).build();
    // SAFETY: fsync references no memory.
    unsafe { ring.submission().push(&fsync) }.map_err(|_| io::Error::other("SQ full"))?;
    wait_one(&mut ring).map_err(Wait::into_inner)?;
    Ok(start.elapsed())
}

/// Why [`wait_one`] failed: entering the kernel (the op may still be in
/// flight) or the op itself (it is over).
enum Wait {
    Enter(io::Error),
    Op(io::Error),
}

impl Wait {
    fn into_inner(self) -> io::Error {
        match self {
            Wait::Enter(e) | Wait::Op(e) => e,
        }
    }
}

/// Submits what is queued, waits for one completion and returns its result.
fn wait_one(ring: &mut IoUring) -> Result<u32, Wait> {
    ring.submit_and_wait(1).map_err(Wait::Enter)?;
    let cqe = ring
        .completion()
        .next()
        .ok_or_else(|| Wait::Enter(io::Error::other("no completion after submit_and_wait(1)")))?;
    cqe_result(cqe.result()).map_err(Wait::Op)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::FileExt;

    #[test]
    fn nop_batches_complete() {
        assert!(nops(1, 100).is_ok());
        assert!(nops(32, 320).is_ok());
    }

    #[test]
    fn reads_fixed_and_plain_and_writes() {
        let dir = std::env::temp_dir().join(format!("ringbolt-raw-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f");
        let mut f = File::create(&path).unwrap();
        f.write_all(&vec![7u8; 64 * 1024]).unwrap();
        drop(f);
        let f = File::open(&path).unwrap();
        let offsets: Vec<u64> = (0..100).map(|i| (i % 16) * 4096).collect();
        for op in [ReadOp::Read, ReadOp::ReadFixed] {
            random_reads(&f, &offsets, 4096, 8, op).unwrap();
            random_reads(&f, &offsets, 4096, 1, op).unwrap();
        }
        // A read past the end is short.
        let err = random_reads(&f, &[60 * 1024], 8192, 1, ReadOp::Read).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);

        let w = std::fs::OpenOptions::new()
            .write(true)
            .read(true)
            .open(&path)
            .unwrap();
        seq_write(&w, 10_000, 4096).unwrap();
        let mut b = [0u8; 2];
        w.read_at(&mut b, 9_998).unwrap();
        assert_eq!(b, [0x5a, 0x5a]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
