//! Unix signals as futures: [`ctrl_c`] and [`signal`] (SIGTERM, SIGHUP, …).
//!
//! # How a signal reaches a task
//!
//! 1. The first [`signal`] call for a signal number creates a Unix socket
//!    pair and installs a process-wide handler (through `signal-hook`,
//!    chained after any handler already there) that sends one byte on the
//!    write end, without blocking: a full socket drops the byte, and the
//!    bytes waiting already say "the signal came". The handler stays for
//!    the life of the process, so from then on the signal's default
//!    action (for SIGINT and SIGTERM: ending the process) no longer
//!    happens.
//! 2. The read end is a ringbolt [`UnixStream`]: a waiting task reads it
//!    with an ordinary ring `recv`, so no thread waits on signals. Only one
//!    task reads at a time (the one that took the stream out of the slot);
//!    when it has read, it bumps the slot's `generation`, puts the stream
//!    back and wakes every waiter.
//! 3. A [`Signal`] remembers the generation it last saw (the one current
//!    when it was created) and completes a `recv` once the generation
//!    differs, so every `Signal` that exists when the signal arrives sees
//!    it, polled or not. Signals that arrive together may be seen as one.
//! 4. A waiter checks the generation and the stream and registers its
//!    waker under the slot's lock; a reader puts the stream back under
//!    that lock after bumping the generation, then wakes every waiter
//!    *outside* it (a task dropped by its own wake, as at runtime
//!    shutdown, takes the lock again in its drop). A reader whose `recv`
//!    is dropped mid-read puts the stream back too; its ring read stays
//!    parked in the stream (the net crate's read rule) and the next reader
//!    finishes it, so no byte and no signal is lost.
//!
//! Why not a `signalfd`: it only sees signals that every thread of the
//! process blocks, and a library cannot block them in threads it did not
//! create (a signal sent to the process goes to any thread that does not
//! block it, whose default action then ends the process). ARCHITECTURE.md
//! records the choice.

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use std::future::poll_fn;
use std::task::{Poll, Waker};

use ringbolt_net::UnixStream;

/// A signal [`signal`] can listen for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalKind(i32);

impl SignalKind {
    /// SIGINT: Ctrl-C in a terminal.
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// SIGTERM: the polite "please stop" of `kill`, systemd and containers.
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// SIGHUP: the terminal went away; daemons often reload on it.
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// SIGQUIT: Ctrl-\ in a terminal.
    pub const fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }

    /// SIGUSR1.
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// SIGUSR2.
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }

    /// Any signal by number; [`signal`] refuses the ones that cannot be
    /// handled (SIGKILL, SIGSTOP) or must not be (SIGSEGV, SIGBUS, SIGILL,
    /// SIGFPE).
    pub const fn from_raw(signum: i32) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal's number.
    pub const fn as_raw(self) -> i32 {
        self.0
    }
}

/// One signal number's self-pipe and waiters (rules in the module docs).
#[derive(Debug)]
struct Slot {
    generation: AtomicU64,
    shared: Mutex<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    /// The read end; `None` while a reader has it out.
    stream: Option<UnixStream>,
    /// Tasks waiting for the generation to move or the stream to come
    /// back, by waiter id.
    waiters: HashMap<u64, Waker>,
}

impl Slot {
    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes every waiter, outside the lock: a task dropped by its own
    /// wake (at runtime shutdown) takes the lock again in its drop.
    fn wake_all(&self) {
        let waiters = std::mem::take(&mut self.lock().waiters);
        for (_, waker) in waiters {
            waker.wake();
        }
    }
}

/// The stream, out of its slot while one task reads; put back on drop
/// (also when the read is cancelled: its op stays parked in the stream).
struct Reader<'a> {
    slot: &'a Slot,
    stream: Option<UnixStream>,
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        self.slot.lock().stream = self.stream.take();
        self.slot.wake_all();
    }
}

/// A waiter's entry in `Shared::waiters`, removed on drop.
struct Waiting<'a> {
    slot: &'a Slot,
    id: u64,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.slot.lock().waiters.remove(&self.id);
    }
}

/// What a waiter found.
enum Found<'a> {
    /// The generation moved.
    Changed,
    /// Nobody reads: this task does.
    Reader(Reader<'a>),
}

fn slots() -> &'static Mutex<HashMap<i32, Arc<Slot>>> {
    static SLOTS: OnceLock<Mutex<HashMap<i32, Arc<Slot>>>> = OnceLock::new();
    SLOTS.get_or_init(Default::default)
}

