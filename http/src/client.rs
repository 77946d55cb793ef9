//! The client side: [`Connector`] opens TCP connections for hyper-util's
//! pooled `Client`, and [`client`] builds one that runs on ringbolt.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Uri;
use hyper::body::Body;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::client::legacy::Client;
use ringbolt::net::{lookup_host, TcpStream, UnixStream};

use crate::rt::{RingboltExecutor, RingboltIo, RingboltTimer};

/// Opens plain-TCP connections for `http://` URIs: names are resolved with
/// [`lookup_host`] (the blocking pool: there is no ring op for DNS), then
/// each address is tried in turn with a ring `connect`. `TCP_NODELAY` is
/// set on every connection.
///
/// `https://` needs TLS, which this connector does not do: it answers
/// `Unsupported` (wrap it in a TLS connector for that).
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

/// Where `uri` points: `"host:port"` for [`lookup_host`].
fn authority(uri: &Uri) -> io::Result<String> {
    match uri.scheme_str() {
        Some("http") | None => {}
        Some("https") => {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "https needs a TLS connector; ringbolt_hyper::Connector speaks plain TCP",
            ))
        }
        Some(other) => return Err(invalid(format!("unsupported URI scheme `{other}`"))),
    }
    let host = uri
        .host()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| invalid(format!("URI `{uri}` has no host")))?;
    // An IPv6 host keeps its brackets, which `lookup_host` wants.
    Ok(format!("{host}:{}", uri.port_u16().unwrap_or(80)))
}

async fn connect(uri: Uri) -> io::Result<RingboltIo<TcpStream>> {
    let target = authority(&uri)?;
    let mut last = None;
    for addr in lookup_host(target.clone()).await? {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                stream.set_nodelay(true)?;
                return Ok(RingboltIo::new(stream));
            }
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("`{target}` resolved to no address"),
        )
    }))
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
    Client::builder(RingboltExecutor::new())
        .timer(RingboltTimer)
        .pool_timer(RingboltTimer)
        .build(Connector::new())
}
