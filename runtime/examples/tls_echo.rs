//! A TLS echo server and its clients on ringbolt sockets, through
//! tokio-rustls (feature `tokio-io`); no tokio runtime runs. rustls uses
//! the one crypto provider its features enable (`ring` in this workspace).
//!
//! The example makes a self-signed certificate for `localhost` with rcgen,
//! serves echo over TLS on 127.0.0.1, and runs a few clients that trust
//! exactly that certificate. With `--serve` it only serves, on
//! 127.0.0.1:6143, and writes the certificate to `tls_echo.pem` for a client
//! such as `openssl s_client -connect 127.0.0.1:6143 -CAfile tls_echo.pem`.
//!
//! Run: `cargo run -p ringbolt --features tokio-io --example tls_echo`

use ringbolt::net::{TcpListener, TcpStream};
use std::io;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio_rustls::rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName,
};
use tokio_rustls::rustls::{ClientConfig, RootCertStore, ServerConfig};
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// Clients the demonstration runs, and lines each sends.
const CLIENTS: usize = 4;
const LINES: usize = 3;

fn tls_error(e: impl std::error::Error + Send + Sync + 'static) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// A self-signed certificate for `localhost` and the server configuration
/// that presents it.
fn server_config() -> io::Result<(CertificateDer<'static>, String, ServerConfig)> {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).map_err(tls_error)?;
    let cert = certified.cert.der().clone();
    let pem = certified.cert.pem();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .map_err(tls_error)?;
    Ok((cert, pem, config))
}

/// A client configuration that trusts `cert` alone.
fn client_config(cert: CertificateDer<'static>) -> io::Result<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(cert).map_err(tls_error)?;
    Ok(ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Accepts connections forever; each gets a task that echoes what it
/// reads until the client closes.
async fn serve(listener: TcpListener, acceptor: TlsAcceptor) -> io::Result<()> {
    loop {
        let (tcp, peer) = listener.accept().await?;
        let acceptor = acceptor.clone();
        ringbolt::spawn(async move {
            let echo = async {
                let tls = acceptor.accept(tcp).await?;
                let (mut rd, mut wr) = tokio::io::split(tls);
                tokio::io::copy(&mut rd, &mut wr).await?;
                wr.shutdown().await
            };
            if let Err(e) = echo.await {
                eprintln!("{peer}: {e}");
            }
        });
    }
}

/// Sends a few lines over TLS and prints their echoes.
async fn client(id: usize, addr: std::net::SocketAddr, connector: TlsConnector) -> io::Result<()> {
    let tcp = TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let name = ServerName::try_from("localhost").map_err(tls_error)?;
    let tls = connector.connect(name, tcp).await?;
    let mut tls = BufReader::new(tls);
    let mut echo = String::new();
    for line in 0..LINES {
        let sent = format!("client {id}, line {line}\n");
        tls.get_mut().write_all(sent.as_bytes()).await?;
        tls.get_mut().flush().await?;
        echo.clear();
        tls.read_line(&mut echo).await?;
        if echo != sent {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "wrong echo"));
        }
        print!("echoed over TLS: {echo}");
    }
    tls.get_mut().shutdown().await
}

fn main() -> io::Result<()> {
    let serve_only = std::env::args().any(|a| a == "--serve");
    let (cert, pem, config) = server_config()?;
    let acceptor = TlsAcceptor::from(Arc::new(config));
    ringbolt::run(async move {
        if serve_only {
            std::fs::write("tls_echo.pem", pem)?;
            let listener = TcpListener::bind(([127, 0, 0, 1], 6143))?;
            println!(
                "TLS echo on {}; certificate in tls_echo.pem",
                listener.local_addr()?
            );
            return serve(listener, acceptor).await;
        }
        let listener = TcpListener::bind(([127, 0, 0, 1], 0))?;
        let addr = listener.local_addr()?;
        let server = ringbolt::spawn(serve(listener, acceptor));
        let connector = TlsConnector::from(Arc::new(client_config(cert)?));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|id| ringbolt::spawn(client(id, addr, connector.clone())))
            .collect();
        for c in clients {
            c.await.map_err(io::Error::other)??;
        }
        server.abort();
        Ok(())
    })?
}
