//! `tls_echo_16conn`: the echo of `echo_*` over TLS, through tokio-rustls
//! on each runtime's own TCP streams: ringbolt's `TcpStream` through its
//! `tokio-io` trait impls, tokio's `TcpStream` as it is. Both use the same
//! rustls configuration (its `ring` provider, TLS 1.3, a self-signed
//! certificate made once by rcgen), so the runtimes are the only
//! difference.
//!
//! Server and clients are tasks of the runtime under test, as in `echo_*`.
//! Connecting and the TLS handshakes are untimed setup; the timed part is
//! from releasing the clients to the last client finishing. Each round
//! trip: the client writes a [`MESSAGE_SIZE`]-byte message and flushes,
//! then reads the whole echo; the server reads what arrives, writes it
//! back and flushes. `TCP_NODELAY` on both ends.

use std::io;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore, ServerConfig};
use tokio_rustls::{TlsAcceptor, TlsConnector};

use super::{
    latency_stride, loopback_any_port, run_bounded, task_failed, NetRuntime, LATENCY_SAMPLES,
    LISTEN_BACKLOG, MESSAGE_SIZE,
};
use crate::runtimes::{AnyRuntime, Ringbolt, Tokio};
use crate::workloads::{scaled, Sample, Workload};

/// Connections in `tls_echo_16conn`.
pub const TLS_CONNECTIONS: usize = 16;
/// Round trips per connection per iteration, at scale 1.
pub const TLS_MESSAGES_PER_CONN: usize = 200;

/// A runtime whose TCP streams speak tokio's I/O traits, for tokio-rustls.
pub trait TlsRuntime: NetRuntime {
    /// The stream tokio-rustls wraps.
    type Io: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// The stream, with `TCP_NODELAY` set.
    fn io(stream: Self::Stream) -> io::Result<Self::Io>;
}

impl TlsRuntime for Ringbolt {
    type Io = ringbolt::net::TcpStream;

    fn io(stream: Self::Stream) -> io::Result<Self::Io> {
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}

impl TlsRuntime for Tokio {
    type Io = tokio::net::TcpStream;

    fn io(stream: Self::Stream) -> io::Result<Self::Io> {
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}

/// The acceptor and connector every iteration shares: a self-signed
/// certificate for `localhost`, made once.
fn tls_ends() -> &'static (TlsAcceptor, TlsConnector) {
    static ENDS: OnceLock<(TlsAcceptor, TlsConnector)> = OnceLock::new();
    ENDS.get_or_init(|| {
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
            .expect("self-signed certificate");
        let cert = certified.cert.der().clone();
        let key =
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
        let mut roots = RootCertStore::empty();
        roots.add(cert.clone()).expect("root certificate");
        let server = ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .expect("server certificate");
        let client = ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        (
            TlsAcceptor::from(Arc::new(server)),
            TlsConnector::from(Arc::new(client)),
        )
    })
}

/// TLS echo over 16 connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TlsEcho16Conn;

impl TlsEcho16Conn {
    /// `(connections, round trips per connection)` at `scale`.
    pub fn shape(self, scale: f64) -> (usize, usize) {
        (TLS_CONNECTIONS, scaled(TLS_MESSAGES_PER_CONN, scale))
    }

    /// Runs one iteration on `rt`.
    ///
    /// # Panics
    /// On an I/O or TLS error, a short echo, or past the iteration limit.
    pub fn run_on<R: TlsRuntime>(self, rt: &R, scale: f64) -> Sample {
        let (conns, msgs) = self.shape(scale);
        run_bounded(rt, "tls echo", tls_echo::<R>(conns, msgs))
    }
}

impl Workload for TlsEcho16Conn {
    fn name(&self) -> &'static str {
        "tls_echo_16conn"
    }

