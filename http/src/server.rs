//! Serving: [`serve`] runs a tower or hyper service on a listener, one task
//! per connection, HTTP/1.1 (keep-alive) and HTTP/2 (h2c, prior knowledge)
//! on the same port, with a header-read timeout and graceful shutdown.
//!
//! # Lifecycle of a connection
//!
//! 1. The accept loop takes a connection and spawns its task; tasks spread
//!    over the workers like any other.
//! 2. Until its first 24 bytes (the length of the HTTP/2 preface) have
//!    come in, a connection is closed when the header-read timeout passes:
//!    hyper-util picks HTTP/1 or HTTP/2 from those bytes and has no timer
//!    of its own for that wait. From then on hyper's HTTP/1 header-read
//!    timeout bounds every request head. Over TLS (`Serve::tls`, feature
//!    `tls`) the one deadline, counted from the accept, covers the
//!    handshake and then the first 24 bytes of plaintext: a client that
//!    stalls mid-handshake is closed like one that stalls before its
//!    request.
//! 3. Graceful shutdown: when the shutdown future completes, the listener
//!    is closed (new connections are refused), every connection is asked
//!    to finish (HTTP/1: after the response in flight, idle ones at once;
//!    HTTP/2: `GOAWAY`; a TLS handshake still under way is dropped, as no
//!    request can be in flight on it), and the serve future waits for
//!    them.
//! 4. After the grace period the connections still open are cancelled:
//!    their tasks drop them (which closes the sockets) and the serve
//!    future returns once every task has let go.

use std::error::Error as StdError;
use std::future::{Future, IntoFuture};
use std::io;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_io::{AsyncBufRead, AsyncWrite};
use futures_util::future::{select, Either};
use http::{Request, Response};
use hyper::body::{Body, Incoming};
use hyper::rt::ReadBufCursor;
use hyper_util::server::conn::auto::{Builder, HttpServerConnExec};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;

use crate::rt::{RingboltExecutor, RingboltIo, RingboltTimer};

type BoxError = Box<dyn StdError + Send + Sync>;

/// Bytes after which protocol detection is over (the HTTP/2 preface).
const PREFACE_LEN: usize = 24;

/// What [`serve`] accepts connections from: ringbolt's
/// [`TcpListener`](ringbolt::net::TcpListener) and
/// [`UnixListener`](ringbolt::net::UnixListener).
pub trait Listener: Send + 'static {
    /// A connection.
    type Io: AsyncBufRead + AsyncWrite + Unpin + Send + 'static;
    /// The peer's address.
    type Addr: Send + 'static;

    /// Accepts the next connection.
    fn accept(&self) -> impl Future<Output = io::Result<(Self::Io, Self::Addr)>> + Send;
}

impl Listener for ringbolt::net::TcpListener {
    type Io = ringbolt::net::TcpStream;
    type Addr = std::net::SocketAddr;

    /// Accepts with `TCP_NODELAY` set: a response is one write, and
    /// Nagle's algorithm would hold its tail back for an ACK.
    async fn accept(&self) -> io::Result<(Self::Io, Self::Addr)> {
        let (stream, addr) = ringbolt::net::TcpListener::accept(self).await?;
        stream.set_nodelay(true)?;
        Ok((stream, addr))
    }
}

impl Listener for ringbolt::net::UnixListener {
    type Io = ringbolt::net::UnixStream;
    type Addr = ringbolt::net::unix::SocketAddr;

    fn accept(&self) -> impl Future<Output = io::Result<(Self::Io, Self::Addr)>> + Send {
        ringbolt::net::UnixListener::accept(self)
    }
}

/// The kinds of service [`serve`] takes; `M` tells them apart.
pub trait IntoHyperService<M> {
    /// The service as hyper calls it.
    type Service;
    /// Converts.
    fn into_hyper_service(self) -> Self::Service;
}

/// [`IntoHyperService`]'s marker for tower services (an axum `Router`,
/// anything built with `tower::ServiceBuilder`).
#[derive(Debug)]
pub enum TowerMarker {}

/// [`IntoHyperService`]'s marker for hyper services
/// (`hyper::service::service_fn`).
#[derive(Debug)]
pub enum HyperMarker {}

impl<S> IntoHyperService<TowerMarker> for S
where
    S: tower_service::Service<Request<Incoming>> + Clone,
{
    type Service = TowerToHyperService<S>;

    fn into_hyper_service(self) -> Self::Service {
        TowerToHyperService::new(self)
    }
}

