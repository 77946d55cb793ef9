//! `http_hello_64conn_1w`, `http_hello_64conn_2w`: a hyper "hello" server
//! alone, driven from outside.
//!
//! Both runtimes serve the same hyper service (`service_fn` answering
//! `Hello, World!`) with the same hyper and hyper-util versions and the
//! same connection setup: hyper-util's `auto::Builder` (HTTP/1.1 and h2c),
//! with upgrades, a graceful-shutdown watcher per connection, hyper's
//! header-read timeout on the runtime's timer, `TCP_NODELAY`. ringbolt's
//! side is `ringbolt_hyper::serve`; tokio's is the same loop written with
//! hyper-util's tokio adapters (`TokioIo`, `TokioExecutor`, `TokioTimer`).
//!
//! The clients come from a load generator on its own thread, outside the
//! server's runtime (as wrk or h2load would drive it): one tokio
//! current-thread runtime with one task per connection, each sending
//! [`REQUESTS_PER_CONN`] keep-alive `GET /` requests one after another
//! and reading each response whole before the next. Connecting is untimed;
//! the figure is requests per second and the latency each request sees.
//! The server runs on a fixed number of workers (1 or 2, the row's
//! suffix), whatever `--workers` says.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::channel::oneshot;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};

use super::{latency_stride, loopback_any_port, task_failed, ITERATION_LIMIT};
use crate::runtimes::{AnyRuntime, BenchRuntime, Ringbolt, Tokio};
use crate::workloads::{scaled, Sample, Workload};

/// Connections the load generator opens.
pub const HTTP_CONNECTIONS: usize = 64;
/// Requests per connection per iteration, at scale 1.
pub const REQUESTS_PER_CONN: usize = 200;
/// What every request is.
const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
/// What every response's body is.
const HELLO: &[u8] = b"Hello, World!";

/// The one service both servers run.
async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(HELLO))))
}

/// A runtime that can run the hello server.
pub trait HttpRuntime: BenchRuntime {
    /// Serves the hello service on a new loopback listener, whose address goes to
    /// `addr`, until `stop` fires; then shuts down gracefully.
    fn hello_server(
        addr: mpsc::Sender<SocketAddr>,
        stop: oneshot::Receiver<()>,
    ) -> impl std::future::Future<Output = io::Result<()>> + Send + 'static;
}

impl HttpRuntime for Ringbolt {
    async fn hello_server(
        addr: mpsc::Sender<SocketAddr>,
        stop: oneshot::Receiver<()>,
    ) -> io::Result<()> {
        let listener = ringbolt::net::TcpListener::bind(loopback_any_port())?;
        // The receiver waits for this; if it is gone there is nobody to serve.
        let _ = addr.send(listener.local_addr()?);
        ringbolt_hyper::serve(listener, hyper::service::service_fn(hello))
            .shutdown_grace(ITERATION_LIMIT)
            .with_graceful_shutdown(stop)
            .await
    }
}

impl HttpRuntime for Tokio {
    async fn hello_server(
        addr: mpsc::Sender<SocketAddr>,
        stop: oneshot::Receiver<()>,
    ) -> io::Result<()> {
        use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
        use hyper_util::server::conn::auto::Builder;
        use hyper_util::server::graceful::GracefulShutdown;

        let listener = tokio::net::TcpListener::bind(loopback_any_port()).await?;
        let _ = addr.send(listener.local_addr()?);
        let mut builder = Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(Duration::from_secs(30));
        builder.http2().timer(TokioTimer::new());
        let builder = Arc::new(builder);
        let graceful = GracefulShutdown::new();
        let mut stop = std::pin::pin!(stop);
        loop {
            let (stream, _) = tokio::select! {
                accepted = listener.accept() => accepted?,
                _ = &mut stop => break,
            };
            stream.set_nodelay(true)?;
            let watcher = graceful.watcher();
            let builder = Arc::clone(&builder);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(hello);
                let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                let _ = watcher.watch(conn).await;
            });
        }
        drop(listener);
        tokio::time::timeout(ITERATION_LIMIT, graceful.shutdown())
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "graceful shutdown"))
    }
}

/// The hello server under an external load generator, on `workers`
/// server workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HttpHello {
    /// Server workers (1 or 2).
    pub workers: usize,
}

impl HttpHello {
    /// `(connections, requests per connection)` at `scale`.
    pub fn shape(self, scale: f64) -> (usize, usize) {
        (HTTP_CONNECTIONS, scaled(REQUESTS_PER_CONN, scale))
    }

    /// Runs one iteration with `rt` as the server.
    ///
    /// # Panics
    /// On an I/O error, a bad response, or past [`ITERATION_LIMIT`].
    pub fn run_on<R: HttpRuntime>(self, rt: &R, scale: f64) -> Sample {
        let (conns, reqs) = self.shape(scale);
        serve_hello(rt, conns, reqs)
    }
}

impl Workload for HttpHello {
    fn name(&self) -> &'static str {
        match self.workers {
            1 => "http_hello_64conn_1w",
            _ => "http_hello_64conn_2w",
        }
    }

    fn family(&self) -> &'static str {
        "net"
    }

    fn description(&self) -> &'static str {
        match self.workers {
            1 => "hyper hello server on 1 worker: 64 keep-alive clients x 200 GETs from an external load generator",
            _ => "hyper hello server on 2 workers: 64 keep-alive clients x 200 GETs from an external load generator",
        }
    }

    fn ops_per_iter(&self, scale: f64) -> Option<u64> {
        let (conns, reqs) = self.shape(scale);
        Some((conns * reqs) as u64)
    }

    fn run(&self, rt: &AnyRuntime, scale: f64) -> Sample {
        match rt {
            AnyRuntime::Ringbolt(r) => self.run_on(r, scale),
            AnyRuntime::Tokio(r) => self.run_on(r, scale),
        }
    }

    fn workers(&self, _requested: usize) -> usize {
        self.workers
    }
}

