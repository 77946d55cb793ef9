//! Where io_uring is blocked, `Runtime::new()` starts on the readiness
//! driver, says so and why, and serves sockets and files; the strict mode
//! (`Builder::driver(Driver::IoUring)`) fails with an error that names the
//! cause. The checks run in a child process (this same test binary, re-run
//! with an environment variable) under a seccomp filter that denies the
//! three io_uring system calls the way Docker's default profile does.

use std::collections::BTreeMap;
use std::process::Command;

const CHILD: &str = "RINGBOLT_SECCOMP_CHILD";

fn deny_io_uring() {
    use seccompiler::{BpfProgram, SeccompAction, SeccompFilter};
    let rules = [
        libc::SYS_io_uring_setup,
        libc::SYS_io_uring_enter,
        libc::SYS_io_uring_register,
    ]
    .into_iter()
    .map(|nr| (nr, vec![]))
    .collect::<BTreeMap<_, _>>();
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        std::env::consts::ARCH.try_into().expect("supported arch"),
    )
    .unwrap();
    let program: BpfProgram = filter.try_into().unwrap();
    seccompiler::apply_filter(&program).unwrap();
}

/// In the child, under the filter: a TCP echo served by a task, a file
/// read, then the strict mode's error.
fn child() {
    deny_io_uring();
    let rt = ringbolt::Runtime::new().expect("the readiness driver starts");
    println!("DRIVER={:?}", rt.handle().driver());
    println!("METRICS_DRIVER={:?}", rt.handle().metrics().driver);
    println!(
        "REASON={}",
        rt.handle().fallback_reason().unwrap_or_default()
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::write(&path, b"read without a ring").unwrap();
    rt.block_on(async move {
        let listener = ringbolt::net::TcpListener::bind(([127, 0, 0, 1], 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let server = ringbolt::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            loop {
                let (n, buf) = stream.read(Vec::with_capacity(1024)).await;
                let n = n.unwrap();
                if n == 0 {
                    break;
                }
                stream.write_all(buf).await.0.unwrap();
            }
        });
        let mut client = ringbolt::net::TcpStream::connect(addr).await.unwrap();
        let mut echoed = Vec::new();
        for i in 0..100u32 {
            let msg = format!("message {i}\n").into_bytes();
            client.write_all(msg.clone()).await.0.unwrap();
            let mut got = Vec::new();
            while got.len() < msg.len() {
                let (n, buf) = client.read(Vec::with_capacity(64)).await;
                got.extend_from_slice(&buf[..n.unwrap()]);
            }
            assert_eq!(got, msg);
            echoed.extend(got);
        }
        drop(client);
        server.await.unwrap();
        println!("ECHO={}", echoed.len());
        let text = ringbolt::fs::read_to_string(&path).await.unwrap();
        println!("FILE={text}");
    });
    drop(rt);
    let err = ringbolt::runtime::Builder::new()
        .driver(ringbolt::runtime::Driver::IoUring)
        .build()
        .expect_err("io_uring is denied and the strict mode refuses to fall back");
    println!("KIND={:?}", err.kind());
    println!("MESSAGE={err}");
}

#[test]
fn under_a_seccomp_filter_the_runtime_falls_back_and_the_strict_mode_names_the_cause() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "under_a_seccomp_filter_the_runtime_falls_back_and_the_strict_mode_names_the_cause",
            "--nocapture",
        ])
        .env(CHILD, "1")
        // The fallback is what is tested, not a forced driver.
        .env_remove(ringbolt::runtime::DRIVER_ENV)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = |key: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("no {key} in the child's output: {stdout}"))
            .to_string()
    };
    assert_eq!(line("DRIVER="), "Epoll");
    assert_eq!(line("METRICS_DRIVER="), "Epoll");
    assert!(line("REASON=").contains("seccomp"), "{stdout}");
    assert_eq!(line("ECHO="), "1090", "100 echoed messages");
    assert_eq!(line("FILE="), "read without a ring");
    assert_eq!(line("KIND="), "PermissionDenied");
    let message = line("MESSAGE=");
    assert!(
        message.contains("seccomp"),
        "the message should name seccomp: {message}"
    );
    assert!(
        message.contains("io_uring_disabled"),
        "and the sysctl to check: {message}"
    );
}
