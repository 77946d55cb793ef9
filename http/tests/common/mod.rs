//! What the HTTP tests share: a test service, checksums, a server runner.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};
use ringbolt::net::TcpListener;
use ringbolt::sync::Notify;

/// Long enough for the slowest machine; a bug fails instead of hanging.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// The body type of the tests' requests and responses.
pub type TestBody = BoxBody<Bytes, Infallible>;

/// 64-bit FNV-1a, folded over every chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fnv(pub u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Chunk `i` of a deterministic stream, 64 KiB each.
pub fn chunk(i: usize, seed: u8) -> Bytes {
    (0..64 * 1024usize)
        .map(|j| (i.wrapping_mul(131) ^ j.wrapping_mul(7)) as u8 ^ seed)
        .collect::<Vec<u8>>()
        .into()
}

/// A body of `chunks` chunks, streamed one at a time.
pub fn streamed(chunks: usize, seed: u8) -> TestBody {
    let frames = futures::stream::iter(0..chunks).map(move |i| Ok(Frame::data(chunk(i, seed))));
    BodyExt::boxed(StreamBody::new(frames))
}

/// The checksum of `streamed(chunks, seed)`.
pub fn expected(chunks: usize, seed: u8) -> Fnv {
    let mut fnv = Fnv::default();
    for i in 0..chunks {
        fnv.update(&chunk(i, seed));
    }
    fnv
}

/// Reads a body to its end, checksumming it.
pub async fn checksum<B>(mut body: B) -> (Fnv, usize)
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Debug,
{
    let mut fnv = Fnv::default();
    let mut len = 0;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            fnv.update(&data);
            len += data.len();
        }
    }
    (fnv, len)
}

pub fn full(text: &'static str) -> TestBody {
    BodyExt::boxed(Full::new(Bytes::from_static(text.as_bytes())))
}

/// The tests' service:
/// - `/` answers `hello`;
/// - `/upload` checksums the request body, answers with the checksum in
///   `x-checksum` and a 10 MB streamed body (seed 9);
/// - `/slow` tells `started`, then waits for `release` before answering.
#[derive(Clone, Default)]
pub struct TestService {
    pub started: Arc<Notify>,
    pub release: Arc<Notify>,
}

pub const BIG_CHUNKS: usize = 160; // 160 × 64 KiB = 10 MiB

impl TestService {
    pub async fn call(self, req: Request<Incoming>) -> Result<Response<TestBody>, Infallible> {
        Ok(match req.uri().path() {
            "/upload" => {
                let (sum, len) = checksum(req.into_body()).await;
                Response::builder()
                    .header("x-checksum", sum.0.to_string())
                    .header("x-length", len.to_string())
                    .body(streamed(BIG_CHUNKS, 9))
                    .unwrap()
            }
            "/slow" => {
                self.started.notify_one();
                self.release.notified().await;
                Response::new(full("slow done"))
            }
            _ => Response::new(full("hello")),
        })
    }

    pub fn hyper(
        self,
    ) -> impl hyper::service::Service<
        Request<Incoming>,
        Response = Response<TestBody>,
        Error = Infallible,
        Future: Send,
    > + Clone
           + Send
           + 'static {
        hyper::service::service_fn(move |req| self.clone().call(req))
    }
}

/// A listener on 127.0.0.1 and its address.
pub fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Reads from a raw stream until end of stream or error (both mean the
/// server closed it), giving what came; bounded by `PATIENCE`.
pub async fn read_until_closed(stream: &mut ringbolt::net::TcpStream) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let read_all = async {
        loop {
            let (n, buf) = stream.read(Vec::with_capacity(4096)).await;
            match n {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    ringbolt::time::timeout(PATIENCE, read_all).await.ok()?;
    Some(got)
}
