//! HTTPS (feature `tls`): rustls sessions on ringbolt's streams through
//! futures-rustls, for [`Serve::tls`](crate::Serve::tls) and the client's
//! [`HttpsConnector`].
//!
//! A TLS stream reads through a [`BufReader`], so that it offers
//! `AsyncBufRead` like ringbolt's own streams and [`RingboltIo`] serves it
//! as it serves them: hyper's reads copy out of that buffer, and a read
//! hyper drops loses nothing. Writes go through rustls into the stream's
//! write-behind buffer.

use std::future::Future;
use std::io;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_io::{AsyncBufRead, AsyncRead, AsyncWrite};
use futures_rustls::rustls::pki_types::ServerName;
use futures_rustls::rustls::{ClientConfig, ServerConfig};
use futures_rustls::{client, server, TlsAcceptor, TlsConnector};
use futures_util::future::{select, Either};
use futures_util::io::BufReader;
use http::Uri;
use hyper::body::Body;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::client::legacy::Client;
use ringbolt::net::TcpStream;

use crate::client::{client_builder, Target};
use crate::rt::RingboltIo;

/// Room for one TLS record's plaintext (16 KiB), so one read of the
/// session hands hyper a whole record.
const PLAINTEXT_BUF: usize = 16 * 1024;

/// The ALPN names of the two HTTP versions.
const H2: &[u8] = b"h2";
const HTTP_11: &[u8] = b"http/1.1";

/// The server's acceptor for `config`; a configuration without ALPN
/// protocols gets those `builder` serves, HTTP/2 first.
pub(crate) fn acceptor<E>(
    mut config: Arc<ServerConfig>,
    builder: &hyper_util::server::conn::auto::Builder<E>,
) -> TlsAcceptor {
    if config.alpn_protocols.is_empty() {
        let mut protocols = Vec::new();
        if builder.is_http2_available() {
            protocols.push(H2.to_vec());
        }
        if builder.is_http1_available() {
            protocols.push(HTTP_11.to_vec());
        }
        Arc::make_mut(&mut config).alpn_protocols = protocols;
    }
    TlsAcceptor::from(config)
}

/// A server connection's TLS session, buffered for [`RingboltIo`].
pub(crate) type ServerTls<T> = BufReader<server::TlsStream<T>>;

/// The server's TLS handshake on `io`: `None` (and the socket closed) if
/// it fails, if `deadline` passes first, or if shutdown begins (`phase`
/// turns `true`, or its sender is gone) before it is done.
pub(crate) async fn handshake<T>(
    acceptor: &TlsAcceptor,
    io: T,
    deadline: &mut ringbolt::time::Sleep,
    phase: &mut tokio::sync::watch::Receiver<bool>,
) -> Option<ServerTls<T>>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    // The guard `wait_for` returns is dropped at once: held, it would
    // keep the sender from announcing the next phase.
    let shutdown = async {
        let _ = phase.wait_for(|draining| *draining).await;
    };
    let shutdown = pin!(shutdown);
    let accept = pin!(acceptor.accept(io));
    match select(accept, select(deadline, shutdown)).await {
        Either::Left((Ok(tls), _)) => Some(BufReader::with_capacity(PLAINTEXT_BUF, tls)),
        // The peer's failure is the peer's business; the server goes on.
        Either::Left((Err(_), _)) | Either::Right(_) => None,
    }
}

/// Opens `http://` and `https://` connections for hyper-util's pooled
/// `Client`: TCP as [`Connector`](crate::Connector) opens it, then, for
/// `https`, a TLS handshake with the URI's host as the server name, within
/// a timeout (30 s unless [`handshake_timeout`](Self::handshake_timeout)
/// says otherwise). When the handshake picks `h2` by ALPN, the client
/// speaks HTTP/2 on the connection.
///
/// The rustls configuration says which certificates to trust and which
/// ALPN protocols to offer (`alpn_protocols = vec![b"h2".to_vec(),
/// b"http/1.1".to_vec()]` to let servers pick HTTP/2; none means
/// HTTP/1.1). A certificate that does not check out fails the connection
/// with an `InvalidData` error that says why, whose source is the rustls
/// error.
#[derive(Clone)]
pub struct HttpsConnector {
    tls: TlsConnector,
    handshake_timeout: Duration,
}

impl std::fmt::Debug for HttpsConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpsConnector")
            .field("handshake_timeout", &self.handshake_timeout)
            .finish_non_exhaustive()
    }
}

impl HttpsConnector {
    /// A connector whose TLS sessions follow `config`.
    pub fn new(config: impl Into<Arc<ClientConfig>>) -> Self {
        Self {
            tls: TlsConnector::from(config.into()),
            handshake_timeout: Duration::from_secs(30),
        }
    }

