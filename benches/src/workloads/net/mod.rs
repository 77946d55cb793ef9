//! Network workloads: a TCP echo server and its clients, and a connection
//! accept loop, over loopback (`127.0.0.1`) only.
//!
//! **Server and clients run on the same runtime**, the one under test: the
//! listener, every accepted connection's echo task and every client task
//! are tasks of that runtime, spread over its workers by its scheduler.
//! Nothing leaves the machine; every loop is bounded by a message or
//! connection count, and each iteration by [`ITERATION_LIMIT`] (past it
//! the iteration panics, which the driver reports as an error).
//!
//! - `echo_1conn`, `echo_64conn`: each client sends a [`MESSAGE_SIZE`]-byte
//!   message, waits for the whole echo, and repeats. Both sides set
//!   `TCP_NODELAY`. ringbolt uses `ringbolt::net` with owned buffers
//!   (`read`/`write_all` moving a `Vec<u8>` in and out); tokio uses
//!   `tokio::net` with `AsyncReadExt::read`/`AsyncWriteExt::write_all` on
//!   borrowed buffers. Connecting (and accepting) is untimed setup; the
//!   timed part is from releasing the clients to the last client finishing.
//!   Round-trip latencies go into [`Sample::latencies`] (at most
//!   [`LATENCY_SAMPLES`] per iteration, every k-th round trip of each
//!   client).
//! - `accepts`: one task connects and immediately closes, N times in a row;
//!   another accepts (and closes) in a loop. Timed from the first connect to
//!   the last accept.
//!
//! [`monoio_echo`] runs the same echo on monoio, a thread-per-core io_uring
//! runtime (one monoio runtime per thread, each with its own listener and
//! its share of the clients), as a reference point: it is the echo
//! workloads' [baseline](Workload::baselines) in `ringbolt-bench`, with as
//! many threads as the runtimes have workers, and the `monoio` function of
//! the criterion bench `benches/net.rs`.
//!
//! [`serve`] holds `serve_64conn`, the exception to "server and clients on
//! the runtime under test": there the runtime runs only the server, and the
//! clients come from a load generator on a thread of their own;
//! [`serve_ext`] holds `serve_64conn_ext`, the same server on all the
//! workers with the generator in another process.
//!
//! [`tls`] holds `tls_echo_16conn`, the echo over TLS (tokio-rustls on
//! each runtime's streams, ringbolt's through its `tokio-io` traits).
//! [`http`] holds `http_hello_64conn_1w`/`_2w`: a hyper "hello" server
//! (the same service on `ringbolt-hyper` and on hyper-util's tokio
//! adapters) under an external HTTP/1.1 keep-alive load generator.
//!
//! [`zc`] holds raw-loop-only rows (`raw_send_zc_*`): `SEND` against
//! `SEND_ZC` on a hand-written io-uring loop, no runtime.

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::{scaled, Sample, Workload};
use crate::runtimes::{AnyRuntime, BenchRuntime, Ringbolt, Tokio};

/// Bytes per echo message.
pub const MESSAGE_SIZE: usize = 1024;
/// Round trips per iteration of `echo_1conn`, at scale 1.
pub const ECHO_1CONN_MESSAGES: usize = 2_000;
/// Connections in `echo_64conn`.
pub const ECHO_64CONN_CONNECTIONS: usize = 64;
/// Round trips per connection per iteration of `echo_64conn`, at scale 1.
pub const ECHO_64CONN_MESSAGES_PER_CONN: usize = 100;
/// Connections per iteration of `accepts`, at scale 1.
pub const ACCEPT_CONNECTIONS: usize = 500;
/// Most round-trip latencies one echo iteration records.
pub const LATENCY_SAMPLES: usize = 4096;
/// Listen backlog of the echo workloads' listeners: ringbolt's
/// `TcpListener::bind` default. (tokio's `TcpListener::bind` uses std's
/// 128; both runtimes get the same here, through their `TcpSocket`.)
pub const LISTEN_BACKLOG: u32 = 1024;
/// Longest one iteration may take; past it the iteration panics.
pub const ITERATION_LIMIT: Duration = Duration::from_secs(60);

/// The loopback address with port 0 (any free port).
fn loopback_any_port() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

