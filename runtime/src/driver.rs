//! Which I/O driver a runtime runs, and how it is chosen.
//!
//! io_uring by default. Where the host denies it (a seccomp profile such as
//! Docker's or containerd's default, `kernel.io_uring_disabled`, gVisor,
//! an old kernel, a memlock limit), a runtime starts on the readiness
//! driver instead: epoll for sockets, the blocking pool for files, the same
//! API. [`Builder::driver`](crate::runtime::Builder::driver) forces one
//! (forcing io_uring is the strict mode: no fallback), and so does the
//! `RINGBOLT_DRIVER` environment variable (`io_uring`, `epoll` or `auto`)
//! for a builder that does not force one. [`Handle::driver`] says which one
//! runs and [`Handle::fallback_reason`] why it is not io_uring.
//!
//! [`Handle::driver`]: crate::runtime::Handle::driver
//! [`Handle::fallback_reason`]: crate::runtime::Handle::fallback_reason

use std::io;

use ringbolt_executor as executor;
use ringbolt_reactor::{Offload, Reactor, RingConfig};

/// Which I/O driver a runtime runs: [`Driver::IoUring`] (a ring per
/// worker) or [`Driver::Epoll`] (the readiness driver).
pub use ringbolt_reactor::DriverKind as Driver;

/// The environment variable that chooses the driver of a runtime whose
/// builder does not: `io_uring` (strict: no fallback), `epoll`, or `auto`
/// (the default).
pub const DRIVER_ENV: &str = "RINGBOLT_DRIVER";

/// What a builder asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Choice {
    /// io_uring, or the readiness driver where io_uring is unavailable.
    Auto,
    /// Exactly this driver.
    Only(Driver),
}

impl Choice {
    /// `forced` if the builder forces a driver, else what
    /// [`DRIVER_ENV`] says.
    pub(crate) fn resolve(forced: Option<Driver>) -> io::Result<Choice> {
        if let Some(driver) = forced {
            return Ok(Choice::Only(driver));
        }
        match std::env::var(DRIVER_ENV) {
            Err(std::env::VarError::NotPresent) => Ok(Choice::Auto),
            Ok(value) => Self::parse(&value),
            Err(std::env::VarError::NotUnicode(_)) => Err(bad_value("(not UTF-8)")),
        }
    }

    fn parse(value: &str) -> io::Result<Choice> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(Choice::Auto),
            "io_uring" | "iouring" | "uring" => Ok(Choice::Only(Driver::IoUring)),
            "epoll" | "readiness" => Ok(Choice::Only(Driver::Epoll)),
            _ => Err(bad_value(value)),
        }
    }
}

fn bad_value(value: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{DRIVER_ENV}={value}: expected `io_uring`, `epoll` or `auto`"),
    )
}

/// A reactor of kind `driver` for the calling thread.
pub(crate) fn new_reactor(driver: Driver, config: &RingConfig) -> io::Result<Reactor> {
    match driver {
        Driver::IoUring => Reactor::new(config),
        Driver::Epoll => Reactor::epoll(offload()),
    }
}

/// The readiness driver's file and path calls go to the blocking pool of
/// the runtime of the thread that makes them (a worker or a `block_on`
/// thread, which always has one); a job dropped at shutdown cancels its op.
fn offload() -> Offload {
    Offload::new(|job| match executor::Handle::try_current() {
        Some(handle) => drop(handle.spawn_blocking(job)),
        // Not reached from a runtime's threads; a thread of its own keeps
        // the call off whatever thread this is.
        None => drop(std::thread::spawn(job)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_values() {
        assert_eq!(Choice::parse("epoll").unwrap(), Choice::Only(Driver::Epoll));
        assert_eq!(
            Choice::parse(" IO_URING ").unwrap(),
            Choice::Only(Driver::IoUring)
        );
        assert_eq!(Choice::parse("auto").unwrap(), Choice::Auto);
        assert_eq!(Choice::parse("").unwrap(), Choice::Auto);
        let e = Choice::parse("kqueue").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("RINGBOLT_DRIVER=kqueue"));
    }
}
