//! The echo workload on monoio, the thread-per-core io_uring reference.

use std::io;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use super::{latency_stride, loopback_any_port, short_echo, ITERATION_LIMIT, MESSAGE_SIZE};
use crate::workloads::Sample;

/// The echo workload on monoio, a thread-per-core io_uring runtime, as a
/// reference: `workers` threads, each running its own monoio runtime (io_uring
/// driver) with its own listener, accepting its share of the `conns`
/// clients, which are tasks on the same thread (connection `i` lives on
/// thread `i % workers`; with one connection, one thread does all the work,
/// as thread-per-core runtimes do). Buffers are owned, as in ringbolt.
///
/// Setup (threads, rings, connecting) is untimed; the timed part runs from
/// a barrier all threads pass once connected to the last thread's last
/// round trip.
///
/// # Panics
/// When a monoio runtime cannot be built, on an I/O error, or past
/// [`ITERATION_LIMIT`].
pub fn monoio_echo(workers: usize, conns: usize, msgs_per_conn: usize) -> Sample {
    let workers = workers.clamp(1, conns.max(1));
    let stride = latency_stride(conns * msgs_per_conn);
    let barrier = Arc::new(Barrier::new(workers + 1));
    let threads: Vec<_> = (0..workers)
        .map(|t| {
            let mine = (t..conns).step_by(workers).count();
            let barrier = barrier.clone();
            thread::Builder::new()
                .name(format!("monoio-{t}"))
                .spawn(move || monoio_thread(mine, msgs_per_conn, stride, &barrier))
                .expect("spawn monoio thread")
        })
        .collect();
    barrier.wait();
    let mut start: Option<Instant> = None;
    let mut end: Option<Instant> = None;
    let mut latencies = Vec::new();
    for t in threads {
        match t.join() {
            Ok(Ok((started, done, lat))) => {
                start = Some(start.map_or(started, |s| s.min(started)));
                end = Some(end.map_or(done, |e| e.max(done)));
                latencies.extend(lat);
            }
            Ok(Err(e)) => panic!("monoio echo: I/O error: {e}"),
            Err(p) => std::panic::resume_unwind(p),
        }
    }
    let (start, end) = start.zip(end).expect("at least one monoio thread");
    Sample {
        elapsed: end.duration_since(start),
        latencies,
        ..Sample::default()
    }
}

/// One monoio thread of [`monoio_echo`]: returns when its last client
/// finished, and its sampled latencies.
fn monoio_thread(
    conns: usize,
    msgs: usize,
    stride: usize,
    barrier: &Barrier,
) -> io::Result<(Instant, Instant, Vec<Duration>)> {
    use monoio::io::{AsyncReadRent, AsyncWriteRentExt};
    use monoio::net::{TcpListener, TcpStream};

    async fn client(mut s: TcpStream, msgs: usize, stride: usize) -> io::Result<Vec<Duration>> {
        let mut latencies = Vec::with_capacity(msgs / stride + 1);
        let mut msg = vec![0x5a; MESSAGE_SIZE];
        let mut buf = Vec::with_capacity(MESSAGE_SIZE);
        for i in 0..msgs {
            let sent = Instant::now();
            let (res, m) = s.write_all(msg).await;
            res?;
            msg = m;
            let mut got = 0;
            while got < MESSAGE_SIZE {
                buf.clear();
                let (res, b) = s.read(buf).await;
                buf = b;
                match res? {
                    0 => return Err(short_echo(got)),
                    n => got += n,
                }
            }
            if i % stride == 0 {
                latencies.push(sent.elapsed());
            }
        }
        Ok(latencies)
    }

    fn timed_out() -> io::Error {
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!("monoio echo ran longer than {ITERATION_LIMIT:?}"),
        )
    }

    let mut rt = match monoio::RuntimeBuilder::<monoio::IoUringDriver>::new()
        .enable_timer()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            // The other threads and the timer wait for everyone.
            barrier.wait();
            return Err(e);
        }
    };
    rt.block_on(async move {
        let setup = async move {
            let listener = TcpListener::bind(loopback_any_port())?;
            let addr = listener.local_addr()?;
            let acceptor = monoio::spawn(async move {
                let mut servers = Vec::with_capacity(conns);
                for _ in 0..conns {
                    let (s, _) = listener.accept().await?;
                    s.set_nodelay(true)?;
                    servers.push(monoio::spawn(monoio_serve(s)));
                }
                io::Result::Ok(servers)
            });
            let mut streams = Vec::with_capacity(conns);
            for _ in 0..conns {
                let s = TcpStream::connect(addr).await?;
                s.set_nodelay(true)?;
                streams.push(s);
            }
            io::Result::Ok((streams, acceptor.await?))
        };
        let setup = monoio::time::timeout(ITERATION_LIMIT, setup).await;
        // Everyone connected (or failed): start together. Blocking here is
        // fine: nothing on this thread has work until the clients start.
        barrier.wait();
        // Each thread takes its own start: the bench thread may be
        // descheduled after the barrier while this one already runs.
        let started = Instant::now();
        let (streams, servers) = setup.map_err(|_| timed_out())??;
        let work = async move {
            let clients: Vec<_> = streams
                .into_iter()
                .map(|s| monoio::spawn(client(s, msgs, stride)))
                .collect();
            let mut latencies = Vec::new();
            for c in clients {
                latencies.extend(c.await?);
            }
            let done = Instant::now();
            for s in servers {
                s.await?;
            }
            io::Result::Ok((started, done, latencies))
        };
        monoio::time::timeout(ITERATION_LIMIT, work)
            .await
            .map_err(|_| timed_out())?
    })
}

/// A monoio echo server's connection task: echoes until end of stream.
pub(super) async fn monoio_serve(mut s: monoio::net::TcpStream) -> io::Result<()> {
    use monoio::io::{AsyncReadRent, AsyncWriteRentExt};
    let mut buf = Vec::with_capacity(MESSAGE_SIZE);
    loop {
        buf.clear();
        let (res, b) = s.read(buf).await;
        if res? == 0 {
            return Ok(());
        }
        let (res, b) = s.write_all(b).await;
        res?;
        buf = b;
    }
}
