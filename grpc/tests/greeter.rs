//! tonic on ringbolt: the generated greeter server served by
//! ringbolt-hyper, called by the generated client over hyper-util's
//! client on ringbolt; unary and server-streaming calls, errors as gRPC
//! statuses, many calls on one HTTP/2 connection, graceful shutdown; and
//! no tokio runtime anywhere (`tokio::runtime::Handle::try_current()`
//! fails around every poll of the client and in every handler).

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::StreamExt;
use ringbolt::net::TcpListener;
use ringbolt::time::timeout;
use ringbolt_grpc_greeter::pb::greeter_server::{Greeter as GreeterApi, GreeterServer};
use ringbolt_grpc_greeter::pb::{HelloReply, HelloRequest, HellosRequest};
use ringbolt_grpc_greeter::{client, Greeter, HelloStream, MAX_HELLOS};
use tonic::{Code, Request, Response, Status};

/// Long enough for the slowest machine; a bug fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(30);

fn no_tokio_here(when: &str) {
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        panic!(
            "a tokio runtime is entered {when}: {:?}",
            handle.runtime_flavor()
        );
    }
}

/// Polls a future, checking before and after each poll that no tokio
/// runtime is entered on the polling thread.
struct NoTokio<F>(Pin<Box<F>>);

impl<F: Future> Future for NoTokio<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        no_tokio_here("before a poll");
        let out = self.0.as_mut().poll(cx);
        no_tokio_here("after a poll");
        out
    }
}

/// The greeter, checking in every handler that no tokio runtime is
/// entered, and counting its calls.
#[derive(Clone, Default)]
struct Checked {
    calls: Arc<AtomicUsize>,
}

#[tonic::async_trait]
impl GreeterApi for Checked {
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        no_tokio_here("in SayHello");
        self.calls.fetch_add(1, Ordering::Relaxed);
        Greeter.say_hello(request).await
    }

    type SayHellosStream = HelloStream;

    async fn say_hellos(
        &self,
        request: Request<HellosRequest>,
    ) -> Result<Response<HelloStream>, Status> {
        no_tokio_here("in SayHellos");
        self.calls.fetch_add(1, Ordering::Relaxed);
        Greeter.say_hellos(request).await
    }
}

/// A listener that counts the connections it accepts.
struct Counting {
    inner: TcpListener,
    accepted: Arc<AtomicUsize>,
}

impl ringbolt_hyper::Listener for Counting {
    type Io = ringbolt::net::TcpStream;
    type Addr = SocketAddr;

    async fn accept(&self) -> std::io::Result<(Self::Io, SocketAddr)> {
        let accepted = ringbolt_hyper::Listener::accept(&self.inner).await?;
        self.accepted.fetch_add(1, Ordering::Relaxed);
        Ok(accepted)
    }
}

/// A running server.
struct Server {
    task: ringbolt::task::JoinHandle<std::io::Result<()>>,
    addr: SocketAddr,
    /// Connections accepted so far.
    accepted: Arc<AtomicUsize>,
}

/// Serves `greeter` on 127.0.0.1 until `stop` fires.
fn start(greeter: Checked, stop: ringbolt::sync::oneshot::Receiver<()>) -> Server {
    let inner = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
    let addr = inner.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let listener = Counting {
        inner,
        accepted: Arc::clone(&accepted),
    };
    let task = ringbolt::spawn(NoTokio(Box::pin(
        ringbolt_hyper::serve(listener, GreeterServer::new(greeter))
            .with_graceful_shutdown(async move {
                let _ = stop.await;
            })
            .into_future(),
    )));
    Server {
        task,
        addr,
        accepted,
    }
}

fn origin(addr: SocketAddr) -> http::Uri {
    format!("http://{addr}").parse().unwrap()
}

