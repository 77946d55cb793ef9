//! HTTPS on ringbolt-hyper (feature `tls`): round trips over HTTP/1.1 and
//! HTTP/2 chosen by ALPN, clients that stall in the handshake, wrong
//! certificates, and graceful shutdown with handshakes under way. Every
//! certificate is self-signed, made here with rcgen.

mod common;

use std::future::IntoFuture;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use futures_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use futures_rustls::rustls::{self, ClientConfig, RootCertStore, ServerConfig};
use http_body_util::{BodyExt, Empty};
use hyper::{StatusCode, Version};
use ringbolt::net::{TcpListener, TcpStream};
use ringbolt::time::timeout;
use ringbolt_hyper::{https_client, serve, HttpsConnector};

/// A self-signed certificate for `names` and its key.
struct Identity {
    cert: rustls::pki_types::CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl Identity {
    /// A certificate for `names`, its issuer and subject named `who`.
    fn new(who: &str, names: &[&str]) -> Identity {
        let names = names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let mut params = rcgen::CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, who);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Identity {
            cert: cert.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        }
    }

    /// A server configuration presenting this certificate, ALPN unset.
    fn server(&self) -> Arc<ServerConfig> {
        let key = PrivateKeyDer::Pkcs8(self.key.clone_key());
        let config = ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![self.cert.clone()], key)
            .unwrap();
        Arc::new(config)
    }

    /// A client configuration trusting this certificate alone, offering
    /// `alpn`.
    fn client(&self, alpn: &[&[u8]]) -> ClientConfig {
        let mut roots = RootCertStore::empty();
        roots.add(self.cert.clone()).unwrap();
        let mut config = ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        config
    }
}

async fn get(config: ClientConfig, uri: String) -> Result<(Version, StatusCode, String), BoxError> {
    let client = https_client::<Empty<bytes::Bytes>>(config);
    let res = timeout(PATIENCE, client.get(uri.parse()?)).await??;
    let (version, status) = (res.version(), res.status());
    let body = timeout(PATIENCE, res.into_body().collect()).await??;
    Ok((
        version,
        status,
        String::from_utf8(body.to_bytes().to_vec())?,
    ))
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The first flight of a client handshake for `localhost`: its
/// ClientHello.
fn client_hello(identity: &Identity) -> Vec<u8> {
    let name = ServerName::try_from("localhost").unwrap();
    let mut conn = rustls::ClientConnection::new(Arc::new(identity.client(&[])), name).unwrap();
    let mut hello = Vec::new();
    conn.write_tls(&mut hello).unwrap();
    assert!(hello.len() > 5, "no ClientHello");
    hello
}

/// Every error in `e`'s source chain.
fn chain<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> Vec<&'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(e), |e| e.source()).collect()
}

#[ringbolt::test(worker_threads = 2)]
async fn https_get_over_http1_and_h2_chosen_by_alpn() {
    let id = Identity::new("ringbolt test server", &["localhost"]);
    let (listener, addr) = listener();
    ringbolt::spawn(
        serve(listener, TestService::default().hyper())
            .tls(id.server())
            .into_future(),
    );
    let uri = format!("https://localhost:{}/", addr.port());
    let cases: [(&[&[u8]], Version); 3] = [
        (&[b"h2", b"http/1.1"], Version::HTTP_2),
        (&[b"http/1.1"], Version::HTTP_11),
        // No ALPN at all: HTTP/1.1.
        (&[], Version::HTTP_11),
    ];
    for (alpn, version) in cases {
        let got = get(id.client(alpn), uri.clone()).await.unwrap();
        assert_eq!(
            got,
            (version, StatusCode::OK, "hello".to_string()),
            "{alpn:?}"
        );
    }
}

#[ringbolt::test(worker_threads = 2)]
async fn ten_megabytes_each_way_over_h2_in_tls() {
    let id = Identity::new("ringbolt test server", &["localhost"]);
    let (listener, addr) = listener();
    ringbolt::spawn(
        serve(listener, TestService::default().hyper())
            .tls(id.server())
            .into_future(),
    );
    let client = https_client::<TestBody>(id.client(&[b"h2"]));
    let req = hyper::Request::post(format!("https://localhost:{}/upload", addr.port()))
        .body(streamed(BIG_CHUNKS, 1))
        .unwrap();
    let res = timeout(PATIENCE, client.request(req))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (res.version(), res.status()),
        (Version::HTTP_2, StatusCode::OK)
    );
    let up: u64 = res.headers()["x-checksum"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        Fnv(up),
        expected(BIG_CHUNKS, 1),
        "the server got other bytes"
    );
    let (down, len) = timeout(PATIENCE, checksum(res.into_body())).await.unwrap();
    assert_eq!(len, BIG_CHUNKS * 64 * 1024);
    assert_eq!(down, expected(BIG_CHUNKS, 9), "the client got other bytes");
}

#[ringbolt::test(worker_threads = 2)]
async fn clients_that_stall_in_the_handshake_are_closed_after_the_timeout() {
    let id = Identity::new("ringbolt test server", &["localhost"]);
    let (listener, addr) = listener();
    ringbolt::spawn(
        serve(listener, TestService::default().hyper())
            .tls(id.server())
            .header_read_timeout(Duration::from_millis(200))
            .into_future(),
    );
    // A whole ClientHello and then silence (the server answers and waits
    // for the client's Finished); half a record header; nothing at all.
    let hello = client_hello(&id);
    for partial in [&hello[..], &hello[..3], b""] {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        if !partial.is_empty() {
            stream.write_all(partial.to_vec()).await.0.unwrap();
        }
        if read_until_closed(&mut stream).await.is_none() {
            panic!("{} bytes sent: still open after the timeout", partial.len());
        }
    }
    // The server lives on.
    let uri = format!("https://localhost:{}/", addr.port());
    let got = get(id.client(&[]), uri).await.unwrap();
    assert_eq!(got.2, "hello");
}

