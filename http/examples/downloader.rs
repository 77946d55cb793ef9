//! The asyncio "download all sites" example: fetch many pages concurrently
//! through one shared client session (aiohttp's `ClientSession`).
//!
//! A hyper server runs on 127.0.0.1 inside the same program (no network
//! is needed) and serves `/page/N` with N KiB of text; the downloader
//! fetches 100 pages at once with hyper-util's pooled client, whose
//! kept-alive connections are reused across requests. With asyncio this
//! program is bound to one core; here the connections, client and server
//! ends alike, spread over every worker.
//!
//! Run: `cargo run --release -p ringbolt-hyper --example downloader`

use std::convert::Infallible;
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::time::Instant;

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Bytes;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use ringbolt::net::TcpListener;
use ringbolt_hyper::Connector;

const PAGES: usize = 100;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// `/page/N`: N KiB of text; anything else: 404.
async fn page(req: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let kib = req
        .uri()
        .path()
        .strip_prefix("/page/")
        .and_then(|n| n.parse::<usize>().ok());
    Ok(match kib {
        Some(kib) => Response::new(Full::new(Bytes::from("x".repeat(kib * 1024)))),
        None => {
            let mut res = Response::new(Full::new(Bytes::from_static(b"no such page\n")));
            *res.status_mut() = StatusCode::NOT_FOUND;
            res
        }
    })
}

/// GETs one page through the shared session and returns its body length.
async fn download(
    session: Client<Connector, Empty<Bytes>>,
    addr: SocketAddr,
    page: usize,
) -> Result<usize, Error> {
    let response = session
        .get(format!("http://{addr}/page/{page}").parse()?)
        .await?;
    if !response.status().is_success() {
        return Err(format!("page {page}: {}", response.status()).into());
    }
    Ok(response.into_body().collect().await?.to_bytes().len())
}

#[ringbolt::main]
async fn main() -> Result<(), Error> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = ringbolt::sync::oneshot::channel::<()>();
    let server = ringbolt::spawn(
        ringbolt_hyper::serve(listener, service_fn(page))
            .with_graceful_shutdown(stopped)
            .into_future(),
    );

    let session = ringbolt_hyper::client::<Empty<Bytes>>();
    let start = Instant::now();
    let downloads: Vec<_> = (1..=PAGES)
        .map(|page| ringbolt::spawn(download(session.clone(), addr, page)))
        .collect();
    let mut total = 0;
    for d in downloads {
        total += d.await??;
    }
    let elapsed = start.elapsed();
    drop(session); // closes the pooled connections
    let _ = stop.send(());
    server.await??;
    println!("downloaded {PAGES} pages, {total} bytes, in {elapsed:?}");
    Ok(())
}
