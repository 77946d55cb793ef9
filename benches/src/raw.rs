//! Raw io-uring loops on one thread: the physical limits ringbolt's NOP and
//! file workloads are held against (ARCHITECTURE.md, "Ceilings on this
//! machine"), and measurements of kernel features (`READ_FIXED`,
//! `SEND_ZC`) taken before ringbolt decides whether to use them.
//!
//! Each loop uses the `io-uring` crate directly on a ring created with
//! `SINGLE_ISSUER | DEFER_TASKRUN` (what ringbolt's workers use), on the
//! calling thread, with no runtime, no allocation per operation and no
//! wakers. Ring setup, buffer allocation and buffer registration happen
//! before the clock starts; each function returns the time of the loop
//! alone.

use std::fs::File;
use std::io::{self, Read as _};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use io_uring::{cqueue, opcode, types, IoUring, Probe};
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
    /// `READ_FIXED` as above, on a registered file (`IOSQE_FIXED_FILE`,
    /// slot 0 of the ring's file table): the kernel also skips the per-I/O
    /// file-table lookup and reference (`fget`/`fput`).
    ReadFixedFile,
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
    if op != ReadOp::Read {
        let iov = libc::iovec {
            iov_base: base.cast(),
            iov_len: depth * block,
        };
        // SAFETY: the region lives in `bufs`, which is dropped after the
        // ring (and leaked if a read might still be in flight).
        unsafe { ring.submitter().register_buffers(&[iov]) }?;
    }
    if op == ReadOp::ReadFixedFile {
        // The table holds its own reference to the file until the ring is
        // dropped, so `file` may even be closed first.
        ring.submitter().register_files(&[file.as_raw_fd()])?;
    }
    let fd = types::Fd(file.as_raw_fd());
    let len = block as u32;
    // `slot < depth`, so the block is inside the `depth * block` region.
    let entry = |slot: usize, pos: u64| {
        let buf = base.wrapping_add(slot * block);
        match op {
            ReadOp::Read => opcode::Read::new(fd, buf, len).offset(pos).build(),
            ReadOp::ReadFixed => opcode::ReadFixed::new(fd, buf, len, 0).offset(pos).build(),
            ReadOp::ReadFixedFile => opcode::ReadFixed::new(types::Fixed(0), buf, len, 0)
                .offset(pos)
                .build(),
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

/// Which send opcode [`tcp_sends`] uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SendOp {
    /// `IORING_OP_SEND`: the kernel copies the message into socket buffers;
    /// one CQE, after which the buffer is free.
    Send,
    /// `IORING_OP_SEND_ZC` (Linux 6.0): the kernel pins the pages and sends
    /// from them. Two CQEs: the result (with `IORING_CQE_F_MORE`), then a
    /// notification (`IORING_CQE_F_NOTIF`) once the kernel no longer reads
    /// the buffer; only then may it be reused.
    SendZc,
}

impl SendOp {
    fn name(self) -> &'static str {
        match self {
            SendOp::Send => "SEND",
            SendOp::SendZc => "SEND_ZC",
        }
    }
}

/// Size of the receiving thread's read buffer.
const RECV_BUF: usize = 4 << 20;

/// Sends `count` messages of `size` bytes over a loopback TCP connection,
/// keeping `depth` sends in flight, with `op`. Returns the time from the
/// first submission until the sender has every completion (for `SEND_ZC`,
/// every notification too) and the receiver has read every byte, whichever
/// comes last.
///
/// Setup, untimed: a listener and a connection on `127.0.0.1` (both ends
/// `TCP_NODELAY`), a plain thread that reads the accepted end into a
/// 4 MiB buffer and discards it until end of stream, `depth` buffer
/// slots of `size` bytes, and the ring. Each send carries
/// `MSG_WAITALL | MSG_NOSIGNAL`, so the kernel itself retries a partial
/// send; should a completion still report fewer bytes, the rest is sent
/// again from the same slot before that slot takes a new message. A slot
/// is reused only after every CQE of its sends has been reaped (the
/// result, and for `SEND_ZC` the notification). Both opcodes run this same
/// loop.
///
/// # Errors
/// Socket, thread, ring or `io_uring_enter` failures; `Unsupported` if the
/// kernel lacks the opcode; the first failed or zero-byte send (with the
/// opcode's name); a receiver that read a different number of bytes than
/// were sent.
pub fn tcp_sends(size: usize, count: usize, depth: usize, op: SendOp) -> io::Result<Duration> {
    let run = tcp_sends_with(size, count, depth, op, SendTuning::default())?;
    if run.received != run.sent {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{}: sent {} bytes, the receiver read {}",
                op.name(),
                run.sent,
                run.received
            ),
        ));
    }
    Ok(run.elapsed)
}

/// Socket and flag choices of [`tcp_sends_with`]; the default is what
/// [`tcp_sends`] measures.
#[derive(Clone, Copy, Debug)]
struct SendTuning {
    /// Pass `MSG_WAITALL` (the kernel retries partial sends itself).
    wait_all: bool,
    /// `SO_SNDBUF` of the sending socket; `None` leaves the kernel's
    /// autotuning alone.
    sndbuf: Option<i32>,
}

