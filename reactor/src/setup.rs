//! Ring creation: flag probing with step-down, io-wq caps, and a diagnosis
//! of why io_uring cannot be used.

use crate::config::RingConfig;
use io_uring::IoUring;
use std::io;

/// Flag sets tried in order; each later one drops what an older kernel lacks.
///
/// Never `DEFER_TASKRUN`: with it the kernel posts a ring's completions
/// only when its owner enters the kernel, so a worker stuck in one long
/// poll would hold them from every other thread. Never `SINGLE_ISSUER`
/// either: another worker may then submit what a stuck owner queued (see
/// [`completion`](crate::completion)); only the owner ever writes SQEs.
/// `COOP_TASKRUN` spares the owner an interrupt per completion: the kernel
/// runs the completion work at the owner's next kernel entry or timer tick.
const STEPS: [Flags; 4] = [
    Flags {
        coop_taskrun: true,
        submit_all: true,
        no_sqarray: true,
    },
    // NO_SQARRAY is 6.6.
    Flags {
        coop_taskrun: true,
        submit_all: true,
        no_sqarray: false,
    },
    // COOP_TASKRUN and TASKRUN_FLAG are 5.19.
    Flags {
        coop_taskrun: false,
        submit_all: true,
        no_sqarray: false,
    },
    Flags {
        coop_taskrun: false,
        submit_all: false,
        no_sqarray: false,
    },
];

#[derive(Clone, Copy, Debug)]
struct Flags {
    /// `COOP_TASKRUN | TASKRUN_FLAG`.
    coop_taskrun: bool,
    submit_all: bool,
    no_sqarray: bool,
}

/// Builds the ring on the calling thread (its owner: the only writer of its SQ).
pub(crate) fn build_ring(config: &RingConfig) -> io::Result<IoUring> {
    if config.sq_entries == 0 || config.cq_entries < config.sq_entries {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "RingConfig: sq_entries must be > 0 and cq_entries >= sq_entries",
        ));
    }
    let mut last = None;
    for flags in STEPS {
        let mut builder = IoUring::builder();
        builder.setup_cqsize(config.cq_entries).setup_clamp();
        if flags.coop_taskrun {
            builder.setup_coop_taskrun().setup_taskrun_flag();
        }
        if flags.submit_all {
            builder.setup_submit_all();
        }
        if flags.no_sqarray {
            builder.setup_no_sqarray();
        }
        match builder.build(config.sq_entries) {
            Ok(ring) => {
                if !ring.params().is_feature_ext_arg() || !ring.params().is_feature_nodrop() {
                    let e = io::Error::from(io::ErrorKind::Unsupported);
                    return Err(with_message(
                        e,
                        "the kernel lacks IORING_FEAT_EXT_ARG or IORING_FEAT_NODROP \
                         (Linux 5.11+ needed); run ringbolt on a newer kernel"
                            .to_string(),
                        true,
                    ));
                }
                let mut max = [config.iowq_max_workers; 2];
                // Best effort: 5.15+; an older kernel just keeps its defaults.
                let _ = ring.submitter().register_iowq_max_workers(&mut max);
                return Ok(ring);
            }
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => last = Some(e),
            Err(e) => return Err(diagnose(e, read_disabled_sysctl())),
        }
    }
    let e = last.expect("at least one step was tried");
    Err(with_message(
        e,
        "io_uring_setup rejected every flag set ringbolt knows (EINVAL): the kernel is too old \
         (Linux 5.11+ needed, 6.1+ recommended); run ringbolt on a newer kernel"
            .to_string(),
        true,
    ))
}

/// `/proc/sys/kernel/io_uring_disabled`, absent before Linux 6.6.
fn read_disabled_sysctl() -> Option<u32> {
    std::fs::read_to_string("/proc/sys/kernel/io_uring_disabled")
        .ok()
        .and_then(|s| s.trim().parse().ok())
}