/// One iteration: the hello server on `rt`, the load generator on this
/// thread, then a graceful shutdown of the server.
///
/// # Panics
/// On an I/O error, a bad response, or past [`ITERATION_LIMIT`].
pub fn serve_hello<R: HttpRuntime>(rt: &R, conns: usize, reqs_per_conn: usize) -> Sample {
    let (addr_tx, addr_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = oneshot::channel();
    let server = rt.spawn_remote(R::hello_server(addr_tx, stop_rx));
    let addr = addr_rx
        .recv_timeout(ITERATION_LIMIT)
        .expect("http: the server never reported its address (bind failed?)");
    let sample = http_load_generator(addr, conns, reqs_per_conn)
        .unwrap_or_else(|e| panic!("http: load generator: {e}"));
    let _ = stop_tx.send(());
    match rt.block_on(server) {
        Ok(Ok(())) => sample,
        Ok(Err(e)) => panic!("http: server I/O error: {e}"),
        Err(e) => panic!("http: server task failed: {e:?}"),
    }
}

fn bad_response(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

/// Reads one whole response (head and `Content-Length` body) into `buf`
/// and checks it is a 200 carrying [`HELLO`]; leaves `buf` empty.
async fn read_response(stream: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> io::Result<()> {
    use tokio::io::AsyncReadExt;
    loop {
        if let Some(head_end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..head_end])
                .map_err(|_| bad_response("response head is not UTF-8".into()))?;
            if !head.starts_with("HTTP/1.1 200") {
                return Err(bad_response(format!("unexpected response: {head}")));
            }
            let len = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .ok_or_else(|| bad_response(format!("no content-length: {head}")))?;
            let end = head_end + 4 + len;
            if buf.len() >= end {
                if &buf[head_end + 4..end] != HELLO || buf.len() > end {
                    return Err(bad_response("unexpected body".into()));
                }
                buf.clear();
                return Ok(());
            }
        }
        if buf.len() > 64 * 1024 {
            return Err(bad_response("response larger than 64 KiB".into()));
        }
        if stream.read_buf(buf).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "server closed mid-response",
            ));
        }
    }
}

/// The load generator: `conns` keep-alive connections to `addr`, each
/// sending `reqs_per_conn` requests in turn, from one tokio current-thread
/// runtime on the calling thread. Returns the time from the first request
/// to the last response and every `stride`-th request's latency; the
/// connections are closed when it returns.
///
/// # Errors
/// Connecting, sending or receiving failed, a response was not the
/// expected 200, or the run took longer than [`ITERATION_LIMIT`].
pub fn http_load_generator(
    addr: SocketAddr,
    conns: usize,
    reqs_per_conn: usize,
) -> io::Result<Sample> {
    use tokio::io::AsyncWriteExt;

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let stride = latency_stride(conns * reqs_per_conn);
    let run = async move {
        let mut streams = Vec::with_capacity(conns);
        for _ in 0..conns {
            let s = tokio::net::TcpStream::connect(addr).await?;
            s.set_nodelay(true)?;
            streams.push(s);
        }
        let start = Instant::now();
        let clients: Vec<_> = streams
            .into_iter()
            .map(|mut s| {
                tokio::spawn(async move {
                    let mut buf = Vec::with_capacity(1024);
                    let mut latencies = Vec::with_capacity(reqs_per_conn / stride + 1);
                    for i in 0..reqs_per_conn {
                        let sent = Instant::now();
                        s.write_all(REQUEST).await?;
                        read_response(&mut s, &mut buf).await?;
                        if i % stride == 0 {
                            latencies.push(sent.elapsed());
                        }
                    }
                    io::Result::Ok(latencies)
                })
            })
            .collect();
        let mut latencies = Vec::new();
        for c in clients {
            latencies.extend(c.await.map_err(task_failed)??);
        }
        io::Result::Ok(Sample {
            elapsed: start.elapsed(),
            latencies,
            ..Sample::default()
        })
    };
    rt.block_on(async move {
        tokio::time::timeout(ITERATION_LIMIT, run)
            .await
            .map_err(|_| {
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("load generator ran longer than {ITERATION_LIMIT:?}"),
                )
            })?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(s: &Sample, conns: usize, reqs: usize) {
        assert!(!s.elapsed.is_zero());
        let stride = latency_stride(conns * reqs);
        assert_eq!(s.latencies.len(), conns * reqs.div_ceil(stride));
    }

    #[test]
    fn shape_names_and_workers() {
        let one = HttpHello { workers: 1 };
        let two = HttpHello { workers: 2 };
        assert_eq!(one.shape(1.0), (64, 200));
        assert_eq!(one.ops_per_iter(0.5), Some(6_400));
        assert_eq!((one.workers(8), two.workers(8)), (1, 2));
        assert_ne!(one.name(), two.name());
    }

    #[test]
    fn both_servers_answer_the_load_generator() {
        let rt = Tokio::build(1).unwrap();
        check(&serve_hello(&rt, 4, 10), 4, 10);
        // io_uring may be blocked where the tests run (seccomp, sysctl).
        if let Ok(rt) = Ringbolt::build(1) {
            check(&serve_hello(&rt, 4, 10), 4, 10);
        }
    }

    #[test]
    fn the_generator_rejects_what_is_not_hello() {
        // A server that answers 404 to everything.
        let listener = std::net::TcpListener::bind(loopback_any_port()).unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            use std::io::{Read, Write};
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        });
        let err = http_load_generator(addr, 1, 1).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        server.join().unwrap();
    }
}
