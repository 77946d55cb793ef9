//! Socket ops against the kernel over loopback, at both ring sizes.
mod common;

use common::{block_on, configs};
use ringbolt_reactor::op::{Accept, Connect, Recv, Send, Shutdown, Socket};
use ringbolt_reactor::{submit, Reactor, SharedFd};
use std::net::{Shutdown as How, TcpListener};

#[test]
fn tcp_over_loopback() {
    for cfg in configs() {
        let reactor = Reactor::new(&cfg).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let listener = SharedFd::new(listener.into());
        block_on(&reactor, async move {
            let client = submit(Socket::new(libc::AF_INET, libc::SOCK_STREAM, 0))
                .await
                .unwrap();
            let client = SharedFd::new(client);
            let accept = submit(Accept::new(&listener));
            let connect = submit(Connect::new(&client, addr));
            let (accepted, connected) = futures_util::join!(accept, connect);
            connected.unwrap();
            let (server, peer) = accepted.unwrap();
            assert_eq!(peer.unwrap().ip(), addr.ip());
            let server = SharedFd::new(server);

            let (n, _) = submit(Send::new(&client, b"ping".to_vec(), 0)).await;
            assert_eq!(n.unwrap(), 4);
            let (n, buf) = submit(Recv::new(&server, Vec::with_capacity(16), 0)).await;
            assert_eq!(n.unwrap(), 4);
            assert_eq!(buf, b"ping");

            submit(Shutdown::new(&client, How::Write)).await.unwrap();
            let (n, _) = submit(Recv::new(&server, Vec::with_capacity(16), 0)).await;
            assert_eq!(n.unwrap(), 0, "EOF after shutdown");

            let e = submit(Connect::new(&client, addr)).await.unwrap_err();
            assert_eq!(e.raw_os_error(), Some(libc::EISCONN));
            server.close().await.unwrap();
            client.close().await.unwrap();
        });
    }
}
