//! hyper on ringbolt: round trips over HTTP/1.1 keep-alive and h2c, large
//! streamed bodies, many concurrent requests through the pooled client,
//! graceful shutdown, the header-read timeout and malformed requests.

mod common;

use std::future::IntoFuture;
use std::time::Duration;

use common::*;
use http_body_util::{BodyExt, Empty};
use hyper::{Request, StatusCode, Version};
use ringbolt::net::TcpStream;
use ringbolt::time::timeout;
use ringbolt_hyper::{serve, RingboltExecutor, RingboltIo};

async fn body_text(body: hyper::body::Incoming) -> String {
    let bytes = body.collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[ringbolt::test(worker_threads = 2)]
async fn http1_keep_alive_serves_many_requests_on_one_connection() {
    let (listener, addr) = listener();
    ringbolt::spawn(serve(listener, TestService::default().hyper()).into_future());
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake::<_, TestBody>(RingboltIo::new(stream))
            .await
            .unwrap();
    let conn = ringbolt::spawn(conn);
    for i in 0..20 {
        // HTTP/1 takes the next request once the previous exchange is over.
        timeout(PATIENCE, sender.ready())
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("connection closed before request {i}: {e}"));
        let req = Request::get("/").body(full("")).unwrap();
        let res = timeout(PATIENCE, sender.send_request(req))
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("request {i} on the kept-alive connection: {e}"));
        assert_eq!(res.version(), Version::HTTP_11);
        assert_eq!(body_text(res.into_body()).await, "hello");
    }
    drop(sender);
    timeout(PATIENCE, conn).await.unwrap().unwrap().unwrap();
}

#[ringbolt::test(worker_threads = 2)]
async fn h2c_multiplexes_requests_on_one_connection() {
    let (listener, addr) = listener();
    ringbolt::spawn(serve(listener, TestService::default().hyper()).into_future());
    let stream = TcpStream::connect(addr).await.unwrap();
    let (sender, conn) = hyper::client::conn::http2::handshake::<_, _, TestBody>(
        RingboltExecutor::new(),
        RingboltIo::new(stream),
    )
    .await
    .unwrap();
    ringbolt::spawn(conn);
    let requests: Vec<_> = (0..50)
        .map(|_| {
            let mut sender = sender.clone();
            ringbolt::spawn(async move {
                let req = Request::get("http://localhost/").body(full("")).unwrap();
                let res = sender.send_request(req).await.unwrap();
                assert_eq!(res.version(), Version::HTTP_2);
                body_text(res.into_body()).await
            })
        })
        .collect();
    for r in requests {
        assert_eq!(timeout(PATIENCE, r).await.unwrap().unwrap(), "hello");
    }
}

