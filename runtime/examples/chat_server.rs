//! A line chat server, the asyncio tutorials' chat in Rust: every line a
//! client sends goes to every other client, prefixed with the sender's
//! address. Framing is tokio-util's `Framed` with a `LinesCodec` over
//! ringbolt `TcpStream`s (feature `tokio-io`); no tokio runtime runs.
//!
//! Run: `cargo run -p ringbolt --features tokio-io --example chat_server`
//! and connect a few `nc 127.0.0.1 6142`. An address argument replaces the
//! default `127.0.0.1:6142`.
//!
//! Each connection is one task that waits on two things at once: the next
//! line from its client (`Framed` as a `Stream`) and the next message for
//! it from the others (its channel). Whichever comes second is dropped
//! mid-read and started again, which loses nothing: `Framed` keeps the
//! partial line and the stream keeps the receive in flight.

use futures::{FutureExt, SinkExt, StreamExt};
use ringbolt::net::{TcpListener, TcpStream};
use ringbolt::sync::mpsc;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};

/// Longest line a client may send.
const MAX_LINE: usize = 8 * 1024;

/// Who is connected: each client's address and the channel to its task.
type Peers = Arc<Mutex<HashMap<SocketAddr, mpsc::UnboundedSender<String>>>>;

/// Accepts clients until the listener fails.
async fn serve(listener: TcpListener) -> std::io::Result<()> {
    let peers = Peers::default();
    loop {
        let (stream, addr) = listener.accept().await?;
        let peers = peers.clone();
        ringbolt::spawn(async move {
            if let Err(e) = chat(stream, addr, &peers).await {
                eprintln!("{addr}: {e}");
            }
            peers.lock().unwrap().remove(&addr);
        });
    }
}

/// Sends `line` to every client but `from`.
fn broadcast(peers: &Peers, from: SocketAddr, line: &str) {
    let message = format!("{from}: {line}");
    for (addr, tx) in peers.lock().unwrap().iter() {
        if *addr != from {
            // A client whose task has just ended misses it, as in any chat.
            let _ = tx.send(message.clone());
        }
    }
}

/// One client: greets it once it can receive, then relays both ways until
/// it leaves.
async fn chat(stream: TcpStream, addr: SocketAddr, peers: &Peers) -> Result<(), LinesCodecError> {
    stream.set_nodelay(true)?;
    let mut lines = Framed::new(stream, LinesCodec::new_with_max_length(MAX_LINE));
    let (tx, mut inbox) = mpsc::unbounded_channel();
    peers.lock().unwrap().insert(addr, tx);
    lines.send(format!("welcome, {addr}")).await?;
    loop {
        ringbolt::select! {
            message = inbox.recv().fuse() => match message {
                Some(message) => lines.send(message).await?,
                None => return Ok(()),
            },
            line = lines.next().fuse() => match line {
                Some(line) => broadcast(peers, addr, &line?),
                None => return Ok(()),
            },
        }
    }
}

#[cfg_attr(test, allow(dead_code))]
fn main() -> std::io::Result<()> {
    let addr: SocketAddr = match std::env::args().nth(1) {
        Some(a) => a
            .parse()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
        None => ([127, 0, 0, 1], 6142).into(),
    };
    ringbolt::run(async move {
        let listener = TcpListener::bind(addr)?;
        println!("chat on {}: connect with nc", listener.local_addr()?);
        serve(listener).await
    })?
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::time::Duration;

    const CLIENTS: usize = 100;
    const LINES: usize = 5;

    /// One client: sends its lines and a last `bye`, and collects what the
    /// others said until it has every other client's `bye`. Lines from one
    /// sender arrive in the order sent, so a line from a client after its
    /// `bye` (or a second copy of any line) is an error.
    async fn client(me: usize, mut lines: Framed<TcpStream, LinesCodec>) -> HashSet<String> {
        let mine = (0..LINES)
            .map(|j| format!("{me} line {j}"))
            .chain([format!("{me} bye")]);
        for line in mine {
            lines.feed(line).await.unwrap();
        }
        SinkExt::<String>::flush(&mut lines).await.unwrap();
        let mut heard = HashSet::new();
        let mut gone = HashSet::new();
        while gone.len() < CLIENTS - 1 {
            let line = lines.next().await.expect("server closed").unwrap();
            let (_, said) = line.split_once(": ").expect("a relayed line");
            let (who, what) = said.split_once(' ').unwrap();
            let who: usize = who.parse().unwrap();
            assert_ne!(who, me, "client {me} got its own line back");
            assert!(
                !gone.contains(&who),
                "client {me}: {said:?} after {who}'s bye"
            );
            if what == "bye" {
                gone.insert(who);
            } else {
                assert!(
                    heard.insert(said.to_string()),
                    "client {me}: {said:?} twice"
                );
            }
        }
        heard
    }

    #[test]
    fn a_hundred_clients_hear_every_line_once() {
        ringbolt::run(async {
            let listener = TcpListener::bind(([127, 0, 0, 1], 0)).unwrap();
            let addr = listener.local_addr().unwrap();
            let server = ringbolt::spawn(serve(listener));
            // Every client is registered (greeted) before anyone speaks.
            let mut clients = Vec::new();
            for _ in 0..CLIENTS {
                let stream = TcpStream::connect(addr).await.unwrap();
                let mut lines = Framed::new(stream, LinesCodec::new());
                let welcome = lines.next().await.unwrap().unwrap();
                assert!(welcome.starts_with("welcome"), "{welcome:?}");
                clients.push(lines);
            }
            let tasks: Vec<_> = clients
                .into_iter()
                .enumerate()
                .map(|(me, lines)| ringbolt::spawn(client(me, lines)))
                .collect();
            let all = async {
                let mut heard = Vec::new();
                for task in tasks {
                    heard.push(task.await.unwrap());
                }
                heard
            };
            let heard = ringbolt::time::timeout(Duration::from_secs(120), all)
                .await
                .expect("the chat stalled");
            for (me, heard) in heard.iter().enumerate() {
                let expected: HashSet<String> = (0..CLIENTS)
                    .filter(|&other| other != me)
                    .flat_map(|other| (0..LINES).map(move |j| format!("{other} line {j}")))
                    .collect();
                assert!(
                    *heard == expected,
                    "client {me} heard {} lines",
                    heard.len()
                );
            }
            server.abort();
        })
        .unwrap();
    }
}
