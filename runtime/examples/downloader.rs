//! The asyncio "download all sites" example: fetch many pages concurrently.
//!
//! A small HTTP/1.1 server runs on 127.0.0.1 inside the same runtime (no
//! network is needed), serving 100 pages; the downloader fetches all of them
//! at once and reports the bytes received. With asyncio this program is
//! bound to one core; here the connections spread over every worker.
//!
//! Run: `cargo run --release -p ringbolt --example downloader`

use std::net::SocketAddr;
use std::time::Instant;

use ringbolt::net::{TcpListener, TcpStream};

const PAGES: usize = 100;

/// Serves `/page/N` with N KiB of text until `PAGES` requests are answered.
async fn serve(listener: TcpListener) -> std::io::Result<()> {
    let mut tasks = Vec::new();
    for _ in 0..PAGES {
        let (mut stream, _) = listener.accept().await?;
        tasks.push(ringbolt::spawn(async move {
            let (n, request) = stream.read(vec![0u8; 1024]).await;
            let request = String::from_utf8_lossy(&request[..n?]).into_owned();
            let kib: usize = request
                .split_whitespace()
                .nth(1)
                .and_then(|p| p.strip_prefix("/page/"))
                .and_then(|n| n.parse().ok())
                .unwrap_or(1);
            let body = "x".repeat(kib * 1024);
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(response.into_bytes()).await.0
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(())
}

/// GETs one page and returns its body length.
async fn download(addr: SocketAddr, page: usize) -> std::io::Result<usize> {
    let mut stream = TcpStream::connect(addr).await?;
    let request =
        format!("GET /page/{page} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.into_bytes()).await.0?;
    let mut response = Vec::new();
    loop {
        let (n, buf) = stream.read(vec![0u8; 16 * 1024]).await;
        let n = n?;
        if n == 0 {
            break;
        }
        response.extend_from_slice(&buf[..n]);
    }
    let header_end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "no HTTP header"))?;
    Ok(response.len() - header_end - 4)
}

#[ringbolt::main]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let addr = listener.local_addr()?;
    let server = ringbolt::spawn(serve(listener));

    let start = Instant::now();
    let downloads: Vec<_> = (1..=PAGES)
        .map(|page| ringbolt::spawn(download(addr, page)))
        .collect();
    let mut total = 0;
    for d in downloads {
        total += d.await??;
    }
    server.await??;
    println!(
        "downloaded {PAGES} pages, {total} bytes, in {:?}",
        start.elapsed()
    );
    Ok(())
}