impl<S> IntoHyperService<HyperMarker> for S
where
    S: hyper::service::Service<Request<Incoming>> + Clone,
{
    type Service = S;

    fn into_hyper_service(self) -> S {
        self
    }
}

/// Serves `service` on every connection `listener` accepts; await the
/// result (or call [`with_graceful_shutdown`](Serve::with_graceful_shutdown)
/// first). The service may be a tower `Service` (an axum `Router`) or a
/// hyper one (`service_fn`); it is cloned for each connection.
///
/// ```no_run
/// use std::convert::Infallible;
/// use http_body_util::Full;
/// use hyper::{body::Bytes, service::service_fn, Response};
///
/// #[ringbolt::main]
/// async fn main() -> std::io::Result<()> {
///     let listener = ringbolt::net::TcpListener::bind(([127, 0, 0, 1], 8080))?;
///     let hello = service_fn(|_req| async {
///         Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("hello\n"))))
///     });
///     ringbolt_hyper::serve(listener, hello)
///         .with_graceful_shutdown(ringbolt::signal::ctrl_c())
///         .await
/// }
/// ```
pub fn serve<L, S, M>(listener: L, service: S) -> Serve<L, S::Service>
where
    L: Listener,
    S: IntoHyperService<M>,
{
    let mut builder = Builder::new(RingboltExecutor::new());
    builder.http1().timer(RingboltTimer);
    builder.http2().timer(RingboltTimer);
    Serve {
        listener,
        service: service.into_hyper_service(),
        builder,
        header_read_timeout: Duration::ZERO,
        grace: Duration::from_secs(30),
        #[cfg(feature = "tls")]
        tls: None,
    }
    .header_read_timeout(Duration::from_secs(30))
}

/// A server being set up; made by [`serve`], run by awaiting it.
#[must_use = "a server does nothing until awaited"]
pub struct Serve<L, S> {
    listener: L,
    service: S,
    builder: Builder<RingboltExecutor>,
    header_read_timeout: Duration,
    grace: Duration,
    /// Set by [`Serve::tls`]: every connection is TLS with it.
    #[cfg(feature = "tls")]
    tls: Option<Arc<futures_rustls::rustls::ServerConfig>>,
}

impl<L, S> std::fmt::Debug for Serve<L, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut f = f.debug_struct("Serve");
        f.field("header_read_timeout", &self.header_read_timeout)
            .field("grace", &self.grace);
        #[cfg(feature = "tls")]
        f.field("tls", &self.tls.is_some());
        f.finish_non_exhaustive()
    }
}

impl<L, S> Serve<L, S> {
    /// How long a client may take to send a request's head, and to send
    /// its first bytes after connecting (default 30 s); past it the
    /// connection is closed.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self.builder.http1().header_read_timeout(timeout);
        self
    }

    /// How long a graceful shutdown waits for open connections before it
    /// cancels them (default 30 s).
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// hyper-util's connection builder, for every other HTTP/1 and HTTP/2
    /// setting (`http1_only`, keep-alive, window sizes, …). Its timers are
    /// ringbolt's already.
    pub fn builder_mut(&mut self) -> &mut Builder<RingboltExecutor> {
        &mut self.builder
    }

    /// Serves HTTPS: every accepted connection does a TLS handshake with
    /// `config` first (in its own task, within the header-read timeout),
    /// then HTTP/1.1 or HTTP/2 inside it. If `config` names no ALPN
    /// protocol, the server offers `h2` and `http/1.1` (those the builder
    /// serves), so clients can pick HTTP/2 in the handshake.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use ringbolt_hyper::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    /// use ringbolt_hyper::rustls::ServerConfig;
    ///
    /// # async fn demo(
    /// #     service: axum::Router,
    /// #     certs: Vec<CertificateDer<'static>>,
    /// #     key: PrivateKeyDer<'static>,
    /// # ) -> Result<(), Box<dyn std::error::Error>> {
    /// let config = ServerConfig::builder()
    ///     .with_no_client_auth()
    ///     .with_single_cert(certs, key)?;
    /// let listener = ringbolt::net::TcpListener::bind(([127, 0, 0, 1], 8443))?;
    /// ringbolt_hyper::serve(listener, service)
    ///     .tls(Arc::new(config))
    ///     .with_graceful_shutdown(ringbolt::signal::ctrl_c())
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls(mut self, config: impl Into<Arc<futures_rustls::rustls::ServerConfig>>) -> Self {
        self.tls = Some(config.into());
        self
    }

    /// Serves until `signal` completes, then shuts down gracefully (see
    /// the module docs): the future returns once every connection has
    /// finished or been cancelled.
    pub fn with_graceful_shutdown<F>(self, signal: F) -> WithGracefulShutdown<L, S, F>
    where
        F: Future + Send + 'static,
    {
        WithGracefulShutdown {
            serve: self,
            signal,
        }
    }
}

