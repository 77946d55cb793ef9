//! hyper's "hello world" on ringbolt, for any load generator.
//!
//! `cargo run --release -p ringbolt-hyper --example http_server -- [ADDR] [WORKERS]`
//! (default `127.0.0.1:8080`, one worker per core). It speaks HTTP/1.1 with
//! keep-alive and HTTP/2 (h2c), and stops on Ctrl-C after the requests in
//! flight are answered. Try `curl http://127.0.0.1:8080/` or
//! `wrk -c 64 http://127.0.0.1:8080/`.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::service::service_fn;
use hyper::{Request, Response};

fn bad_arg(what: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("bad {what}: {e}"))
}

async fn hello(_: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, World!",
    ))))
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = args
        .next()
        .as_deref()
        .unwrap_or("127.0.0.1:8080")
        .parse()
        .map_err(|e| bad_arg("address", e))?;
    let mut builder = ringbolt::runtime::Builder::new();
    if let Some(workers) = args.next() {
        builder.worker_threads(workers.parse().map_err(|e| bad_arg("worker count", e))?);
    }
    let rt = builder.build()?;
    rt.block_on(async {
        let listener = ringbolt::net::TcpListener::bind(addr)?;
        println!("serving on http://{}", listener.local_addr()?);
        let ctrl_c = ringbolt::signal::ctrl_c();
        ringbolt_hyper::serve(listener, service_fn(hello))
            .with_graceful_shutdown(async {
                let _ = ctrl_c.await;
                println!("Ctrl-C: finishing the requests in flight");
            })
            .await
    })?;
    rt.shutdown_timeout(Duration::from_secs(5));
    Ok(())
}
