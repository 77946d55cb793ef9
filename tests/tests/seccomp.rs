//! `Runtime::new()` where io_uring is blocked returns an error that names
//! the cause. The check runs in a child process (this same test binary,
//! re-run with an environment variable) under a seccomp filter that denies
//! the three io_uring system calls the way Docker's default profile does.

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

#[test]
fn runtime_new_under_a_seccomp_filter_names_the_cause() {
    if std::env::var_os(CHILD).is_some() {
        deny_io_uring();
        let err = ringbolt::Runtime::new().expect_err("io_uring is denied");
        println!("KIND={:?}", err.kind());
        println!("MESSAGE={err}");
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "runtime_new_under_a_seccomp_filter_names_the_cause",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("KIND=PermissionDenied"), "{stdout}");
    let message = stdout.lines().find(|l| l.starts_with("MESSAGE=")).unwrap();
    assert!(
        message.contains("seccomp"),
        "the message should name seccomp: {message}"
    );
    assert!(
        message.contains("io_uring_disabled"),
        "and the sysctl to check: {message}"
    );
}