/// The sockets a network workload needs, on top of [`BenchRuntime`].
///
/// A `Conn` is a connected stream with `TCP_NODELAY` set and the buffers of
/// one echo endpoint: a [`MESSAGE_SIZE`] receive buffer and a
/// [`MESSAGE_SIZE`] message to send. Every function must be called from a
/// task of the runtime.
pub trait NetRuntime: BenchRuntime {
    /// A listening TCP socket.
    type Listener: Send + Sync + 'static;
    /// A connected TCP stream, as accepted or connected.
    type Stream: Send + 'static;
    /// A stream plus its echo buffers.
    type Conn: Send + 'static;

    /// Binds to `addr` (with `SO_REUSEADDR`) and listens with a queue of
    /// `backlog` pending connections.
    fn listen(
        addr: SocketAddr,
        backlog: u32,
    ) -> impl Future<Output = io::Result<Self::Listener>> + Send;

    /// The address `listener` is bound to.
    fn local_addr(listener: &Self::Listener) -> io::Result<SocketAddr>;

    /// Accepts one connection.
    fn accept(
        listener: &Self::Listener,
    ) -> impl Future<Output = io::Result<Self::Stream>> + Send + '_;

    /// Connects to `addr`.
    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Stream>> + Send;

    /// Sets `TCP_NODELAY` and allocates the echo buffers.
    fn conn(stream: Self::Stream) -> io::Result<Self::Conn>;

    /// Receives up to [`MESSAGE_SIZE`] bytes into the receive buffer;
    /// `Ok(0)` is end of stream.
    fn recv(conn: &mut Self::Conn) -> impl Future<Output = io::Result<usize>> + Send + '_;

    /// Sends back the `n` bytes the last [`recv`](Self::recv) received.
    fn echo(conn: &mut Self::Conn, n: usize) -> impl Future<Output = io::Result<()>> + Send + '_;

    /// Sends the whole [`MESSAGE_SIZE`]-byte message.
    fn send_message(conn: &mut Self::Conn) -> impl Future<Output = io::Result<()>> + Send + '_;

    /// Runs `fut`, giving up (`None`) after `limit`.
    fn timeout<F>(limit: Duration, fut: F) -> impl Future<Output = Option<F::Output>> + Send
    where
        F: Future + Send,
        F::Output: Send;
}

/// ringbolt's connection: the stream and two owned buffers that move into
/// each `read`/`write_all` and come back with its result.
#[derive(Debug)]
pub struct RingboltConn {
    stream: ringbolt::net::TcpStream,
    buf: Vec<u8>,
    msg: Vec<u8>,
}

impl NetRuntime for Ringbolt {
    type Listener = ringbolt::net::TcpListener;
    type Stream = ringbolt::net::TcpStream;
    type Conn = RingboltConn;

    async fn listen(addr: SocketAddr, backlog: u32) -> io::Result<Self::Listener> {
        use ringbolt::net::TcpSocket;
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        socket.listen(backlog)
    }

    fn local_addr(listener: &Self::Listener) -> io::Result<SocketAddr> {
        listener.local_addr()
    }

    async fn accept(listener: &Self::Listener) -> io::Result<Self::Stream> {
        listener.accept().await.map(|(s, _)| s)
    }

    async fn connect(addr: SocketAddr) -> io::Result<Self::Stream> {
        ringbolt::net::TcpStream::connect(addr).await
    }

    fn conn(stream: Self::Stream) -> io::Result<Self::Conn> {
        stream.set_nodelay(true)?;
        Ok(RingboltConn {
            stream,
            buf: Vec::with_capacity(MESSAGE_SIZE),
            msg: vec![0x5a; MESSAGE_SIZE],
        })
    }

    async fn recv(conn: &mut Self::Conn) -> io::Result<usize> {
        let mut buf = std::mem::take(&mut conn.buf);
        // A read fills from the start of the buffer and sets its length
        // to what it received; it needs the room for a whole message.
        buf.reserve(MESSAGE_SIZE.saturating_sub(buf.len()));
        let (res, buf) = conn.stream.read(buf).await;
        conn.buf = buf;
        res
    }