/// Sends 10 MiB up (streamed), gets 10 MiB down, checks both checksums.
async fn ten_megabytes_each_way(res: hyper::Response<hyper::body::Incoming>) {
    assert_eq!(res.status(), StatusCode::OK);
    let up: u64 = res.headers()["x-checksum"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let up_len: usize = res.headers()["x-length"].to_str().unwrap().parse().unwrap();
    assert_eq!(up_len, BIG_CHUNKS * 64 * 1024);
    assert_eq!(
        Fnv(up),
        expected(BIG_CHUNKS, 1),
        "the server got other bytes"
    );
    let (down, down_len) = checksum(res.into_body()).await;
    assert_eq!(down_len, BIG_CHUNKS * 64 * 1024);
    assert_eq!(down, expected(BIG_CHUNKS, 9), "the client got other bytes");
}

#[ringbolt::test(worker_threads = 2)]
async fn ten_megabytes_stream_each_way_over_http1_and_h2c() {
    let (listener, addr) = listener();
    ringbolt::spawn(serve(listener, TestService::default().hyper()).into_future());
    // HTTP/1.1 through the pooled client.
    let client = ringbolt_hyper::client::<TestBody>();
    let req = Request::post(format!("http://{addr}/upload"))
        .body(streamed(BIG_CHUNKS, 1))
        .unwrap();
    let res = timeout(PATIENCE, client.request(req))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(res.version(), Version::HTTP_11);
    timeout(PATIENCE, ten_megabytes_each_way(res))
        .await
        .unwrap();
    // HTTP/2 with prior knowledge.
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http2::handshake::<_, _, TestBody>(
        RingboltExecutor::new(),
        RingboltIo::new(stream),
    )
    .await
    .unwrap();
    ringbolt::spawn(conn);
    let req = Request::post("http://localhost/upload")
        .body(streamed(BIG_CHUNKS, 1))
        .unwrap();
    let res = timeout(PATIENCE, sender.send_request(req))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(res.version(), Version::HTTP_2);
    timeout(PATIENCE, ten_megabytes_each_way(res))
        .await
        .unwrap();
}

#[ringbolt::test(worker_threads = 2)]
async fn a_thousand_concurrent_requests_through_the_pooled_client() {
    let (listener, addr) = listener();
    ringbolt::spawn(serve(listener, TestService::default().hyper()).into_future());
    let client = ringbolt_hyper::client::<Empty<bytes::Bytes>>();
    let uri: hyper::Uri = format!("http://{addr}/").parse().unwrap();
    let requests: Vec<_> = (0..1000)
        .map(|_| {
            let (client, uri) = (client.clone(), uri.clone());
            ringbolt::spawn(async move {
                let res = client.get(uri).await?;
                let status = res.status();
                let body = res.into_body().collect().await?.to_bytes();
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>((status, body))
            })
        })
        .collect();
    for r in requests {
        let (status, body) = timeout(PATIENCE, r).await.unwrap().unwrap().unwrap();
        assert_eq!(status, StatusCode::OK);
        assert_eq!(&body[..], b"hello");
    }
}

#[ringbolt::test(worker_threads = 2)]
async fn graceful_shutdown_finishes_the_slow_request_and_refuses_new_connections() {
    let (listener, addr) = listener();
    let service = TestService::default();
    let (stop_tx, stop_rx) = ringbolt::sync::oneshot::channel::<()>();
    let server = ringbolt::spawn(
        serve(listener, service.clone().hyper())
            .with_graceful_shutdown(async move {
                let _ = stop_rx.await;
            })
            .into_future(),
    );
    let client = ringbolt_hyper::client::<Empty<bytes::Bytes>>();
    let slow = {
        let client = client.clone();
        let uri: hyper::Uri = format!("http://{addr}/slow").parse().unwrap();
        ringbolt::spawn(async move {
            let res = client.get(uri).await.unwrap();
            (res.status(), body_text(res.into_body()).await)
        })
    };
    timeout(PATIENCE, service.started.notified()).await.unwrap();
    stop_tx.send(()).unwrap();
    // New connections are refused once the listener is closed.
    let mut refused = false;
    for _ in 0..1000 {
        match TcpStream::connect(addr).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                refused = true;
                break;
            }
            _ => ringbolt::time::sleep(Duration::from_millis(10)).await,
        }
    }
    assert!(
        refused,
        "the listener still accepts after the shutdown signal"
    );
    assert!(
        !server.is_finished(),
        "shutdown did not wait for the slow request"
    );
    service.release.notify_one();
    let (status, body) = timeout(PATIENCE, slow).await.unwrap().unwrap();
    assert_eq!((status, body.as_str()), (StatusCode::OK, "slow done"));
    timeout(PATIENCE, server).await.unwrap().unwrap().unwrap();
}

#[ringbolt::test(worker_threads = 2)]
async fn graceful_shutdown_cancels_what_outlives_the_grace_period() {
    let (listener, addr) = listener();
    let service = TestService::default();
    let (stop_tx, stop_rx) = ringbolt::sync::oneshot::channel::<()>();
    let server = ringbolt::spawn(
        serve(listener, service.clone().hyper())
            .shutdown_grace(Duration::from_millis(100))
            .with_graceful_shutdown(async move {
                let _ = stop_rx.await;
            })
            .into_future(),
    );
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n" as &'static [u8];
    stream.write_all(request).await.0.unwrap();
    timeout(PATIENCE, service.started.notified()).await.unwrap();
    stop_tx.send(()).unwrap();
    // Never released: the server must give up on it and return.
    timeout(PATIENCE, server).await.unwrap().unwrap().unwrap();
    assert_eq!(read_until_closed(&mut stream).await, Some(Vec::new()));
}