    fn family(&self) -> &'static str {
        "net"
    }

    fn description(&self) -> &'static str {
        "TLS echo (tokio-rustls) on loopback, 16 clients x 200 round trips of 1 KiB"
    }

    fn ops_per_iter(&self, scale: f64) -> Option<u64> {
        let (conns, msgs) = self.shape(scale);
        Some((conns * msgs) as u64)
    }

    fn run(&self, rt: &AnyRuntime, scale: f64) -> Sample {
        crate::with_runtime!(rt, |r| self.run_on(r, scale))
    }
}

fn tls_error(e: impl std::fmt::Debug) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("{e:?}"))
}

async fn tls_echo<R: TlsRuntime>(conns: usize, msgs_per_conn: usize) -> io::Result<Sample> {
    let (acceptor, connector) = tls_ends();
    let listener = R::listen(loopback_any_port(), LISTEN_BACKLOG).await?;
    let addr = R::local_addr(&listener)?;
    let acceptor_task = R::spawn(async move {
        let mut servers = Vec::with_capacity(conns);
        for _ in 0..conns {
            let tcp = R::io(R::accept(&listener).await?)?;
            let tls = acceptor.accept(tcp).await?;
            servers.push(R::spawn(serve(tls)));
        }
        io::Result::Ok(servers)
    });
    let name = ServerName::try_from("localhost").map_err(tls_error)?;
    let mut clients = Vec::with_capacity(conns);
    for _ in 0..conns {
        let tcp = R::io(R::connect(addr).await?)?;
        clients.push(connector.connect(name.clone(), tcp).await?);
    }
    let servers = acceptor_task.await.map_err(task_failed)??;

    let stride = latency_stride(conns * msgs_per_conn);
    let start = Instant::now();
    let handles: Vec<_> = clients
        .into_iter()
        .map(|c| R::spawn(client(c, msgs_per_conn, stride)))
        .collect();
    let mut latencies = Vec::with_capacity(LATENCY_SAMPLES + conns);
    for h in handles {
        latencies.extend(h.await.map_err(task_failed)??);
    }
    let elapsed = start.elapsed();
    for s in servers {
        s.await.map_err(task_failed)??;
    }
    Ok(Sample {
        elapsed,
        latencies,
        ..Sample::default()
    })
}

/// Echoes until the client closes.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(mut tls: S) -> io::Result<()> {
    let mut buf = vec![0; MESSAGE_SIZE];
    loop {
        let n = tls.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        tls.write_all(&buf[..n]).await?;
        tls.flush().await?;
    }
}

/// `msgs` round trips; returns the latency of every `stride`-th. Closes
/// the connection (TLS `close_notify`, then the write side) at the end.
async fn client<S: AsyncRead + AsyncWrite + Unpin>(
    mut tls: S,
    msgs: usize,
    stride: usize,
) -> io::Result<Vec<Duration>> {
    let msg = vec![0x5a; MESSAGE_SIZE];
    let mut buf = vec![0; MESSAGE_SIZE];
    let mut latencies = Vec::with_capacity(msgs / stride + 1);
    for i in 0..msgs {
        let sent = Instant::now();
        tls.write_all(&msg).await?;
        tls.flush().await?;
        tls.read_exact(&mut buf).await?;
        if i % stride == 0 {
            latencies.push(sent.elapsed());
        }
    }
    tls.shutdown().await?;
    Ok(latencies)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtimes::BenchRuntime;

    fn check(s: &Sample, conns: usize, msgs: usize) {
        assert!(!s.elapsed.is_zero());
        assert_eq!(
            s.latencies.len(),
            conns * msgs.div_ceil(latency_stride(conns * msgs))
        );
    }

    #[test]
    fn completes_on_both_runtimes() {
        let (conns, msgs) = TlsEcho16Conn.shape(0.05);
        assert_eq!((conns, msgs), (16, 10));
        check(
            &TlsEcho16Conn.run_on(&Tokio::build(2).unwrap(), 0.05),
            conns,
            msgs,
        );
        // io_uring may be blocked where the tests run: then there is no
        // ringbolt runtime to test.
        if let Ok(rt) = Ringbolt::build(2) {
            check(&TlsEcho16Conn.run_on(&rt, 0.05), conns, msgs);
        }
    }
}