    async fn echo(conn: &mut Self::Conn, n: usize) -> io::Result<()> {
        let mut buf = std::mem::take(&mut conn.buf);
        buf.truncate(n);
        let (res, buf) = conn.stream.write_all(buf).await;
        conn.buf = buf;
        res
    }

    async fn send_message(conn: &mut Self::Conn) -> io::Result<()> {
        let msg = std::mem::take(&mut conn.msg);
        let (res, msg) = conn.stream.write_all(msg).await;
        conn.msg = msg;
        res
    }

    async fn timeout<F>(limit: Duration, fut: F) -> Option<F::Output>
    where
        F: Future + Send,
        F::Output: Send,
    {
        ringbolt::time::timeout(limit, fut).await.ok()
    }
}

/// tokio's connection: the stream and two fixed buffers, lent to
/// `AsyncReadExt::read` and `AsyncWriteExt::write_all`.
#[derive(Debug)]
pub struct TokioConn {
    stream: tokio::net::TcpStream,
    buf: Box<[u8]>,
    msg: Box<[u8]>,
}

impl NetRuntime for Tokio {
    type Listener = tokio::net::TcpListener;
    type Stream = tokio::net::TcpStream;
    type Conn = TokioConn;

    async fn listen(addr: SocketAddr, backlog: u32) -> io::Result<Self::Listener> {
        use tokio::net::TcpSocket;
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        socket.listen(backlog)
    }

    fn local_addr(listener: &Self::Listener) -> io::Result<SocketAddr> {
        listener.local_addr()
    }

    async fn accept(listener: &Self::Listener) -> io::Result<Self::Stream> {
        listener.accept().await.map(|(s, _)| s)
    }

    async fn connect(addr: SocketAddr) -> io::Result<Self::Stream> {
        tokio::net::TcpStream::connect(addr).await
    }

    fn conn(stream: Self::Stream) -> io::Result<Self::Conn> {
        stream.set_nodelay(true)?;
        Ok(TokioConn {
            stream,
            buf: vec![0; MESSAGE_SIZE].into_boxed_slice(),
            msg: vec![0x5a; MESSAGE_SIZE].into_boxed_slice(),
        })
    }

    async fn recv(conn: &mut Self::Conn) -> io::Result<usize> {
        use tokio::io::AsyncReadExt;
        conn.stream.read(&mut conn.buf).await
    }

    async fn echo(conn: &mut Self::Conn, n: usize) -> io::Result<()> {
        use tokio::io::AsyncWriteExt;
        conn.stream.write_all(&conn.buf[..n]).await
    }

    async fn send_message(conn: &mut Self::Conn) -> io::Result<()> {
        use tokio::io::AsyncWriteExt;
        conn.stream.write_all(&conn.msg).await
    }

    async fn timeout<F>(limit: Duration, fut: F) -> Option<F::Output>
    where
        F: Future + Send,
        F::Output: Send,
    {
        tokio::time::timeout(limit, fut).await.ok()
    }
}

/// The name of the monoio baseline of the echo workloads.
pub const MONOIO: &str = "monoio (thread-per-core io_uring, 1 runtime per worker)";

/// The worker count the driver asked for, recorded by
/// [`Workload::workers`] so that the monoio baseline (which gets only the
/// scale) runs as many threads as the runtimes have workers; 0 until then.
static REQUESTED_WORKERS: AtomicUsize = AtomicUsize::new(0);

/// Threads for the monoio baseline: the driver's worker count, else
/// `RINGBOLT_BENCH_WORKERS`, else the core count.
fn monoio_threads() -> usize {
    match REQUESTED_WORKERS.load(Ordering::Relaxed) {
        0 => crate::cli::default_workers(std::env::var("RINGBOLT_BENCH_WORKERS").ok().as_deref()),
        n => n,
    }
}

/// The network workloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Net {
    /// One client, 2,000 round trips of 1 KiB.
    Echo1Conn,
    /// 64 clients at once, 100 round trips of 1 KiB each.
    Echo64Conn,
    /// 500 connect-and-close, accepted in a loop.
    Accepts,
}

impl Net {
    /// Every network workload, in report order.
    pub const ALL: [Net; 3] = [Net::Echo1Conn, Net::Echo64Conn, Net::Accepts];