#[ringbolt::test(worker_threads = 2)]
async fn a_wrong_certificate_fails_cleanly_on_the_client() {
    let id = Identity::new("ringbolt test server", &["localhost"]);
    let (listener, addr) = listener();
    ringbolt::spawn(
        serve(listener, TestService::default().hyper())
            .tls(id.server())
            .into_future(),
    );
    let stranger = Identity::new("a stranger", &["localhost"]);
    use rustls::CertificateError as Why;
    type Expected = fn(&Why) -> bool;
    let cases: [(ClientConfig, String, Expected); 2] = [
        // Signed by no one the client trusts.
        (
            stranger.client(&[]),
            format!("https://localhost:{}/", addr.port()),
            |why| matches!(why, Why::UnknownIssuer),
        ),
        // Trusted, but for another name.
        (
            id.client(&[]),
            format!("https://127.0.0.1:{}/", addr.port()),
            |why| {
                matches!(
                    why,
                    Why::NotValidForName | Why::NotValidForNameContext { .. }
                )
            },
        ),
    ];
    for (config, uri, why) in cases {
        let e = get(config, uri.clone()).await.unwrap_err();
        let errors = chain(&*e);
        let io = errors
            .iter()
            .find_map(|e| e.downcast_ref::<io::Error>())
            .unwrap_or_else(|| panic!("{uri}: no io::Error in {errors:?}"));
        assert_eq!(io.kind(), io::ErrorKind::InvalidData, "{uri}: {io}");
        let text = io.to_string();
        assert!(
            text.contains("TLS handshake with") && text.contains("invalid peer certificate"),
            "{uri}: {text}"
        );
        let rustls_error = errors
            .iter()
            .find_map(|e| e.downcast_ref::<rustls::Error>())
            .unwrap_or_else(|| panic!("{uri}: no rustls error in {errors:?}"));
        assert!(
            matches!(rustls_error, rustls::Error::InvalidCertificate(e) if why(e)),
            "{uri}: {rustls_error:?}"
        );
    }
    // The server lives on.
    let uri = format!("https://localhost:{}/", addr.port());
    assert_eq!(get(id.client(&[]), uri).await.unwrap().2, "hello");
}

#[ringbolt::test(worker_threads = 2)]
async fn a_handshake_that_never_ends_times_out_on_the_client() {
    use tower::ServiceExt;
    // A server that accepts and says nothing.
    let listener = TcpListener::bind(([127, 0, 0, 1], 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    let silent = ringbolt::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        ringbolt::time::sleep(PATIENCE).await;
        drop(stream);
    });
    let id = Identity::new("ringbolt test server", &["localhost"]);
    let connector =
        HttpsConnector::new(id.client(&[])).handshake_timeout(Duration::from_millis(200));
    let uri: hyper::Uri = format!("https://localhost:{}/", addr.port())
        .parse()
        .unwrap();
    let e = timeout(PATIENCE, connector.clone().oneshot(uri))
        .await
        .expect("the handshake timeout did not fire")
        .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::TimedOut, "{e}");
    silent.abort();
    // What it cannot reach or name.
    let cases = [
        ("ftp://localhost/", io::ErrorKind::InvalidInput),
        ("/no-host", io::ErrorKind::InvalidInput),
    ];
    for (uri, kind) in cases {
        let e = connector
            .clone()
            .oneshot(uri.parse().unwrap())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "{uri}: {e}");
    }
}

#[ringbolt::test(worker_threads = 2)]
async fn graceful_shutdown_finishes_requests_and_drops_unfinished_handshakes() {
    let id = Identity::new("ringbolt test server", &["localhost"]);
    let (listener, addr) = listener();
    let service = TestService::default();
    let (stop_tx, stop_rx) = ringbolt::sync::oneshot::channel::<()>();
    // Neither the handshake deadline nor the grace period ends within
    // the test: shutdown alone must close the stalled handshake.
    let server = ringbolt::spawn(
        serve(listener, service.clone().hyper())
            .tls(id.server())
            .header_read_timeout(PATIENCE * 4)
            .shutdown_grace(PATIENCE * 4)
            .with_graceful_shutdown(async move {
                let _ = stop_rx.await;
            })
            .into_future(),
    );
    let slow = {
        let config = id.client(&[b"h2"]);
        let uri = format!("https://localhost:{}/slow", addr.port());
        ringbolt::spawn(get(config, uri))
    };
    timeout(PATIENCE, service.started.notified()).await.unwrap();
    // A handshake under way: the server has answered the ClientHello.
    let mut stalled = TcpStream::connect(addr).await.unwrap();
    stalled.write_all(client_hello(&id)).await.0.unwrap();
    let (n, _) = timeout(PATIENCE, stalled.read(Vec::with_capacity(16 * 1024)))
        .await
        .unwrap();
    assert!(n.unwrap() > 0, "no ServerHello");
    stop_tx.send(()).unwrap();
    assert!(
        read_until_closed(&mut stalled).await.is_some(),
        "the unfinished handshake outlived the shutdown signal"
    );
    assert!(
        !server.is_finished(),
        "shutdown did not wait for the request"
    );
    service.release.notify_one();
    let got = timeout(PATIENCE, slow).await.unwrap().unwrap().unwrap();
    assert_eq!(
        got,
        (Version::HTTP_2, StatusCode::OK, "slow done".to_string())
    );
    timeout(PATIENCE, server).await.unwrap().unwrap().unwrap();
}