#[test]
fn unary_and_streaming_calls_without_a_tokio_runtime() {
    ringbolt::run(NoTokio(Box::pin(async {
        let greeter = Checked::default();
        let (stop_tx, stop_rx) = ringbolt::sync::oneshot::channel();
        let server = start(greeter.clone(), stop_rx);
        let addr = server.addr;
        let calls = ringbolt::spawn(NoTokio(Box::pin(async move {
            let mut client = client(origin(addr));
            let reply = client
                .say_hello(HelloRequest {
                    name: "ringbolt".into(),
                })
                .await
                .unwrap()
                .into_inner();
            assert_eq!(reply.message, "Hello, ringbolt!");

            let request = HellosRequest {
                name: "stream".into(),
                count: 1000,
            };
            let mut replies = client.say_hellos(request).await.unwrap().into_inner();
            let mut count = 0;
            while let Some(reply) = replies.next().await {
                let reply = reply.unwrap();
                assert_eq!(reply.index, count, "out of order");
                assert_eq!(reply.message, format!("Hello #{count}, stream!"));
                count += 1;
            }
            assert_eq!(count, 1000, "the stream ended early");

            // Refusals arrive as statuses, and the connection lives on.
            let empty = HelloRequest {
                name: String::new(),
            };
            let status = client.say_hello(empty).await.unwrap_err();
            assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
            assert_eq!(status.message(), "the name is empty");
            let too_many = HellosRequest {
                name: "x".into(),
                count: MAX_HELLOS + 1,
            };
            let status = client.say_hellos(too_many).await.unwrap_err();
            assert_eq!(status.code(), Code::OutOfRange, "{status:?}");
            let again = HelloRequest {
                name: "again".into(),
            };
            let reply = client.say_hello(again).await.unwrap().into_inner();
            assert_eq!(reply.message, "Hello, again!");
        })));
        timeout(PATIENCE, calls).await.unwrap().unwrap();
        assert_eq!(greeter.calls.load(Ordering::Relaxed), 5);
        stop_tx.send(()).unwrap();
        timeout(PATIENCE, server.task)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    })))
    .unwrap();
    let threads: Vec<String> = std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .map(|name| name.trim().to_string())
        .collect();
    assert!(
        !threads.iter().any(|n| n.starts_with("tokio")),
        "tokio threads: {threads:?}"
    );
}

#[ringbolt::test(worker_threads = 2)]
async fn concurrent_calls_share_one_http2_connection() {
    let greeter = Checked::default();
    let (_stop_tx, stop_rx) = ringbolt::sync::oneshot::channel();
    let server = start(greeter.clone(), stop_rx);
    // One client, cloned: its channel's pool holds one HTTP/2 connection.
    // One call first, so that the connection is in the pool: calls that
    // race its handshake may make hyper-util's pool open a second one.
    let mut client = client(origin(server.addr));
    let first = HelloRequest {
        name: "first".into(),
    };
    timeout(PATIENCE, client.say_hello(first))
        .await
        .unwrap()
        .unwrap();
    let calls: Vec<_> = (0..200u32)
        .map(|i| {
            let mut client = client.clone();
            ringbolt::spawn(NoTokio(Box::pin(async move {
                if i % 2 == 0 {
                    let name = format!("caller {i}");
                    let reply = client.say_hello(HelloRequest { name }).await?;
                    Ok::<_, Status>(vec![reply.into_inner().message])
                } else {
                    let request = HellosRequest {
                        name: format!("caller {i}"),
                        count: i % 7,
                    };
                    let replies = client.say_hellos(request).await?.into_inner();
                    let replies: Vec<_> = replies.collect().await;
                    replies
                        .into_iter()
                        .map(|r| r.map(|r| r.message))
                        .collect::<Result<Vec<_>, _>>()
                }
            })))
        })
        .collect();
    for (i, call) in (0..200u32).zip(calls) {
        let got = timeout(PATIENCE, call).await.unwrap().unwrap().unwrap();
        let want: Vec<String> = if i % 2 == 0 {
            vec![format!("Hello, caller {i}!")]
        } else {
            (0..i % 7)
                .map(|n| format!("Hello #{n}, caller {i}!"))
                .collect()
        };
        assert_eq!(got, want, "call {i}");
    }
    assert_eq!(greeter.calls.load(Ordering::Relaxed), 201);
    assert_eq!(server.accepted.load(Ordering::Relaxed), 1, "connections");
}

#[ringbolt::test(worker_threads = 2)]
async fn graceful_shutdown_lets_a_stream_in_flight_finish() {
    let (stop_tx, stop_rx) = ringbolt::sync::oneshot::channel();
    let server = start(Checked::default(), stop_rx);
    let mut client = client(origin(server.addr));
    // Large enough that the server is still sending when shutdown starts.
    let request = HellosRequest {
        name: "last".into(),
        count: MAX_HELLOS,
    };
    let mut replies = timeout(PATIENCE, client.say_hellos(request))
        .await
        .unwrap()
        .unwrap()
        .into_inner();
    let first = timeout(PATIENCE, replies.next()).await.unwrap();
    assert_eq!(first.unwrap().unwrap().index, 0);
    stop_tx.send(()).unwrap();
    let mut count = 1;
    let rest = async {
        while let Some(reply) = replies.next().await {
            assert_eq!(reply.unwrap().index, count);
            count += 1;
        }
    };
    timeout(PATIENCE, rest).await.unwrap();
    assert_eq!(count, MAX_HELLOS, "the stream was cut short");
    timeout(PATIENCE, server.task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}