    /// Runs one iteration on `rt` at size multiplier `scale`, blocking the
    /// calling thread until it is done.
    ///
    /// # Panics
    /// On an I/O error, or when the iteration runs past
    /// [`ITERATION_LIMIT`].
    pub fn run_on<R: NetRuntime>(self, rt: &R, scale: f64) -> Sample {
        match self {
            Net::Echo1Conn => echo(rt, 1, scaled(ECHO_1CONN_MESSAGES, scale)),
            Net::Echo64Conn => echo(
                rt,
                ECHO_64CONN_CONNECTIONS,
                scaled(ECHO_64CONN_MESSAGES_PER_CONN, scale),
            ),
            Net::Accepts => accepts(rt, scaled(ACCEPT_CONNECTIONS, scale)),
        }
    }

    /// `(connections, round trips per connection)` of an echo workload at
    /// `scale`; `None` for `accepts`.
    pub fn echo_shape(self, scale: f64) -> Option<(usize, usize)> {
        match self {
            Net::Echo1Conn => Some((1, scaled(ECHO_1CONN_MESSAGES, scale))),
            Net::Echo64Conn => Some((
                ECHO_64CONN_CONNECTIONS,
                scaled(ECHO_64CONN_MESSAGES_PER_CONN, scale),
            )),
            Net::Accepts => None,
        }
    }
}

impl Workload for Net {
    fn name(&self) -> &'static str {
        match self {
            Net::Echo1Conn => "echo_1conn",
            Net::Echo64Conn => "echo_64conn",
            Net::Accepts => "accepts",
        }
    }

    fn family(&self) -> &'static str {
        "net"
    }

    fn description(&self) -> &'static str {
        match self {
            Net::Echo1Conn => "TCP echo on loopback, 1 client x 2k round trips of 1 KiB",
            Net::Echo64Conn => "TCP echo on loopback, 64 clients x 100 round trips of 1 KiB",
            Net::Accepts => "500 loopback connect+close, accepted in a loop",
        }
    }

    fn ops_per_iter(&self, scale: f64) -> Option<u64> {
        let n = match self.echo_shape(scale) {
            Some((conns, msgs)) => conns * msgs,
            None => scaled(ACCEPT_CONNECTIONS, scale),
        };
        Some(n as u64)
    }

    fn run(&self, rt: &AnyRuntime, scale: f64) -> Sample {
        crate::with_runtime!(rt, |r| self.run_on(r, scale))
    }

    fn workers(&self, requested: usize) -> usize {
        REQUESTED_WORKERS.store(requested, Ordering::Relaxed);
        requested
    }

    fn baselines(&self) -> &'static [&'static str] {
        match self {
            Net::Echo1Conn | Net::Echo64Conn => &[MONOIO],
            Net::Accepts => &[],
        }
    }

    fn run_baseline(&self, index: usize, scale: f64) -> Option<Sample> {
        let (conns, msgs) = self.echo_shape(scale).filter(|_| index == 0)?;
        Some(monoio_echo(monoio_threads(), conns, msgs))
    }
}

/// The network workloads as registry entries: the echoes, the server
/// under a load generator, serving while a worker is busy, and the raw
/// `SEND_ZC` rows last.
pub fn all() -> Vec<Box<dyn Workload>> {
    let mut all: Vec<Box<dyn Workload>> = Net::ALL
        .iter()
        .map(|&w| Box::new(w) as Box<dyn Workload>)
        .collect();
    all.push(Box::new(serve::Serve64Conn));
    all.push(Box::new(serve_ext::Serve64ConnExt::default()));
    all.extend(busy::BusyEcho::ALL.map(|w| Box::new(w) as Box<dyn Workload>));
    all.push(Box::new(busy::BusyHomeRead));
    all.push(Box::new(tls::TlsEcho16Conn));
    all.push(Box::new(http::HttpHello { workers: 1 }));
    all.push(Box::new(http::HttpHello { workers: 2 }));
    all.extend(zc::all());
    all
}