#[ringbolt::test(worker_threads = 2)]
async fn stalled_clients_are_closed_after_the_header_read_timeout() {
    let (listener, addr) = listener();
    ringbolt::spawn(
        serve(listener, TestService::default().hyper())
            .header_read_timeout(Duration::from_millis(200))
            .into_future(),
    );
    // Half a request head; a few bytes of the HTTP/2 preface (the
    // protocol is not known yet); nothing at all.
    for partial in [&b"GET / HTTP/1.1\r\nHost: loc"[..], b"PRI * HT", b""] {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        if !partial.is_empty() {
            stream.write_all(partial.to_vec()).await.0.unwrap();
        }
        let got = read_until_closed(&mut stream).await;
        let got = got.unwrap_or_else(|| {
            panic!(
                "{:?}: still open after the timeout",
                String::from_utf8_lossy(partial)
            )
        });
        // hyper may say 408 before it closes; it must close.
        let text = String::from_utf8_lossy(&got);
        assert!(got.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
    }
}

#[ringbolt::test(worker_threads = 2)]
async fn a_malformed_request_gets_400_and_the_server_lives_on() {
    let (listener, addr) = listener();
    ringbolt::spawn(serve(listener, TestService::default().hyper()).into_future());
    for garbage in [
        &b"GARBAGE\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
    ] {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(garbage.to_vec()).await.0.unwrap();
        let got = read_until_closed(&mut stream).await.expect("not closed");
        let text = String::from_utf8_lossy(&got);
        assert!(text.starts_with("HTTP/1.1 400"), "{text:?}");
    }
    let client = ringbolt_hyper::client::<Empty<bytes::Bytes>>();
    let res = timeout(
        PATIENCE,
        client.get(format!("http://{addr}/").parse().unwrap()),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(body_text(res.into_body()).await, "hello");
}

#[ringbolt::test(worker_threads = 2)]
async fn serves_on_a_unix_socket() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("http.sock");
    let listener = ringbolt::net::UnixListener::bind(&path).unwrap();
    ringbolt::spawn(serve(listener, TestService::default().hyper()).into_future());
    let stream = ringbolt::net::UnixStream::connect(&path).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake::<_, TestBody>(RingboltIo::new(stream))
            .await
            .unwrap();
    ringbolt::spawn(conn);
    let res = timeout(
        PATIENCE,
        sender.send_request(Request::get("/").body(full("")).unwrap()),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(body_text(res.into_body()).await, "hello");
}

#[ringbolt::test]
async fn the_connector_refuses_what_it_cannot_reach() {
    use tower::ServiceExt;
    let connector = ringbolt_hyper::Connector::new();
    let cases = [
        ("https://127.0.0.1/", std::io::ErrorKind::Unsupported),
        ("ftp://127.0.0.1/", std::io::ErrorKind::InvalidInput),
        ("/no-host", std::io::ErrorKind::InvalidInput),
    ];
    for (uri, kind) in cases {
        let uri: hyper::Uri = uri.parse().unwrap();
        let err = connector.clone().oneshot(uri.clone()).await.unwrap_err();
        assert_eq!(err.kind(), kind, "{uri}");
    }
    // A port where nothing listens.
    let (listener, addr) = listener();
    drop(listener);
    let uri: hyper::Uri = format!("http://{addr}/").parse().unwrap();
    let err = connector.oneshot(uri).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[test]
fn a_runtime_serving_open_connections_shuts_down() {
    let rt = ringbolt::runtime::Builder::new()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let (listener, addr) = listener();
        ringbolt::spawn(serve(listener, TestService::default().hyper()).into_future());
        let mut streams = Vec::new();
        for _ in 0..8 {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" as &'static [u8];
            stream.write_all(request).await.0.unwrap();
            let (n, _) = timeout(PATIENCE, stream.read(Vec::with_capacity(1024)))
                .await
                .unwrap();
            assert!(n.unwrap() > 0);
            streams.push(stream);
        }
        // The client ends stay open until the runtime drops them.
        ringbolt::spawn(async move {
            let _open = streams;
            std::future::pending::<()>().await
        });
    });
    // Every connection task waits for its cancel signal; dropping the
    // accept loop's task at shutdown cancels them from inside a wake.
    assert!(
        rt.shutdown_timeout(PATIENCE),
        "shutdown hung with connections open"
    );
}
