//! GET a URL with hyper-util's pooled client on ringbolt.
//!
//! `cargo run -p ringbolt-hyper --example http_client -- [URL]`
//!
//! With no URL it starts a small hyper server on 127.0.0.1 in the same
//! program and fetches from it three times over one kept-alive connection
//! (plain `http://` only: the connector does no TLS).

use std::convert::Infallible;
use std::future::IntoFuture;

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Bytes;
use hyper::service::service_fn;
use hyper::Response;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Starts a server answering every request, and returns its URL.
fn local_server() -> std::io::Result<String> {
    let listener = ringbolt::net::TcpListener::bind(([127, 0, 0, 1], 0))?;
    let url = format!("http://{}/", listener.local_addr()?);
    let hello = service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
        let text = format!("hello, you asked for {}\n", req.uri().path());
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(text))))
    });
    ringbolt::spawn(ringbolt_hyper::serve(listener, hello).into_future());
    Ok(url)
}

#[ringbolt::main]
async fn main() -> Result<(), Error> {
    let (url, times) = match std::env::args().nth(1) {
        Some(url) => (url, 1),
        None => (local_server()?, 3),
    };
    let client = ringbolt_hyper::client::<Empty<Bytes>>();
    for _ in 0..times {
        let response = client.get(url.parse()?).await?;
        println!("{} {:?}", response.status(), response.version());
        for (name, value) in response.headers() {
            println!("{name}: {}", value.to_str().unwrap_or("<binary>"));
        }
        let body = response.into_body().collect().await?.to_bytes();
        println!("\n{}", String::from_utf8_lossy(&body));
    }
    Ok(())
}
