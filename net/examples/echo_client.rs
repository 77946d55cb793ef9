//! Sends lines to an echo server and prints what comes back.
//!
//! `cargo run -p ringbolt-net --example echo_client -- [PORT] [COUNT]`
//! (defaults 7878 and 5).

use ringbolt::net::TcpStream;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(7878);
    let count: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(5);
    ringbolt::Runtime::new()?.block_on(async move {
        let mut stream = TcpStream::connect(([127, 0, 0, 1], port)).await?;
        stream.set_nodelay(true)?;
        for i in 0..count {
            let msg = format!("message {i}\n").into_bytes();
            let len = msg.len();
            let (res, _) = stream.write_all(msg).await;
            res?;
            let mut got = Vec::new();
            while got.len() < len {
                let (n, b) = stream.read(Vec::with_capacity(len)).await;
                let n = n?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                got.extend_from_slice(&b[..n]);
            }
            print!("{}", String::from_utf8_lossy(&got));
        }
        stream.shutdown(std::net::Shutdown::Write).await
    })
}
