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

/// `MSG_TRUNC` on a datagram socket makes `recv` report the datagram's full
/// length, more than the buffer holds: the count comes back as the kernel
/// gave it, and the buffer is marked initialised only up to its capacity
/// (a Vec's length past its capacity is undefined behaviour).
#[test]
fn recv_msg_trunc_never_marks_past_the_buffer() {
    use ringbolt_reactor::op::RecvMsg;
    use ringbolt_reactor::IoBuf;
    let reactor = Reactor::new(&Default::default()).unwrap();
    let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    tx.connect(rx.local_addr().unwrap()).unwrap();
    let datagram = b"0123456789";
    let rx = SharedFd::new(rx.into());
    block_on(&reactor, async move {
        // A view of 4 bytes of a larger allocation: the kernel gets 4
        // bytes, the Vec has room for 64.
        tx.send(datagram).unwrap();
        let view = Vec::<u8>::with_capacity(64).slice(..4);
        let (n, view) = submit(Recv::new(&rx, view, libc::MSG_TRUNC)).await;
        assert_eq!(
            n.unwrap(),
            datagram.len(),
            "MSG_TRUNC reports the full length"
        );
        assert_eq!(view.into_inner(), &datagram[..4]);

        tx.send(datagram).unwrap();
        let (n, buf) = submit(Recv::new(&rx, Vec::with_capacity(4), libc::MSG_TRUNC)).await;
        assert_eq!(n.unwrap(), datagram.len());
        assert!(buf.len() <= buf.capacity());
        assert_eq!(buf, &datagram[..buf.capacity()]);

        tx.send(datagram).unwrap();
        let bufs = vec![Vec::with_capacity(3), Vec::with_capacity(3)];
        let op = RecvMsg::new(&rx, bufs, libc::MSG_TRUNC).unwrap();
        let (out, bufs) = submit(op).await;
        let out = out.unwrap();
        assert_eq!(out.len, datagram.len());
        assert_ne!(out.flags & libc::MSG_TRUNC, 0);
        let got: Vec<u8> = bufs.concat();
        assert_eq!(
            got,
            &datagram[..bufs.iter().map(|b| b.bytes_total()).sum::<usize>()]
        );
    });
}
