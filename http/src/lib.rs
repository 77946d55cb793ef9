//! ringbolt-hyper: hyper servers and clients on ringbolt.
//!
//! hyper asks three things of a runtime, and this crate gives them:
//!
//! - I/O: [`RingboltIo`] implements hyper's `Read`/`Write` over ringbolt's
//!   TCP and Unix streams (and any `futures-io` stream). A read that hyper
//!   drops loses no bytes: the ring `recv` stays parked in the stream.
//! - Spawning: [`RingboltExecutor`] runs hyper's background futures
//!   (HTTP/2 streams, client connections) as ringbolt tasks. ringbolt's
//!   tasks are `Send` and spread over every worker, so hyper's
//!   multi-threaded model fits as it is.
//! - Timers: [`RingboltTimer`] puts hyper's timeouts on ringbolt's timer
//!   wheels.
//!
//! On top of them, [`serve`] runs a tower service (an axum `Router`) or a
//! hyper service on a listener — HTTP/1.1 with keep-alive and HTTP/2
//! (h2c) on one port, one task per connection, a header-read timeout and
//! graceful shutdown — and [`client`] builds hyper-util's pooled client
//! on a [`Connector`] that resolves with [`lookup_host`](ringbolt::net::lookup_host).
//!
//! With the `tls` feature, `Serve::tls` serves HTTPS (rustls, HTTP/2 or
//! HTTP/1.1 chosen by ALPN) and `HttpsConnector` / `https_client` speak
//! it; the crate re-exports the `rustls` it uses. rustls comes without a
//! crypto provider here: enable one of its features (`ring`, `aws_lc_rs`).
//!
//! ```no_run
//! use std::convert::Infallible;
//! use http_body_util::Full;
//! use hyper::{body::Bytes, service::service_fn, Response};
//!
//! #[ringbolt::main]
//! async fn main() -> std::io::Result<()> {
//!     let listener = ringbolt::net::TcpListener::bind(([127, 0, 0, 1], 8080))?;
//!     let hello = service_fn(|_req| async {
//!         Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("hello\n"))))
//!     });
//!     ringbolt_hyper::serve(listener, hello)
//!         .with_graceful_shutdown(ringbolt::signal::ctrl_c())
//!         .await
//! }
//! ```
#![forbid(unsafe_code)]

mod client;
mod rt;
pub mod server;
#[cfg(feature = "tls")]
mod tls;

pub use client::{client, client_builder, Connecting, Connector};
/// rustls, as this crate uses it (feature `tls`): its configurations and
/// certificate types.
#[cfg(feature = "tls")]
pub use futures_rustls::rustls;
pub use rt::{RingboltExecutor, RingboltIo, RingboltTimer};
pub use server::{serve, Listener, Serve, WithGracefulShutdown};
#[cfg(feature = "tls")]
pub use tls::{https_client, HttpsConnecting, HttpsConnector, HttpsStream};
