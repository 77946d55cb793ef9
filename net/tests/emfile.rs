//! `EMFILE` on accept. A test binary of its own, with one test, because it
//! lowers `RLIMIT_NOFILE` for the whole process.

use ringbolt::net::{TcpListener, TcpStream};
use std::time::Duration;

fn set_nofile(soft: u64) -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit write and read a valid, owned rlimit.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        let old = lim.rlim_cur;
        lim.rlim_cur = soft;
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0);
        old
    }
}

/// The lowest fd number free right now (what the next open would get).
fn next_fd() -> i32 {
    use std::os::fd::AsRawFd;
    let f = std::fs::File::open("/dev/null").unwrap();
    f.as_raw_fd()
}

#[ringbolt::test(worker_threads = 2)]
async fn accept_reports_emfile_and_keeps_serving() {
    let listener = TcpListener::bind(([127, 0, 0, 1], 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    // Open the clients first (std, from a thread: no ring needed), then
    // leave no descriptor free for accept.
    let clients: Vec<_> = (0..2)
        .map(|_| std::net::TcpStream::connect(addr).unwrap())
        .collect();
    let mut filler = Vec::new();
    let old = set_nofile(next_fd() as u64 + 8);
    loop {
        match std::fs::File::open("/dev/null") {
            Ok(f) => filler.push(f),
            Err(e) => {
                assert_eq!(e.raw_os_error(), Some(libc::EMFILE));
                break;
            }
        }
    }
    let res = ringbolt::time::timeout(Duration::from_secs(5), listener.accept()).await;
    let err = res.expect("accept answered").map(drop).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
    // Free descriptors: the listener serves the waiting client.
    drop(filler);
    set_nofile(old);
    let (mut stream, _) = ringbolt::time::timeout(Duration::from_secs(5), listener.accept())
        .await
        .expect("accept answered")
        .unwrap();
    let (res, _) = stream.write_all(b"ok" as &'static [u8]).await;
    res.unwrap();
    let _also = TcpStream::connect(addr).await.unwrap();
    drop(clients);
}
