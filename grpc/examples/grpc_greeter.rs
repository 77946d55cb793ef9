//! A gRPC greeter server and its client in one program, on ringbolt with
//! tonic and no tokio runtime.
//!
//! `cargo run -p ringbolt-grpc-greeter --example grpc_greeter -- [ADDR] [NAME]`
//! (default `127.0.0.1:50051`, `ringbolt`). The server starts, the client
//! makes a unary call, a server-streaming call and a call the server
//! refuses, and the server shuts down gracefully.

use std::error::Error;
use std::future::IntoFuture;
use std::net::SocketAddr;

use futures_util::StreamExt;
use ringbolt_grpc_greeter::pb::{HelloRequest, HellosRequest};
use ringbolt_grpc_greeter::{client, server};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = args
        .next()
        .as_deref()
        .unwrap_or("127.0.0.1:50051")
        .parse()?;
    let name = args.next().unwrap_or_else(|| "ringbolt".to_string());
    ringbolt::run(async move {
        let listener = ringbolt::net::TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        println!("greeter serving on http://{addr}");
        let (stop_tx, stop_rx) = ringbolt::sync::oneshot::channel::<()>();
        let server = ringbolt::spawn(
            ringbolt_hyper::serve(listener, server())
                .with_graceful_shutdown(async move {
                    let _ = stop_rx.await;
                })
                .into_future(),
        );

        let mut greeter = client(format!("http://{addr}").parse()?);
        let reply = greeter
            .say_hello(HelloRequest { name: name.clone() })
            .await?;
        println!("SayHello: {}", reply.into_inner().message);

        let request = HellosRequest { name, count: 5 };
        let mut replies = greeter.say_hellos(request).await?.into_inner();
        while let Some(reply) = replies.next().await {
            println!("SayHellos: {}", reply?.message);
        }

        let refused = greeter
            .say_hello(HelloRequest {
                name: String::new(),
            })
            .await
            .expect_err("an empty name is refused");
        println!(
            "SayHello(\"\"): {:?}: {}",
            refused.code(),
            refused.message()
        );

        let _ = stop_tx.send(());
        server.await??;
        println!("server stopped");
        Ok::<_, Box<dyn Error>>(())
    })?
}