    /// How long a TLS handshake may take before the connection fails with
    /// `TimedOut` (default 30 s).
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    async fn connect(self, uri: Uri) -> io::Result<RingboltIo<HttpsStream>> {
        let target = Target::of(&uri)?;
        let tcp = target.connect().await?;
        if !target.tls {
            return Ok(RingboltIo::new(HttpsStream(Inner::Plain(tcp))));
        }
        // The URI writes an IPv6 address in brackets; a certificate names
        // it without.
        let host = target.host.trim_start_matches('[').trim_end_matches(']');
        let name = ServerName::try_from(host.to_string()).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{host}` is no TLS server name: {e}"),
            )
        })?;
        let handshake = self.tls.connect(name, tcp);
        let tls = match ringbolt::time::timeout(self.handshake_timeout, handshake).await {
            Ok(Ok(tls)) => tls,
            Ok(Err(e)) => {
                return Err(io::Error::new(
                    e.kind(),
                    HandshakeError {
                        peer: target.authority(),
                        source: reason(e),
                    },
                ))
            }
            Err(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "TLS handshake with `{}` not done after {:?}",
                        target.authority(),
                        self.handshake_timeout
                    ),
                ))
            }
        };
        let tls = BufReader::with_capacity(PLAINTEXT_BUF, tls);
        Ok(RingboltIo::new(HttpsStream(Inner::Tls(Box::new(tls)))))
    }
}

/// A failed client handshake: who with, and why (rustls's error, or the
/// socket's).
#[derive(Debug)]
struct HandshakeError {
    peer: String,
    source: Box<dyn std::error::Error + Send + Sync>,
}

/// The error inside `e` (futures-rustls wraps rustls's errors in an
/// `io::Error`), so that walking the source chain reaches it: an
/// `io::Error`'s `source()` skips the error it wraps.
fn reason(e: io::Error) -> Box<dyn std::error::Error + Send + Sync> {
    if e.get_ref().is_none() {
        return Box::new(e);
    }
    match e.into_inner() {
        Some(inner) => inner,
        None => unreachable!("an io::Error with an inner error lost it"),
    }
}

impl std::fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "TLS handshake with `{}` failed: {}",
            self.peer, self.source
        )
    }
}

impl std::error::Error for HandshakeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// The future of [`HttpsConnector`]'s `call`.
pub type HttpsConnecting =
    Pin<Box<dyn Future<Output = io::Result<RingboltIo<HttpsStream>>> + Send>>;

impl tower_service::Service<Uri> for HttpsConnector {
    type Response = RingboltIo<HttpsStream>;
    type Error = io::Error;
    type Future = HttpsConnecting;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> HttpsConnecting {
        Box::pin(self.clone().connect(uri))
    }
}

/// A connection [`HttpsConnector`] opened: plain TCP for `http://`, a TLS
/// session over TCP for `https://`.
#[derive(Debug)]
pub struct HttpsStream(Inner);

#[derive(Debug)]
enum Inner {
    Plain(TcpStream),
    Tls(Box<BufReader<client::TlsStream<TcpStream>>>),
}

impl HttpsStream {
    /// Whether the connection is a TLS session.
    pub fn is_tls(&self) -> bool {
        matches!(self.0, Inner::Tls(_))
    }

    /// The protocol the TLS handshake agreed on by ALPN (`b"h2"`,
    /// `b"http/1.1"`), if any.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        match &self.0 {
            Inner::Plain(_) => None,
            Inner::Tls(tls) => tls.get_ref().get_ref().1.alpn_protocol(),
        }
    }
}

impl Connection for RingboltIo<HttpsStream> {
    fn connected(&self) -> Connected {
        let connected = Connected::new();
        if self.get_ref().alpn_protocol() == Some(H2) {
            connected.negotiated_h2()
        } else {
            connected
        }
    }
}

impl AsyncRead for HttpsStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().0 {
            Inner::Plain(tcp) => Pin::new(tcp).poll_read(cx, buf),
            Inner::Tls(tls) => Pin::new(tls.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncBufRead for HttpsStream {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        match &mut self.get_mut().0 {
            Inner::Plain(tcp) => Pin::new(tcp).poll_fill_buf(cx),
            Inner::Tls(tls) => Pin::new(tls.as_mut()).poll_fill_buf(cx),
        }
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        match &mut self.get_mut().0 {
            Inner::Plain(tcp) => Pin::new(tcp).consume(amt),
            Inner::Tls(tls) => Pin::new(tls.as_mut()).consume(amt),
        }
    }
}

impl AsyncWrite for HttpsStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().0 {
            Inner::Plain(tcp) => Pin::new(tcp).poll_write(cx, buf),
            Inner::Tls(tls) => Pin::new(tls.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            Inner::Plain(tcp) => Pin::new(tcp).poll_flush(cx),
            Inner::Tls(tls) => Pin::new(tls.as_mut()).poll_flush(cx),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            Inner::Plain(tcp) => Pin::new(tcp).poll_close(cx),
            Inner::Tls(tls) => Pin::new(tls.as_mut()).poll_close(cx),
        }
    }
}

/// A pooled hyper-util client on ringbolt that speaks `http://` and
/// `https://` ([`HttpsConnector`] with `config`), otherwise as
/// [`client`](crate::client()).
///
/// ```no_run
/// use std::sync::Arc;
/// use ringbolt_hyper::rustls::{ClientConfig, RootCertStore};
/// use http_body_util::{BodyExt, Empty};
/// use hyper::body::Bytes;
///
/// # async fn demo(roots: RootCertStore) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// let mut config = ClientConfig::builder()
///     .with_root_certificates(roots)
///     .with_no_client_auth();
/// config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
/// let client = ringbolt_hyper::https_client::<Empty<Bytes>>(Arc::new(config));
/// let response = client.get("https://localhost:8443/".parse()?).await?;
/// println!("{:?} {}", response.version(), response.status());
/// let body = response.into_body().collect().await?.to_bytes();
/// # drop(body);
/// # Ok(()) }
/// ```
pub fn https_client<B>(config: impl Into<Arc<ClientConfig>>) -> Client<HttpsConnector, B>
where
    B: Body + Send,
    B::Data: Send,
{
    client_builder().build(HttpsConnector::new(config))
}