/// Runs `fut` as a task of `rt` (so that it runs on a worker, as a server
/// would), bounded by [`ITERATION_LIMIT`], and returns its output.
fn run_bounded<R, F, T>(rt: &R, what: &str, fut: F) -> T
where
    R: NetRuntime,
    F: Future<Output = io::Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let task = rt.spawn_remote(R::timeout(ITERATION_LIMIT, fut));
    match rt.block_on(task) {
        Ok(Some(Ok(out))) => out,
        Ok(Some(Err(e))) => panic!("{what}: I/O error: {e}"),
        Ok(None) => panic!("{what}: ran longer than {ITERATION_LIMIT:?}"),
        Err(e) => panic!("{what}: task failed: {e:?}"),
    }
}

/// Record every `stride`-th round trip so that `total` round trips leave
/// at most [`LATENCY_SAMPLES`] latencies.
pub fn latency_stride(total: usize) -> usize {
    total.div_ceil(LATENCY_SAMPLES).max(1)
}

/// One echo iteration: `conns` clients, each doing `msgs_per_conn` round
/// trips of [`MESSAGE_SIZE`] bytes against an echo server on the same
/// runtime. Returns the timed part (all clients' round trips) and sampled
/// round-trip latencies.
///
/// # Panics
/// On an I/O error, a short echo, or past [`ITERATION_LIMIT`].
pub fn echo<R: NetRuntime>(rt: &R, conns: usize, msgs_per_conn: usize) -> Sample {
    run_bounded(rt, "echo", echo_task::<R>(conns, msgs_per_conn))
}

async fn echo_task<R: NetRuntime>(conns: usize, msgs_per_conn: usize) -> io::Result<Sample> {
    let listener = R::listen(loopback_any_port(), LISTEN_BACKLOG).await?;
    let addr = R::local_addr(&listener)?;
    // Accept every connection and give each its echo task.
    let acceptor = R::spawn(async move {
        let mut servers = Vec::with_capacity(conns);
        for _ in 0..conns {
            let conn = R::conn(R::accept(&listener).await?)?;
            servers.push(R::spawn(serve::<R>(conn)));
        }
        io::Result::Ok(servers)
    });
    let mut clients = Vec::with_capacity(conns);
    for _ in 0..conns {
        clients.push(R::conn(R::connect(addr).await?)?);
    }
    let servers = acceptor.await.map_err(task_failed)??;

    let stride = latency_stride(conns * msgs_per_conn);
    let start = Instant::now();
    let handles: Vec<_> = clients
        .into_iter()
        .map(|c| R::spawn(client::<R>(c, msgs_per_conn, stride)))
        .collect();
    let mut latencies = Vec::with_capacity(LATENCY_SAMPLES + conns);
    for h in handles {
        latencies.extend(h.await.map_err(task_failed)??);
    }
    let elapsed = start.elapsed();
    // The clients closed their connections: each server sees end of stream.
    for s in servers {
        s.await.map_err(task_failed)??;
    }
    Ok(Sample {
        elapsed,
        latencies,
        ..Sample::default()
    })
}

fn task_failed(e: impl std::fmt::Debug) -> io::Error {
    io::Error::other(format!("task failed: {e:?}"))
}

/// Echoes until end of stream.
async fn serve<R: NetRuntime>(mut conn: R::Conn) -> io::Result<()> {
    loop {
        let n = R::recv(&mut conn).await?;
        if n == 0 {
            return Ok(());
        }
        R::echo(&mut conn, n).await?;
    }
}

/// `msgs` round trips; returns the latency of every `stride`-th.
async fn client<R: NetRuntime>(
    mut conn: R::Conn,
    msgs: usize,
    stride: usize,
) -> io::Result<Vec<Duration>> {
    let mut latencies = Vec::with_capacity(msgs / stride + 1);
    for i in 0..msgs {
        let sent = Instant::now();
        R::send_message(&mut conn).await?;
        let mut got = 0;
        while got < MESSAGE_SIZE {
            match R::recv(&mut conn).await? {
                0 => return Err(short_echo(got)),
                n => got += n,
            }
        }
        if i % stride == 0 {
            latencies.push(sent.elapsed());
        }
    }
    Ok(latencies)
}

fn short_echo(got: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("echo closed after {got} of {MESSAGE_SIZE} bytes"),
    )
}

/// One `accepts` iteration: one task connects and closes `n` times in a
/// row, another accepts (and closes) `n` connections. Returns the time from
/// the first connect to the last accept.
///
/// # Panics
/// On an I/O error or past [`ITERATION_LIMIT`].
pub fn accepts<R: NetRuntime>(rt: &R, n: usize) -> Sample {
    run_bounded(rt, "accepts", accepts_task::<R>(n))
}