/// The slot of `signum`, installing its handler on first use (rule 1).
fn slot(signum: i32) -> io::Result<Arc<Slot>> {
    if signum <= 0 || signum > libc::SIGRTMAX() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{signum} is not a signal number"),
        ));
    }
    if signal_hook::consts::FORBIDDEN.contains(&signum) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("signal {signum} cannot be handled"),
        ));
    }
    let mut slots = slots().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(slot) = slots.get(&signum) {
        return Ok(Arc::clone(slot));
    }
    let (read, write) = std::os::unix::net::UnixStream::pair()?;
    let reader = UnixStream::from_std(read)?;
    signal_hook::low_level::pipe::register(signum, write)?;
    let slot = Arc::new(Slot {
        generation: AtomicU64::new(0),
        shared: Mutex::new(Shared {
            stream: Some(reader),
            waiters: HashMap::new(),
        }),
    });
    slots.insert(signum, Arc::clone(&slot));
    Ok(slot)
}

/// Listens for `kind` from now on: the handler is installed by this call
/// (not by the first poll), so a signal that arrives before the first
/// [`recv`](Signal::recv) is seen by it.
///
/// Installing the handler takes the signal's default action away for the
/// rest of the process (see the module docs).
///
/// # Errors
///
/// `InvalidInput` for a signal that cannot or must not be handled (SIGKILL,
/// SIGSTOP, SIGSEGV, SIGBUS, SIGILL, SIGFPE) or a number that is no signal;
/// the OS error if the socket pair or the handler cannot be set up.
///
/// ```no_run
/// use ringbolt::signal::{signal, SignalKind};
///
/// # async fn demo() -> std::io::Result<()> {
/// let mut term = signal(SignalKind::terminate())?;
/// term.recv().await?;
/// println!("SIGTERM: shutting down");
/// # Ok(()) }
/// ```
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let slot = slot(kind.0)?;
    let seen = slot.generation.load(Ordering::Acquire);
    Ok(Signal { slot, seen })
}

/// Completes at the next SIGINT (Ctrl-C) after this call.
///
/// The handler is installed when `ctrl_c()` is called, not when the future
/// is first polled; from then on Ctrl-C no longer ends the process by
/// itself.
///
/// # Errors
///
/// When the handler cannot be installed, or the ring read of its socket
/// fails twice in a row.
///
/// ```no_run
/// #[ringbolt::main]
/// async fn main() -> std::io::Result<()> {
///     println!("press Ctrl-C");
///     ringbolt::signal::ctrl_c().await?;
///     println!("bye");
///     Ok(())
/// }
/// ```
pub fn ctrl_c() -> impl std::future::Future<Output = io::Result<()>> + Send + 'static {
    let signal = signal(SignalKind::interrupt());
    async move { signal?.recv().await }
}

/// A stream of one signal's arrivals; made by [`signal`].
#[derive(Debug)]
pub struct Signal {
    slot: Arc<Slot>,
    seen: u64,
}

impl Signal {
    /// Waits for the signal to arrive (again). Arrivals between two calls
    /// are seen by the next one, several of them as one.
    ///
    /// # Errors
    ///
    /// When the ring read of the signal's socket fails twice in a row (the
    /// first failure can be the answer of a read whose runtime was shut
    /// down while it waited).
    pub async fn recv(&mut self) -> io::Result<()> {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        let slot = &*self.slot;
        let waiting = Waiting {
            slot,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        };
        let mut failures = 0;
        loop {
            let seen = self.seen;
            let found = poll_fn(|cx| {
                // Rule 4: the waker goes in under the lock that the
                // generation's bump is followed by a wake-all of.
                let mut shared = slot.lock();
                if slot.generation.load(Ordering::Acquire) != seen {
                    return Poll::Ready(Found::Changed);
                }
                if let Some(stream) = shared.stream.take() {
                    return Poll::Ready(Found::Reader(Reader {
                        slot,
                        stream: Some(stream),
                    }));
                }
                shared.waiters.insert(waiting.id, cx.waker().clone());
                Poll::Pending
            })
            .await;
            let mut reader = match found {
                Found::Changed => {
                    self.seen = slot.generation.load(Ordering::Acquire);
                    return Ok(());
                }
                Found::Reader(reader) => reader,
            };
            // Rule 2: this task reads for everyone.
            let stream = reader.stream.as_mut().expect("a reader holds the stream");
            let (res, _) = stream.read(vec![0u8; 64]).await;
            match res {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the signal handler's socket was closed",
                    ))
                }
                Ok(_) => {
                    failures = 0;
                    // Release pairs with the waiters' Acquire loads; the
                    // reader's drop wakes them all.
                    slot.generation.fetch_add(1, Ordering::Release);
                }
                Err(e) => {
                    failures += 1;
                    if failures > 1 {
                        return Err(e);
                    }
                }
            }
            drop(reader);
        }
    }
}
