//! hyper's "hello world" over HTTPS on ringbolt (rustls, HTTP/2 or
//! HTTP/1.1 chosen by ALPN).
//!
//! `cargo run --release -p ringbolt-hyper --features tls --example https_server -- [ADDR] [CERT.pem KEY.pem]`
//! (default `127.0.0.1:8443`). Without a certificate it makes a self-signed
//! one for `localhost` and `127.0.0.1`, writes it to a PEM file and says
//! where, for `curl --cacert FILE https://localhost:8443/`. It stops on
//! Ctrl-C after the requests in flight are answered.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::service::service_fn;
use hyper::{Request, Response};
use ringbolt_hyper::rustls::pki_types::pem::PemObject;
use ringbolt_hyper::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use ringbolt_hyper::rustls::ServerConfig;

fn bad(what: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("{what}: {e}"))
}

async fn hello(req: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let text = format!("Hello, World! ({:?})\n", req.version());
    Ok(Response::new(Full::new(Bytes::from(text))))
}

/// The certificate chain and key from two PEM files.
fn load(
    cert: &str,
    key: &str,
) -> io::Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| bad(cert, e))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| bad(key, e))?;
    Ok((certs, key))
}

/// A fresh self-signed certificate, its PEM written where a client can
/// read it.
fn self_signed() -> io::Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    let certified = rcgen::generate_simple_self_signed(names).map_err(io::Error::other)?;
    let path = std::env::temp_dir().join("ringbolt-https-server.pem");
    std::fs::write(&path, certified.cert.pem())?;
    println!("self-signed certificate: {}", path.display());
    let key = PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der());
    Ok((vec![certified.cert.der().clone()], key.into()))
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr: SocketAddr = args
        .first()
        .map(String::as_str)
        .unwrap_or("127.0.0.1:8443")
        .parse()
        .map_err(|e| bad("bad address", e))?;
    let (certs, key) = match &args[1.min(args.len())..] {
        [] => self_signed()?,
        [cert, key] => load(cert, key)?,
        _ => return Err(bad("usage", "https_server [ADDR] [CERT.pem KEY.pem]")),
    };
    // rustls's `ring` provider, the one this build enables.
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| bad("certificate", e))?;
    let rt = ringbolt::runtime::Runtime::new()?;
    rt.block_on(async {
        let listener = ringbolt::net::TcpListener::bind(addr)?;
        println!("serving on https://{}", listener.local_addr()?);
        let ctrl_c = ringbolt::signal::ctrl_c();
        ringbolt_hyper::serve(listener, service_fn(hello))
            .tls(Arc::new(config))
            .with_graceful_shutdown(async {
                let _ = ctrl_c.await;
                println!("Ctrl-C: finishing the requests in flight");
            })
            .await
    })?;
    rt.shutdown_timeout(Duration::from_secs(5));
    Ok(())
}