/// A [`Serve`] with a shutdown signal; run it by awaiting it.
#[must_use = "a server does nothing until awaited"]
pub struct WithGracefulShutdown<L, S, F> {
    serve: Serve<L, S>,
    signal: F,
}

impl<L, S, F> std::fmt::Debug for WithGracefulShutdown<L, S, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithGracefulShutdown")
            .field("serve", &self.serve)
            .finish_non_exhaustive()
    }
}

/// The future of a running server: `Ok` after a graceful shutdown, `Err`
/// when the listener fails for good.
pub type ServeFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

impl<L, S, B> IntoFuture for Serve<L, S>
where
    L: Listener,
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    RingboltExecutor: HttpServerConnExec<S::Future, B>,
{
    type Output = io::Result<()>;
    type IntoFuture = ServeFuture;

    fn into_future(self) -> ServeFuture {
        Box::pin(run(self, std::future::pending::<()>()))
    }
}

impl<L, S, B, F> IntoFuture for WithGracefulShutdown<L, S, F>
where
    L: Listener,
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    RingboltExecutor: HttpServerConnExec<S::Future, B>,
    F: Future + Send + 'static,
{
    type Output = io::Result<()>;
    type IntoFuture = ServeFuture;

    fn into_future(self) -> ServeFuture {
        Box::pin(run(self.serve, self.signal))
    }
}

/// What to do after a failed accept.
enum AcceptError {
    /// The connection failed before we took it: go on.
    Connection,
    /// Out of descriptors or memory: pause, then go on.
    Resources,
    /// The listener itself is broken.
    Fatal(io::Error),
}

fn classify(e: io::Error) -> AcceptError {
    use io::ErrorKind::*;
    match e.kind() {
        ConnectionAborted | ConnectionReset | Interrupted | WouldBlock | TimedOut => {
            AcceptError::Connection
        }
        _ => match e.raw_os_error() {
            Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM) => {
                AcceptError::Resources
            }
            // A protocol error on the connection, or a firewall's refusal.
            Some(libc::EPROTO | libc::EPERM) => AcceptError::Connection,
            _ => AcceptError::Fatal(e),
        },
    }
}