/// Explains a failed `io_uring_setup`; keeps the original error's kind and
/// keeps the original error (with its `raw_os_error`) as the source.
pub(crate) fn diagnose(e: io::Error, disabled_sysctl: Option<u32>) -> io::Error {
    let why = match e.raw_os_error() {
        Some(libc::ENOSYS) => "io_uring_setup is not available (ENOSYS): either the kernel is \
            older than 5.1 or built without CONFIG_IO_URING, or a seccomp filter denies the \
            syscall (Docker's default profile does). Run on a newer kernel, or allow \
            io_uring_setup, io_uring_enter and io_uring_register in the seccomp profile \
            (e.g. `docker run --security-opt seccomp=<profile allowing io_uring>`)"
            .to_string(),
        Some(libc::EPERM) | Some(libc::EACCES) => match disabled_sysctl {
            Some(2) => "io_uring is disabled system-wide (sysctl kernel.io_uring_disabled = 2). \
                Set `sysctl kernel.io_uring_disabled=0` to use ringbolt"
                .to_string(),
            Some(1) => "io_uring is restricted to privileged users and the group in \
                kernel.io_uring_group (sysctl kernel.io_uring_disabled = 1). Add this user to \
                that group, run with CAP_SYS_ADMIN, or set `sysctl kernel.io_uring_disabled=0`"
                .to_string(),
            _ => "io_uring_setup was denied (EPERM/EACCES) although kernel.io_uring_disabled \
                does not forbid it: a seccomp filter (e.g. Docker's default profile) or a \
                security module blocks io_uring. Allow io_uring_setup, io_uring_enter and \
                io_uring_register for this process"
                .to_string(),
        },
        Some(libc::ENOMEM) => "io_uring_setup could not allocate the ring (ENOMEM): kernels \
            before 5.12 charge ring memory to RLIMIT_MEMLOCK, which is too low. Raise it \
            (`ulimit -l`, LimitMEMLOCK= in systemd, --ulimit memlock in Docker) or use \
            smaller rings"
            .to_string(),
        Some(libc::EMFILE) | Some(libc::ENFILE) => {
            "io_uring_setup: out of file descriptors (the ring needs one); raise `ulimit -n`"
                .to_string()
        }
        _ => format!("io_uring_setup failed: {e}"),
    };
    // What the host denies or lacks; not a lack of memory or descriptors
    // that the readiness driver would meet too (memlock is io_uring's own).
    let unavailable = matches!(
        e.raw_os_error(),
        Some(libc::ENOSYS | libc::EPERM | libc::EACCES | libc::ENOMEM)
    );
    with_message(e, why, unavailable)
}

fn with_message(e: io::Error, message: String, unavailable: bool) -> io::Error {
    io::Error::new(
        e.kind(),
        SetupError {
            message,
            source: e,
            unavailable,
        },
    )
}

/// Whether `e` is a ring-setup error that says io_uring cannot be used
/// on this host (a seccomp filter, `kernel.io_uring_disabled`, `ENOSYS`, an
/// old kernel, the memlock limit): the cases where a runtime may run the
/// readiness driver instead. Errors any driver would meet (out of
/// descriptors, a bad configuration) are not.
pub fn io_uring_unavailable(e: &io::Error) -> bool {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<SetupError>())
        .is_some_and(|s| s.unavailable)
}

/// The diagnosed error; its `source()` is the original OS error.
#[derive(Debug)]
struct SetupError {
    message: String,
    source: io::Error,
    /// See [`io_uring_unavailable`].
    unavailable: bool,
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ringbolt cannot use io_uring: {}", self.message)
    }
}

impl std::error::Error for SetupError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn message(errno: i32, sysctl: Option<u32>) -> io::Error {
        diagnose(io::Error::from_raw_os_error(errno), sysctl)
    }

    #[test]
    fn each_cause_is_named_and_kind_kept() {
        let e = message(libc::ENOSYS, Some(0));
        assert_eq!(e.kind(), io::ErrorKind::Unsupported);
        assert!(e.to_string().contains("seccomp") && e.to_string().contains("5.1"));
        let e = message(libc::EPERM, Some(2));
        assert_eq!(e.kind(), io::ErrorKind::PermissionDenied);
        assert!(e.to_string().contains("io_uring_disabled = 2"));
        assert!(message(libc::EACCES, Some(1))
            .to_string()
            .contains("io_uring_group"));
        assert!(message(libc::EPERM, Some(0))
            .to_string()
            .contains("seccomp"));
        assert!(message(libc::EPERM, None).to_string().contains("seccomp"));
        assert!(message(libc::ENOMEM, None)
            .to_string()
            .contains("RLIMIT_MEMLOCK"));
        let src = e
            .get_ref()
            .and_then(|inner| inner.source())
            .expect("source kept");
        let os = src.downcast_ref::<io::Error>().expect("io::Error source");
        assert_eq!(os.raw_os_error(), Some(libc::EPERM));
    }

    #[test]
    fn only_what_the_host_denies_allows_the_readiness_driver() {
        for errno in [libc::ENOSYS, libc::EPERM, libc::EACCES, libc::ENOMEM] {
            assert!(io_uring_unavailable(&message(errno, Some(0))), "{errno}");
        }
        assert!(!io_uring_unavailable(&message(libc::EMFILE, None)));
        assert!(!io_uring_unavailable(&io::Error::from_raw_os_error(
            libc::EPERM
        )));
    }

    #[test]
    fn bad_config_is_invalid_input() {
        let cfg = RingConfig {
            sq_entries: 8,
            cq_entries: 4,
            iowq_max_workers: 1,
        };
        assert_eq!(
            build_ring(&cfg).err().map(|e| e.kind()),
            Some(io::ErrorKind::InvalidInput)
        );
    }
}
