//! Resident memory of this process, sampled during an iteration, and its
//! peak ([`peak_rss`], for a child process that ran one runtime).
//!
//! Both runtimes run in one process, interleaved, so the high-water mark of
//! the whole process (`VmHWM`) says nothing about one iteration. Instead
//! [`RssSampler`] reads the current resident set size every millisecond
//! from a side thread and reports the *growth during the iteration*: the
//! largest reading minus the reading at the start.
//!
//! Memory freed by earlier iterations usually stays in the allocator and
//! would be reused without growing the RSS, hiding the iteration's real
//! cost. [`RssSampler::start`] therefore first calls glibc's
//! `malloc_trim(0)`, which hands free heap pages of every arena back to the
//! kernel, so that what the iteration allocates shows up as growth.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// The current resident set size in bytes: `resident` pages from
/// `/proc/self/statm` (the same counter as `VmRSS` in `/proc/self/status`,
/// cheaper to read and parse) times the page size.
///
/// # Errors
/// If `/proc/self/statm` cannot be read or parsed (no procfs).
pub fn current_rss() -> io::Result<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm")?;
    let pages = parse_statm_resident(&statm).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("unexpected /proc/self/statm contents: {statm:?}"),
        )
    })?;
    Ok(pages * page_size())
}

/// The `resident` field (the second, in pages) of a `/proc/self/statm`
/// line.
pub fn parse_statm_resident(statm: &str) -> Option<u64> {
    statm.split_whitespace().nth(1)?.parse().ok()
}

/// The peak resident set size of this process in bytes: `VmHWM` from
/// `/proc/self/status`, the high-water mark the kernel keeps.
///
/// # Errors
/// If `/proc/self/status` cannot be read or has no `VmHWM` line.
pub fn peak_rss() -> io::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    parse_status_kib(&status, "VmHWM").ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "no VmHWM line in /proc/self/status",
        )
    })
}

/// The value in bytes of a `KEY:   N kB` line of a `/proc/PID/status`
/// text.
pub fn parse_status_kib(status: &str, key: &str) -> Option<u64> {
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))?;
    let mut words = line.split_whitespace();
    let kib: u64 = words.next()?.parse().ok()?;
    (words.next()? == "kB").then_some(kib * 1024)
}

/// The page size in bytes.
fn page_size() -> u64 {
    // SAFETY: `sysconf` has no preconditions; it only reads a constant.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(size).ok().filter(|&s| s > 0).unwrap_or(4096)
}

/// Samples this process's RSS every millisecond on a side thread, from
/// [`start`](Self::start) to [`finish`](Self::finish).
#[derive(Debug)]
pub struct RssSampler {
    start: u64,
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RssSampler {
    /// Trims the allocator (`malloc_trim(0)`), reads the starting RSS and
    /// starts sampling.
    ///
    /// # Errors
    /// If the RSS cannot be read (no procfs) or the thread cannot start.
    pub fn start() -> io::Result<RssSampler> {
        // SAFETY: `malloc_trim` only returns free heap memory to the
        // kernel; it has no preconditions.
        unsafe { libc::malloc_trim(0) };
        let start = current_rss()?;
        let peak = Arc::new(AtomicU64::new(start));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (peak, stop) = (peak.clone(), stop.clone());
            thread::Builder::new()
                .name("bench-rss".into())
                .spawn(move || {
                    while !stop.load(Ordering::Acquire) {
                        if let Ok(rss) = current_rss() {
                            peak.fetch_max(rss, Ordering::AcqRel);
                        }
                        thread::sleep(Duration::from_millis(1));
                    }
                })?
        };
        Ok(RssSampler {
            start,
            peak,
            stop,
            thread: Some(thread),
        })
    }

    /// Stops sampling (taking one last reading) and returns the growth in
    /// bytes: the largest reading minus the starting one.
    pub fn finish(mut self) -> u64 {
        self.stop_thread();
        if let Ok(rss) = current_rss() {
            self.peak.fetch_max(rss, Ordering::AcqRel);
        }
        self.peak.load(Ordering::Acquire).saturating_sub(self.start)
    }

    fn stop_thread(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for RssSampler {
    fn drop(&mut self) {
        self.stop_thread();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_statm() {
        assert_eq!(parse_statm_resident("1000 250 30 1 0 400 0\n"), Some(250));
        assert_eq!(parse_statm_resident("1000"), None);
        assert_eq!(parse_statm_resident(""), None);
    }

    #[test]
    fn parses_status() {
        let status = "Name:\tx\nVmPeak:\t  9000 kB\nVmHWM:\t    2048 kB\nVmRSS:\t 1024 kB\n";
        assert_eq!(parse_status_kib(status, "VmHWM"), Some(2 << 20));
        assert_eq!(parse_status_kib(status, "VmRSS"), Some(1 << 20));
        assert_eq!(parse_status_kib(status, "VmSwap"), None);
        assert_eq!(parse_status_kib("VmHWM:\t12 pages\n", "VmHWM"), None);
        assert_eq!(parse_status_kib("VmHWM:\tmany kB\n", "VmHWM"), None);
        assert!(peak_rss().unwrap() >= current_rss().unwrap() / 2);
    }

    #[test]
    fn growth_sees_a_touched_allocation() {
        let sampler = RssSampler::start().unwrap();
        let block = vec![1u8; 32 << 20];
        std::hint::black_box(&block);
        thread::sleep(Duration::from_millis(5));
        let growth = sampler.finish();
        drop(block);
        assert!(growth >= 16 << 20, "growth {growth}");
    }
}
