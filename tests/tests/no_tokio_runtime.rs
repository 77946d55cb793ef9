//! The tokio ecosystem runs on ringbolt with no tokio runtime anywhere in
//! the process: `tokio::runtime::Handle::try_current()` fails on every poll
//! of a TLS exchange and a codec exchange inside ringbolt tasks, and no
//! thread of the process is a tokio worker.

mod tls_setup;

use futures::{SinkExt, StreamExt};
use ringbolt::net::{TcpListener, TcpStream, UnixStream};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::codec::{Framed, LinesCodec};

/// Polls a future, checking before and after each poll that no tokio
/// runtime is entered on the polling thread.
struct NoTokio<F>(Pin<Box<F>>);

fn no_tokio_here(when: &str) {
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        panic!(
            "a tokio runtime is entered {when}: {:?}",
            handle.runtime_flavor()
        );
    }
}

impl<F: Future> Future for NoTokio<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        no_tokio_here("before a poll");
        let out = self.0.as_mut().poll(cx);
        no_tokio_here("after a poll");
        out
    }
}

fn spawn_checked<F>(fut: F) -> ringbolt::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    ringbolt::spawn(NoTokio(Box::pin(fut)))
}

/// Names of the process's threads.
fn thread_names() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .map(|name| name.trim().to_string())
        .collect()
}

#[test]
fn tls_and_codecs_run_without_a_tokio_runtime() {
    ringbolt::run(async {
        let (acceptor, connector) = tls_setup::acceptor_and_connector();
        let listener = TcpListener::bind(([127, 0, 0, 1], 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let server = spawn_checked(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut tls = acceptor.accept(tcp).await.unwrap();
            let mut request = [0; 4];
            tls.read_exact(&mut request).await.unwrap();
            tls.write_all(b"pong").await.unwrap();
            tls.shutdown().await.unwrap();
            request
        });
        let client = spawn_checked(async move {
            let tcp = TcpStream::connect(addr).await.unwrap();
            let mut tls = connector
                .connect(tls_setup::localhost(), tcp)
                .await
                .unwrap();
            tls.write_all(b"ping").await.unwrap();
            tls.flush().await.unwrap();
            let mut reply = Vec::new();
            tls.read_to_end(&mut reply).await.unwrap();
            reply
        });

        let (a, b) = UnixStream::pair().unwrap();
        let codec = spawn_checked(async move {
            let mut a = Framed::new(a, LinesCodec::new());
            let mut b = Framed::new(b, LinesCodec::new());
            a.send("over a codec").await.unwrap();
            b.next().await.unwrap().unwrap()
        });

        let all = async {
            assert_eq!(&server.await.unwrap(), b"ping");
            assert_eq!(client.await.unwrap(), b"pong");
            assert_eq!(codec.await.unwrap(), "over a codec");
        };
        ringbolt::time::timeout(Duration::from_secs(60), NoTokio(Box::pin(all)))
            .await
            .expect("exchange hung");
        let names = thread_names();
        assert!(names.iter().any(|n| n.starts_with("ringbolt")), "{names:?}");
        assert!(
            !names.iter().any(|n| n.starts_with("tokio")),
            "tokio threads: {names:?}"
        );
    })
    .unwrap();
}
