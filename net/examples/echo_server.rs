//! A TCP echo server on 127.0.0.1.
//!
//! `cargo run -p ringbolt-net --example echo_server -- [PORT] [MAX_CONNECTIONS]`
//! (default port 7878). It runs until Ctrl-C, or until it has served
//! `MAX_CONNECTIONS` connections when given. Ctrl-C stops accepting and
//! lets the open connections finish.

use futures::future::{select, Either};
use futures::StreamExt;
use ringbolt::net::{TcpListener, TcpStream};

async fn echo(mut stream: TcpStream) -> std::io::Result<u64> {
    let mut total = 0;
    let mut buf = Vec::with_capacity(16 * 1024);
    loop {
        buf.clear();
        let (n, b) = stream.read(buf).await;
        let n = n?;
        if n == 0 {
            return Ok(total);
        }
        let (res, b) = stream.write_all(b).await;
        res?;
        total += n as u64;
        buf = b;
    }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().map_or(Ok(7878), |p| p.parse()).map_err(|e| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("bad port: {e}"))
    })?;
    let max: Option<usize> = args.next().and_then(|n| n.parse().ok());
    ringbolt::Runtime::new()?.block_on(async move {
        let listener = TcpListener::bind(([127, 0, 0, 1], port))?;
        println!("echo server on {}", listener.local_addr()?);
        let mut handles = Vec::new();
        let mut incoming = listener.incoming();
        let mut ctrl_c = std::pin::pin!(ringbolt::signal::ctrl_c());
        while max.is_none_or(|m| handles.len() < m) {
            let stream = match select(incoming.next(), ctrl_c.as_mut()).await {
                Either::Left((Some(stream), _)) => stream,
                Either::Left((None, _)) => break,
                Either::Right((signal, _)) => {
                    signal?;
                    println!("Ctrl-C: no new connections; waiting for the open ones");
                    break;
                }
            };
            match stream {
                Ok(stream) => handles.push(ringbolt::spawn(echo(stream))),
                Err(e) => eprintln!("accept: {e}"),
            }
        }
        for h in handles {
            match h.await {
                Ok(Ok(n)) => println!("echoed {n} bytes"),
                Ok(Err(e)) => eprintln!("connection: {e}"),
                Err(e) => eprintln!("task: {e}"),
            }
        }
        Ok(())
    })
}