impl Default for SendTuning {
    fn default() -> SendTuning {
        SendTuning {
            wait_all: true,
            sndbuf: None,
        }
    }
}

/// What one [`tcp_sends_with`] run did.
#[derive(Clone, Copy, Debug)]
struct SendRun {
    elapsed: Duration,
    /// Bytes the sends' results reported.
    sent: u64,
    /// Bytes the receiving thread read.
    received: u64,
    /// Sends queued for the rest of a partially sent message.
    #[cfg_attr(not(test), expect(dead_code, reason = "only the tests read it"))]
    resent: u64,
}

/// One buffer slot of [`tcp_sends`].
#[derive(Clone, Copy, Debug, Default)]
struct SendSlot {
    /// Bytes of the slot's current message sent so far.
    sent: usize,
    /// CQEs still due for this slot (results and notifications): the
    /// kernel may read the slot's buffer until this is 0.
    due: u32,
}

/// [`tcp_sends`] with `tuning`, returning the counts as well as the time.
fn tcp_sends_with(
    size: usize,
    count: usize,
    depth: usize,
    op: SendOp,
    tuning: SendTuning,
) -> io::Result<SendRun> {
    let size = size.clamp(1, u32::MAX as usize);
    let depth = depth.clamp(1, count.max(1));

    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let tx = TcpStream::connect(listener.local_addr()?)?;
    let (mut rx, _) = listener.accept()?;
    tx.set_nodelay(true)?;
    rx.set_nodelay(true)?;
    if let Some(bytes) = tuning.sndbuf {
        set_sndbuf(&tx, bytes)?;
    }
    // Reads and discards until end of stream; returns the bytes read and
    // when the last of them arrived.
    let receiver = std::thread::Builder::new()
        .name("raw-send-rx".into())
        .spawn(move || -> io::Result<(u64, Option<Instant>)> {
            let mut buf = vec![0u8; RECV_BUF];
            let (mut total, mut last) = (0u64, None);
            loop {
                match rx.read(&mut buf) {
                    Ok(0) => return Ok((total, last)),
                    Ok(n) => {
                        total += n as u64;
                        last = Some(Instant::now());
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        })?;

    let sending = send_loop(&tx, size, count, depth, op, tuning.wait_all);
    // End of stream for the receiver, whatever happened (an op still in
    // flight after a failed enter then fails with EPIPE).
    let shut = tx.shutdown(Shutdown::Write);
    let received = receiver
        .join()
        .map_err(|_| io::Error::other("the receiving thread panicked"))?;
    let (start, sender_done, sent, resent) = sending?;
    shut?;
    let (received, last) = received?;
    let end = last.map_or(sender_done, |l| l.max(sender_done));
    Ok(SendRun {
        elapsed: end.saturating_duration_since(start),
        sent,
        received,
        resent,
    })
}

/// Sets `SO_SNDBUF` of `stream` to `bytes` (the kernel doubles it).
fn set_sndbuf(stream: &TcpStream, bytes: i32) -> io::Result<()> {
    let value: libc::c_int = bytes;
    // SAFETY: the fd is open (borrowed from `stream` for the call), and the
    // option value points to a live `c_int` whose size is the length
    // passed; the kernel only reads it during the call.
    let rc = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_SNDBUF,
            (&raw const value).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The sending side of [`tcp_sends_with`]: returns when the loop started,
/// when it ended, the bytes sent and how many sends carried the rest of a
/// partially sent message.
fn send_loop(
    tx: &TcpStream,
    size: usize,
    count: usize,
    depth: usize,
    op: SendOp,
    wait_all: bool,
) -> io::Result<(Instant, Instant, u64, u64)> {
    // Declared before the ring so that it is dropped after it.
    let bufs = vec![0x5au8; depth * size];
    let base = bufs.as_ptr();
    let mut ring = ring(depth as u32)?;
    if op == SendOp::SendZc {
        let mut probe = Probe::new();
        ring.submitter().register_probe(&mut probe)?;
        if !probe.is_supported(opcode::SendZc::CODE) {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "SEND_ZC: this kernel does not support IORING_OP_SEND_ZC (Linux 6.0+)",
            ));
        }
    }
    let fd = types::Fd(tx.as_raw_fd());
    let flags = libc::MSG_NOSIGNAL | if wait_all { libc::MSG_WAITALL } else { 0 };
    // The rest of slot `slot`'s message from byte `from` on; `slot < depth`
    // and `from < size`, so the range is inside the `depth * size` region.
    let entry = |slot: usize, from: usize| {
        let buf = base.wrapping_add(slot * size + from);
        let len = (size - from) as u32;
        match op {
            SendOp::Send => opcode::Send::new(fd, buf, len).flags(flags).build(),
            SendOp::SendZc => opcode::SendZc::new(fd, buf, len).flags(flags).build(),
        }
        .user_data(slot as u64)
    };

    let mut slots = vec![SendSlot::default(); depth];
    let start = Instant::now();
    let (submitter, mut sq, mut cq) = ring.split();
    let (mut started, mut due, mut sent, mut resent) = (0usize, 0u64, 0u64, 0u64);
    let mut failure: Option<io::Error> = None;
    let mut run = || -> io::Result<()> {
        for (i, slot) in slots.iter_mut().enumerate().take(count) {
            // Why this is sound: the send only reads slot `i`'s bytes,
            // inside `bufs` (`i < depth`), and nothing writes `bufs` after
            // it is filled.
            // SAFETY: as above, and `bufs` outlives the op: the loop below
            // reaps every CQE due (results and notifications) before
            // returning, and `bufs` is leaked if it returns early.
            unsafe { sq.push(&entry(i, 0)) }.map_err(|_| io::Error::other("SQ full"))?;
            *slot = SendSlot { sent: 0, due: 1 };
            started += 1;
            due += 1;
        }
        sq.sync();
        while due > 0 {
            submitter.submit_and_wait(1)?;
            // Refresh the SQ head (the kernel consumed what we pushed) and
            // the CQ tail.
            sq.sync();
            cq.sync();
            for cqe in &mut cq {
                let i = cqe.user_data() as usize;
                let slot = &mut slots[i];
                slot.due -= 1;
                due -= 1;
                if cqueue::notif(cqe.flags()) {
                    // The kernel is done with the buffer of one SEND_ZC.
                } else {
                    if cqueue::more(cqe.flags()) {
                        // A SEND_ZC result: its notification is still due.
                        slot.due += 1;
                        due += 1;
                    }
                    match cqe_result(cqe.result()) {
                        Ok(0) => {
                            failure.get_or_insert(io::Error::new(
                                io::ErrorKind::WriteZero,
                                format!("{}: sent 0 bytes", op.name()),
                            ));
                        }
                        Ok(n) => {
                            slot.sent += n as usize;
                            sent += u64::from(n);
                            if slot.sent < size && failure.is_none() {
                                // SAFETY: as above; the rest of the same
                                // message, from the same slot.
                                unsafe { sq.push(&entry(i, slot.sent)) }
                                    .map_err(|_| io::Error::other("SQ full"))?;
                                slot.due += 1;
                                due += 1;
                                resent += 1;
                            }
                        }
                        Err(e) => {
                            failure.get_or_insert(io::Error::new(
                                e.kind(),
                                format!("{} failed: {e}", op.name()),
                            ));
                        }
                    }
                }
                if slot.due == 0 && started < count && failure.is_none() {
                    // Every CQE of this slot's sends is in, so the kernel
                    // no longer reads its buffer (and the message was sent
                    // whole: a partial send would have queued the rest).
                    // SAFETY: as above.
                    unsafe { sq.push(&entry(i, 0)) }.map_err(|_| io::Error::other("SQ full"))?;
                    *slot = SendSlot { sent: 0, due: 1 };
                    started += 1;
                    due += 1;
                }
            }
            sq.sync();
        }
        Ok(())
    };
    let outcome = run();
    let end = Instant::now();
    if due > 0 {
        // A send may still be in flight: never free its buffer.
        std::mem::forget(bufs);
    }
    outcome?;
    match failure {
        Some(e) => Err(e),
        None => Ok((start, end, sent, resent)),
    }
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
        for op in [ReadOp::Read, ReadOp::ReadFixed, ReadOp::ReadFixedFile] {
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

    #[test]
    fn send_and_send_zc_deliver_every_byte() {
        let exact = SendTuning::default();
        // A small send buffer and no MSG_WAITALL: 1 MiB never fits at
        // once, so partial sends and their resubmission happen for sure.
        let partial = SendTuning {
            wait_all: false,
            sndbuf: Some(64 * 1024),
        };
        let cases = [
            (exact, 1, 1, 1),
            (exact, 4096, 64, 8),
            (exact, 100_000, 20, 3),
            (exact, 1 << 20, 8, 4),
            (partial, 1 << 20, 8, 4),
            (partial, 16 * 1024, 200, 8),
        ];
        for op in [SendOp::Send, SendOp::SendZc] {
            for (tuning, size, count, depth) in cases {
                let run = match tcp_sends_with(size, count, depth, op, tuning) {
                    Ok(run) => run,
                    // A kernel without SEND_ZC says so, by name.
                    Err(e) if op == SendOp::SendZc && e.kind() == io::ErrorKind::Unsupported => {
                        assert!(e.to_string().contains("SEND_ZC"), "{e}");
                        return;
                    }
                    Err(e) => panic!("{op:?} {size}x{count} at QD {depth}: {e}"),
                };
                let what = format!("{op:?} {size}x{count} at QD {depth}, {tuning:?}");
                let expected = (size * count) as u64;
                assert_eq!(run.sent, expected, "{what}");
                assert_eq!(run.received, expected, "{what}");
                assert!(!run.elapsed.is_zero(), "{what}");
                if tuning.sndbuf.is_some() && size == 1 << 20 {
                    assert!(run.resent > 0, "{what}: no partial send");
                }
            }
            tcp_sends(16 * 1024, 32, 8, op).unwrap();
        }
    }
}