async fn accepts_task<R: NetRuntime>(n: usize) -> io::Result<Sample> {
    // Room for every connection in the accept queue (up to the kernel's
    // `somaxconn`): a full queue drops SYNs, and the client's 1 s
    // retransmission timer would dwarf everything else.
    let backlog = u32::try_from(n).unwrap_or(u32::MAX).max(LISTEN_BACKLOG);
    let listener = R::listen(loopback_any_port(), backlog).await?;
    let addr = R::local_addr(&listener)?;
    let acceptor = R::spawn(async move {
        for _ in 0..n {
            drop(R::accept(&listener).await?);
        }
        io::Result::Ok(())
    });
    let start = Instant::now();
    let connector = R::spawn(async move {
        for _ in 0..n {
            drop(R::connect(addr).await?);
        }
        io::Result::Ok(())
    });
    connector.await.map_err(task_failed)??;
    acceptor.await.map_err(task_failed)??;
    Ok(Sample {
        elapsed: start.elapsed(),
        ..Sample::default()
    })
}

pub mod busy;
pub mod http;
mod monoio_echo;
pub use monoio_echo::monoio_echo;
pub mod serve;
pub mod serve_ext;
pub mod tls;
pub mod zc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_and_shapes_follow_scale() {
        assert_eq!(Net::Echo1Conn.ops_per_iter(1.0), Some(2_000));
        assert_eq!(Net::Echo64Conn.ops_per_iter(1.0), Some(6_400));
        assert_eq!(Net::Echo64Conn.ops_per_iter(0.5), Some(3_200));
        assert_eq!(Net::Accepts.ops_per_iter(1.0), Some(500));
        assert_eq!(Net::Echo64Conn.echo_shape(1.0), Some((64, 100)));
        assert_eq!(Net::Accepts.echo_shape(1.0), None);
    }

    #[test]
    fn latency_stride_caps_samples() {
        assert_eq!(latency_stride(0), 1);
        assert_eq!(latency_stride(LATENCY_SAMPLES), 1);
        assert_eq!(latency_stride(LATENCY_SAMPLES + 1), 2);
        let total: usize = 100_000;
        assert!(total.div_ceil(latency_stride(total)) <= LATENCY_SAMPLES);
    }

    fn check_echo(s: &Sample, conns: usize, msgs: usize) {
        assert!(!s.elapsed.is_zero());
        let stride = latency_stride(conns * msgs);
        assert_eq!(s.latencies.len(), conns * msgs.div_ceil(stride));
    }

    #[test]
    fn every_workload_completes_on_tokio() {
        let rt = Tokio::build(2).unwrap();
        for w in Net::ALL {
            let s = w.run_on(&rt, 0.05);
            if let Some((conns, msgs)) = w.echo_shape(0.05) {
                check_echo(&s, conns, msgs);
            }
        }
    }

    #[test]
    fn every_workload_completes_on_ringbolt() {
        // io_uring may be blocked where the tests run (seccomp, sysctl):
        // then the runtime does not build and there is nothing to test.
        let Ok(rt) = Ringbolt::build(2) else { return };
        for w in Net::ALL {
            let s = w.run_on(&rt, 0.05);
            if let Some((conns, msgs)) = w.echo_shape(0.05) {
                check_echo(&s, conns, msgs);
            }
        }
    }

    #[test]
    fn baselines_are_monoio_on_echo_only() {
        assert_eq!(Net::Echo64Conn.baselines(), [MONOIO]);
        assert!(Net::Accepts.baselines().is_empty());
        assert!(Net::Accepts.run_baseline(0, 1.0).is_none());
        assert!(Net::Echo1Conn.run_baseline(1, 1.0).is_none());
    }

    #[test]
    fn monoio_echo_completes() {
        if monoio::RuntimeBuilder::<monoio::IoUringDriver>::new()
            .build()
            .is_err()
        {
            return;
        }
        check_echo(&monoio_echo(2, 1, 20), 1, 20);
        check_echo(&monoio_echo(2, 5, 10), 5, 10);
    }
}
