//! The client side: [`Connector`] opens TCP connections for hyper-util's
//! pooled `Client`, and [`client`] builds one that runs on ringbolt.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Uri;
use hyper::body::Body;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::client::legacy::{Builder, Client};
use ringbolt::net::{lookup_host, TcpStream, UnixStream};

use crate::rt::{RingboltExecutor, RingboltIo, RingboltTimer};

/// Opens plain-TCP connections for `http://` URIs: names are resolved with
/// [`lookup_host`] (the blocking pool: there is no ring op for DNS), then
/// each address is tried in turn with a ring `connect`. `TCP_NODELAY` is
/// set on every connection.
///
/// `https://` needs TLS, which this connector does not do: it answers
/// `Unsupported`. `HttpsConnector` (feature `tls`) does both.
#[derive(Debug, Clone, Default)]
pub struct Connector {
    _private: (),
}

impl Connector {
    /// A connector.
    pub fn new() -> Self {
        Self::default()
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Where a URI points.
#[derive(Debug)]
pub(crate) struct Target {
    /// `https`.
    pub(crate) tls: bool,
    /// The host as the URI writes it (an IPv6 address keeps its brackets).
    pub(crate) host: String,
    /// The URI's port, or the scheme's.
    pub(crate) port: u16,
}

impl Target {
    /// Reads `uri`'s scheme, host and port.
    pub(crate) fn of(uri: &Uri) -> io::Result<Target> {
        let tls = match uri.scheme_str() {
            Some("http") | None => false,
            Some("https") => true,
            Some(other) => return Err(invalid(format!("unsupported URI scheme `{other}`"))),
        };
        let host = uri
            .host()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| invalid(format!("URI `{uri}` has no host")))?;
        let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
        Ok(Target {
            tls,
            host: host.to_string(),
            port,
        })
    }

    /// `"host:port"`, as [`lookup_host`] wants it.
    pub(crate) fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// Resolves the host and connects to the first address that answers.
    pub(crate) async fn connect(&self) -> io::Result<TcpStream> {
        let authority = self.authority();
        let mut last = None;
        for addr in lookup_host(authority.clone()).await? {
            match TcpStream::connect(addr).await {
                Ok(stream) => {
                    stream.set_nodelay(true)?;
                    return Ok(stream);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("`{authority}` resolved to no address"),
            )
        }))
    }
}

async fn connect(uri: Uri) -> io::Result<RingboltIo<TcpStream>> {
    let target = Target::of(&uri)?;
    if target.tls {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "https needs TLS: ringbolt_hyper::Connector speaks plain TCP \
             (HttpsConnector, feature `tls`, speaks both)",
        ));
    }
    Ok(RingboltIo::new(target.connect().await?))
}

/// The future of [`Connector`]'s `call`.
pub type Connecting = Pin<Box<dyn Future<Output = io::Result<RingboltIo<TcpStream>>> + Send>>;

impl tower_service::Service<Uri> for Connector {
    type Response = RingboltIo<TcpStream>;
    type Error = io::Error;
    type Future = Connecting;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Connecting {
        Box::pin(connect(uri))
    }
}

impl Connection for RingboltIo<TcpStream> {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl Connection for RingboltIo<UnixStream> {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

/// A pooled hyper-util client on ringbolt: [`Connector`], ringbolt tasks
/// for its connections, ringbolt timers for the pool. It keeps idle
/// connections (HTTP/1.1 keep-alive) for 90 s and reuses them; clone it to
/// share the pool, as an aiohttp session is shared.
///
/// ```no_run
/// use http_body_util::{BodyExt, Empty};
/// use hyper::body::Bytes;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// let client = ringbolt_hyper::client::<Empty<Bytes>>();
/// let response = client.get("http://127.0.0.1:8080/".parse()?).await?;
/// let body = response.into_body().collect().await?.to_bytes();
/// println!("{}", String::from_utf8_lossy(&body));
/// # Ok(()) }
/// ```
pub fn client<B>() -> Client<Connector, B>
where
    B: Body + Send,
    B::Data: Send,
{
    client_builder().build(Connector::new())
}

/// hyper-util's client builder with ringbolt's executor and timers, for
/// clients [`client`] does not make: HTTP/2 only (h2c with prior
/// knowledge, as gRPC wants), other pool settings, another connector.
///
/// ```no_run
/// use http_body_util::Empty;
/// use hyper::body::Bytes;
///
/// let h2c = ringbolt_hyper::client_builder()
///     .http2_only(true)
///     .build::<_, Empty<Bytes>>(ringbolt_hyper::Connector::new());
/// # drop(h2c);
/// ```
pub fn client_builder() -> Builder {
    let mut builder = Client::builder(RingboltExecutor::new());
    builder.timer(RingboltTimer).pool_timer(RingboltTimer);
    builder
}