async fn run<L, S, B, F>(serve: Serve<L, S>, signal: F) -> io::Result<()>
where
    L: Listener,
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    RingboltExecutor: HttpServerConnExec<S::Future, B>,
    F: Future + Send,
{
    let Serve {
        listener,
        service,
        builder,
        header_read_timeout,
        grace,
        #[cfg(feature = "tls")]
        tls,
    } = serve;
    #[cfg(feature = "tls")]
    let transport = match tls {
        Some(config) => Transport::Tls(crate::tls::acceptor(config, &builder)),
        None => Transport::Plain,
    };
    #[cfg(not(feature = "tls"))]
    let transport = Transport::Plain;
    let builder = Arc::new(builder);
    let graceful = GracefulShutdown::new();
    // `true` once shutdown has begun (rule 3); dropping the sender cancels
    // every connection (rule 4). tokio's watch wakes its receivers after
    // releasing its lock, so a receiver that its wake drops (at runtime
    // shutdown) cannot deadlock on it.
    let (phase_tx, phase_rx) = tokio::sync::watch::channel(false);
    let mut signal = pin!(signal);
    let result = loop {
        let accepted = match select(pin!(listener.accept()), signal.as_mut()).await {
            Either::Left((accepted, _)) => accepted,
            Either::Right(_) => break Ok(()),
        };
        let io = match accepted {
            Ok((io, _peer)) => io,
            Err(e) => match classify(e) {
                AcceptError::Connection => continue,
                AcceptError::Resources => {
                    ringbolt::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
                AcceptError::Fatal(e) => break Err(e),
            },
        };
        let conn = Conn {
            builder: Arc::clone(&builder),
            service: service.clone(),
            // Taken before the task starts, so a shutdown that begins
            // while it sets up still waits for it.
            watcher: graceful.watcher(),
            phase: phase_rx.clone(),
        };
        let transport = transport.clone();
        ringbolt::spawn(async move {
            // Rule 2's deadline, from the accept on.
            let deadline = ringbolt::time::sleep(header_read_timeout);
            match transport {
                Transport::Plain => conn.run(ServerIo::new(io, deadline)).await,
                #[cfg(feature = "tls")]
                Transport::Tls(acceptor) => {
                    let mut deadline = deadline;
                    let mut phase = conn.phase.clone();
                    let handshake = crate::tls::handshake(&acceptor, io, &mut deadline, &mut phase);
                    if let Some(tls) = handshake.await {
                        conn.run(ServerIo::new(tls, deadline)).await;
                    }
                }
            }
        });
    };
    // Rule 3: refuse new connections, then let the open ones finish.
    drop(listener);
    phase_tx.send_replace(true);
    let shutdown = pin!(graceful.shutdown());
    match select(shutdown, ringbolt::time::sleep(grace)).await {
        Either::Left(_) => {}
        Either::Right((_, shutdown)) => {
            drop(phase_tx);
            shutdown.await;
        }
    }
    result
}

/// How a connection's bytes reach HTTP.
#[derive(Clone)]
enum Transport {
    /// As they come.
    Plain,
    /// Through a TLS session.
    #[cfg(feature = "tls")]
    Tls(futures_rustls::TlsAcceptor),
}

/// What a connection's task needs to serve HTTP on it.
struct Conn<S> {
    builder: Arc<Builder<RingboltExecutor>>,
    service: S,
    watcher: hyper_util::server::graceful::Watcher,
    /// Rule 3's and rule 4's signals.
    phase: tokio::sync::watch::Receiver<bool>,
}

impl<S> Conn<S> {
    /// Serves HTTP on `io` until the peer is done, the connection fails,
    /// or it is cancelled (rule 4).
    async fn run<I, B>(self, io: I)
    where
        I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
        S: hyper::service::Service<Request<Incoming>, Response = Response<B>>
            + Clone
            + Send
            + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
        RingboltExecutor: HttpServerConnExec<S::Future, B>,
    {
        let Conn {
            builder,
            service,
            watcher,
            mut phase,
        } = self;
        let conn = watcher.watch(builder.serve_connection_with_upgrades(io, service));
        // The sender's drop ends the loop; `true` (rule 3) is hyper's
        // business through the watcher.
        let cancelled = async { while phase.changed().await.is_ok() {} };
        // A failed connection (a malformed request got its 400, a peer
        // reset) is the peer's business; the server goes on.
        let _ = select(pin!(conn), pin!(cancelled)).await;
    }
}

/// A connection's I/O with rule 2's deadline on its first bytes.
struct ServerIo<T> {
    io: RingboltIo<T>,
    /// Until `PREFACE_LEN` bytes came in.
    first_bytes: Option<ringbolt::time::Sleep>,
    received: usize,
}

impl<T> ServerIo<T> {
    /// `io`, closed at `deadline` unless 24 bytes came in by then.
    fn new(io: T, deadline: ringbolt::time::Sleep) -> Self {
        Self {
            io: RingboltIo::new(io),
            first_bytes: Some(deadline),
            received: 0,
        }
    }
}

impl<T: AsyncBufRead + Unpin> hyper::rt::Read for ServerIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match this.io.poll_read_counted(cx, buf) {
            Poll::Ready(Ok(n)) => {
                this.received += n;
                if this.received >= PREFACE_LEN {
                    this.first_bytes = None;
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                let expired = match &mut this.first_bytes {
                    Some(deadline) => Pin::new(deadline).poll(cx).is_ready(),
                    None => false,
                };
                if expired {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "no request within the header-read timeout",
                    )));
                }
                Poll::Pending
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> hyper::rt::Write for ServerIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        hyper::rt::Write::poll_write(Pin::new(&mut self.get_mut().io), cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        hyper::rt::Write::poll_flush(Pin::new(&mut self.get_mut().io), cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        hyper::rt::Write::poll_shutdown(Pin::new(&mut self.get_mut().io), cx)
    }
}
