//! gRPC on ringbolt with tonic, and no tokio runtime.
//!
//! tonic's generated server is a tower service, so [`ringbolt_hyper::serve`]
//! serves it as it serves an axum `Router` (gRPC rides on its HTTP/2, h2c
//! here); tonic's generated client takes any tower service that sends
//! HTTP requests, so hyper-util's pooled client on ringbolt, HTTP/2 only
//! ([`channel`]), carries its calls. tonic's `transport` module (`Server`,
//! `Channel`, `Endpoint`) is the part that runs on tokio (tokio's sockets,
//! `tokio::spawn`, tokio's timers); this crate leaves it out, and with it
//! the server-side enforcement of the `grpc-timeout` header, which lives
//! there.
//!
//! The greeter itself (`proto/greeter.proto`): `SayHello` answers one
//! greeting, `SayHellos` streams `count` of them.
//!
//! ```no_run
//! use ringbolt_grpc_greeter::{client, pb::HelloRequest, server};
//!
//! #[ringbolt::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let listener = ringbolt::net::TcpListener::bind(([127, 0, 0, 1], 50051))?;
//!     let addr = listener.local_addr()?;
//!     ringbolt::spawn(std::future::IntoFuture::into_future(
//!         ringbolt_hyper::serve(listener, server()),
//!     ));
//!     let mut greeter = client(format!("http://{addr}").parse()?);
//!     let reply = greeter
//!         .say_hello(HelloRequest { name: "ringbolt".into() })
//!         .await?;
//!     println!("{}", reply.into_inner().message);
//!     Ok(())
//! }
//! ```
#![forbid(unsafe_code)]

use std::pin::Pin;

use futures_util::{Stream, StreamExt};
use http::Uri;
use tonic::{Request, Response, Status};

/// The code generated from `proto/greeter.proto`: the messages
/// (`HelloRequest`, `HellosRequest`, `HelloReply`), the server
/// (`greeter_server`) and the client (`greeter_client`).
pub mod pb {
    #![allow(missing_docs)]
    tonic::include_proto!("greeter");
}

use pb::greeter_client::GreeterClient;
use pb::greeter_server::GreeterServer;
use pb::{HelloReply, HelloRequest, HellosRequest};

/// The most greetings one `SayHellos` call may ask for.
pub const MAX_HELLOS: u32 = 100_000;

/// The greeter service: `SayHello` and `SayHellos`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Greeter;

/// The stream of replies of `SayHellos`.
pub type HelloStream = Pin<Box<dyn Stream<Item = Result<HelloReply, Status>> + Send>>;

#[tonic::async_trait]
impl pb::greeter_server::Greeter for Greeter {
    /// `Hello, NAME!`; an empty name is an invalid argument.
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let name = request.into_inner().name;
        if name.is_empty() {
            return Err(Status::invalid_argument("the name is empty"));
        }
        Ok(Response::new(HelloReply {
            message: format!("Hello, {name}!"),
            index: 0,
        }))
    }

    type SayHellosStream = HelloStream;

    /// `count` greetings, `Hello #I, NAME!`, streamed as the client reads
    /// them; more than [`MAX_HELLOS`] is out of range.
    async fn say_hellos(
        &self,
        request: Request<HellosRequest>,
    ) -> Result<Response<HelloStream>, Status> {
        let HellosRequest { name, count } = request.into_inner();
        if count > MAX_HELLOS {
            return Err(Status::out_of_range(format!(
                "{count} greetings asked, {MAX_HELLOS} at most"
            )));
        }
        let replies = futures_util::stream::iter(0..count).map(move |index| {
            Ok(HelloReply {
                message: format!("Hello #{index}, {name}!"),
                index,
            })
        });
        Ok(Response::new(Box::pin(replies)))
    }
}

/// The greeter as a tower service, for [`ringbolt_hyper::serve`].
pub fn server() -> GreeterServer<Greeter> {
    GreeterServer::new(Greeter)
}

/// What tonic's generated clients send their calls through here:
/// hyper-util's pooled client on ringbolt, HTTP/2 only.
pub type Channel = hyper_util::client::legacy::Client<ringbolt_hyper::Connector, tonic::body::Body>;

/// A [`Channel`]: plain TCP with HTTP/2 from the first byte (h2c with
/// prior knowledge, as gRPC servers without TLS expect), calls to one
/// server multiplexed on one connection.
pub fn channel() -> Channel {
    ringbolt_hyper::client_builder()
        .http2_only(true)
        .build(ringbolt_hyper::Connector::new())
}

/// A greeter client calling the server at `origin` (`http://host:port`)
/// through a new [`channel`].
pub fn client(origin: Uri) -> GreeterClient<Channel> {
    GreeterClient::with_origin(channel(), origin)
}
