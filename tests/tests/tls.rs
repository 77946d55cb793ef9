//! TLS on ringbolt sockets through tokio-rustls (feature `tokio-io`), with a
//! self-signed certificate made by rcgen: echo over several connections at
//! once, a handshake against an untrusted certificate, and reads cut short
//! by timeouts that lose no bytes.

mod tls_setup;

use ringbolt::net::{TcpListener, TcpStream};
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls::RootCertStore;
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// Longest any one test waits for its peers.
const LIMIT: Duration = Duration::from_secs(60);

/// Deterministic test bytes (xorshift).
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn bind() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind(([127, 0, 0, 1], 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Accepts `conns` connections and echoes each over TLS until the client
/// closes it.
fn spawn_echo_server(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    conns: usize,
) -> ringbolt::task::JoinHandle<()> {
    ringbolt::spawn(async move {
        let mut echoes = Vec::new();
        for _ in 0..conns {
            let (tcp, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            echoes.push(ringbolt::spawn(async move {
                let tls = acceptor.accept(tcp).await.unwrap();
                let (mut rd, mut wr) = tokio::io::split(tls);
                tokio::io::copy(&mut rd, &mut wr).await.unwrap();
                wr.shutdown().await.unwrap();
            }));
        }
        for echo in echoes {
            echo.await.unwrap();
        }
    })
}

#[ringbolt::test(worker_threads = 2)]
async fn tls_echo_over_eight_connections() {
    let (acceptor, connector) = tls_setup::acceptor_and_connector();
    let (listener, addr) = bind();
    let server = spawn_echo_server(listener, acceptor, 8);
    let clients: Vec<_> = (0..8u64)
        .map(|i| {
            let connector = connector.clone();
            ringbolt::spawn(async move {
                let tcp = TcpStream::connect(addr).await.unwrap();
                let tls = connector
                    .connect(tls_setup::localhost(), tcp)
                    .await
                    .unwrap();
                let data = pattern(100_000 + 3_001 * i as usize, i);
                let (mut rd, mut wr) = tokio::io::split(tls);
                let writer = async {
                    for piece in data.chunks(1_500 + 97 * i as usize) {
                        wr.write_all(piece).await.unwrap();
                    }
                    wr.shutdown().await.unwrap();
                };
                let mut back = Vec::new();
                let (_, read) = ringbolt::join!(writer, rd.read_to_end(&mut back));
                read.unwrap();
                assert!(back == data, "client {i}: {} bytes back", back.len());
            })
        })
        .collect();
    let all = async {
        for c in clients {
            c.await.unwrap();
        }
        server.await.unwrap();
    };
    ringbolt::time::timeout(LIMIT, all)
        .await
        .expect("echo hung");
}

#[ringbolt::test(worker_threads = 2)]
async fn an_untrusted_certificate_fails_both_ends() {
    let (acceptor, _) = tls_setup::acceptor_and_connector();
    // A client that trusts another self-signed certificate only.
    let (_, other) = tls_setup::acceptor_and_connector();
    drop(other);
    let stranger = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let mut roots = RootCertStore::empty();
    roots.add(stranger.cert.der().clone()).unwrap();
    let connector = TlsConnector::from(std::sync::Arc::new(tls_setup::client_config(roots)));

    let (listener, addr) = bind();
    let server = ringbolt::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        acceptor.accept(tcp).await.map(drop)
    });
    let handshake = async {
        let tcp = TcpStream::connect(addr).await.unwrap();
        connector
            .connect(tls_setup::localhost(), tcp)
            .await
            .map(drop)
    };
    let client_err = ringbolt::time::timeout(LIMIT, handshake)
        .await
        .expect("handshake hung")
        .unwrap_err();
    assert_eq!(client_err.kind(), ErrorKind::InvalidData, "{client_err}");
    let server_res = ringbolt::time::timeout(LIMIT, server)
        .await
        .expect("server hung")
        .unwrap();
    assert!(
        server_res.is_err(),
        "the server finished a rejected handshake"
    );
}

#[ringbolt::test(worker_threads = 2)]
async fn tls_reads_cut_short_by_timeouts_lose_no_bytes() {
    let (acceptor, connector) = tls_setup::acceptor_and_connector();
    let (listener, addr) = bind();
    let data = pattern(200_000, 9);
    let sent = data.clone();
    // The server sends in records of uneven size with pauses, so many
    // client reads are pending when their timeout fires.
    let server = ringbolt::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = acceptor.accept(tcp).await.unwrap();
        for (i, piece) in sent.chunks(4_093).enumerate() {
            tls.write_all(piece).await.unwrap();
            tls.flush().await.unwrap();
            if i % 4 == 0 {
                ringbolt::time::sleep(Duration::from_millis(1)).await;
            }
        }
        tls.shutdown().await.unwrap();
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut tls = connector
        .connect(tls_setup::localhost(), tcp)
        .await
        .unwrap();
    let mut got = Vec::new();
    let mut buf = vec![0; 1_000];
    let mut cut_short = 0;
    let receive = async {
        loop {
            match ringbolt::time::timeout(Duration::from_micros(300), tls.read(&mut buf)).await {
                Ok(n) => match n.unwrap() {
                    0 => break,
                    n => got.extend_from_slice(&buf[..n]),
                },
                Err(_) => cut_short += 1,
            }
        }
    };
    ringbolt::time::timeout(LIMIT, receive)
        .await
        .expect("receive hung");
    server.await.unwrap();
    assert!(
        got == data,
        "{} of {} bytes, or reordered",
        got.len(),
        data.len()
    );
    // Without cancelled reads the test would prove nothing.
    assert!(cut_short > 0, "no read was cut short");
}
