//! The three things hyper asks of a runtime: I/O ([`RingboltIo`]), a way
//! to spawn ([`RingboltExecutor`]) and timers ([`RingboltTimer`]).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use futures_io::{AsyncBufRead, AsyncWrite};
use hyper::rt::{Executor, ReadBufCursor, Sleep, Timer};
use ringbolt::Handle;

/// hyper's `Read`/`Write` over a `futures-io` stream.
///
/// Reads go through [`AsyncBufRead`]: the bytes are copied once, from the
/// stream's own buffer into hyper's, and only as many as hyper has room
/// for; the rest stay in the stream for the next read. ringbolt's
/// [`TcpStream`](ringbolt::net::TcpStream) and
/// [`UnixStream`](ringbolt::net::UnixStream) (and their read halves)
/// implement it over a ring `recv` that stays parked in the stream when
/// hyper drops a read, so no byte is ever lost. Any other stream that only
/// has `AsyncRead` works through `futures_util::io::BufReader`.
///
/// Writes are the stream's `AsyncWrite` (ringbolt's streams copy the bytes
/// and send them behind the caller's back; `poll_flush` waits for them).
///
/// ```no_run
/// use ringbolt_hyper::RingboltIo;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let stream = ringbolt::net::TcpStream::connect(([127, 0, 0, 1], 8080)).await?;
/// let (mut sender, conn) = hyper::client::conn::http1::handshake::<_, String>(
///     RingboltIo::new(stream),
/// )
/// .await?;
/// ringbolt::spawn(conn);
/// let response = sender
///     .send_request(hyper::Request::get("/").body(String::new())?)
///     .await?;
/// println!("{}", response.status());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct RingboltIo<T> {
    inner: T,
}

impl<T> RingboltIo<T> {
    /// Wraps a stream.
    pub fn new(inner: T) -> Self {
        Self { inner }
    }

    /// The stream.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The stream, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the stream; bytes it had received and not handed out yet
    /// stay in it.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncBufRead + Unpin> RingboltIo<T> {
    /// hyper's `poll_read`, saying how many bytes it gave.
    pub(crate) fn poll_read_counted(
        &mut self,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<usize>> {
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(0));
        }
        let data = ready!(Pin::new(&mut self.inner).poll_fill_buf(cx))?;
        let n = data.len().min(buf.remaining());
        buf.put_slice(&data[..n]);
        Pin::new(&mut self.inner).consume(n);
        Poll::Ready(Ok(n))
    }
}

impl<T: AsyncBufRead + Unpin> hyper::rt::Read for RingboltIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().poll_read_counted(cx, buf).map_ok(drop)
    }
}

impl<T: AsyncWrite + Unpin> hyper::rt::Write for RingboltIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_close(cx)
    }
}

/// Runs hyper's background futures (HTTP/2 streams, client connections,
/// the pool's reaper) as ringbolt tasks, spread over the workers.
///
/// Made inside a runtime, it spawns on that runtime from any thread;
/// made outside one, on the runtime of the thread that spawns.
#[derive(Debug, Clone, Default)]
pub struct RingboltExecutor {
    handle: Option<Handle>,
}

impl RingboltExecutor {
    /// Spawns on the current runtime (see the type's docs).
    pub fn new() -> Self {
        Self {
            handle: Handle::try_current(),
        }
    }

    /// Spawns on `handle`'s runtime.
    pub fn with_handle(handle: Handle) -> Self {
        Self {
            handle: Some(handle),
        }
    }
}

impl<F> Executor<F> for RingboltExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        // Detached: the task runs on when its handle drops.
        match &self.handle {
            Some(handle) => drop(handle.spawn(future)),
            None => drop(ringbolt::spawn(future)),
        }
    }
}

/// hyper's timers (header-read timeout, keep-alive, the pool's idle
/// timeout) on ringbolt's timer wheels: no system call and no kernel
/// memory per timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct RingboltTimer;

impl RingboltTimer {
    /// The timer.
    pub fn new() -> Self {
        RingboltTimer
    }
}

/// A ringbolt sleep as a hyper `Sleep`.
#[derive(Debug)]
struct RingSleep(ringbolt::time::Sleep);

impl Future for RingSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.get_mut().0).poll(cx)
    }
}

impl Sleep for RingSleep {}

impl Timer for RingboltTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        Box::pin(RingSleep(ringbolt::time::sleep(duration)))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        Box::pin(RingSleep(ringbolt::time::sleep_until(deadline)))
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<RingSleep>() {
            Some(ours) => ours.get_mut().0.reset(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}
