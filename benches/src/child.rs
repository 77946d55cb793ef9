//! Work that `ringbolt-bench` runs in a child process of its own: the
//! binary re-executes itself ([`std::env::current_exe`]) with a hidden
//! first argument, and the child prints its [`Sample`] on stdout.
//!
//! - `--load-generator ADDR[,ADDR…] CONNS MSGS [STRIDE]`: the echo load
//!   generator of `serve_64conn`
//!   ([`crate::workloads::net::serve::load_generator_with_stride`]),
//!   so that the server under test shares no process (allocator, page
//!   tables, scheduler statistics) with its clients
//!   (`serve_64conn_ext`).
//! - `--peak-rss RUNTIME WORKERS TASKS`: builds only that runtime and runs
//!   `TASKS` sleeping tasks once, holding their join handles
//!   ([`crate::workloads::timers::sleeps_joined`]), then reports the
//!   process's peak resident set (`VmHWM`), the figure a user sees for a
//!   program that runs one runtime (`sleeps_100k_peak_rss`).
//!
//! The sample travels as text, one `key value…` line per field
//! ([`encode`], [`decode`]): `elapsed_ns N`, `latencies_ns N N …`,
//! `base_rss N`, `peak_rss N` (bytes). Only the timed part is measured,
//! inside the child; starting the process is not.

use std::fmt::Write as _;
use std::io::{self, Read as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::rss;
use crate::runtimes::{Ringbolt, RuntimeKind, Tokio};
use crate::workloads::net::latency_stride;
use crate::workloads::net::serve::load_generator_with_stride;
use crate::workloads::timers::{sleeps_joined, SLEEP};
use crate::workloads::Sample;

/// The hidden argument that makes the binary an echo load generator.
pub const LOAD_GENERATOR: &str = "--load-generator";
/// The hidden argument that makes the binary report a runtime's peak RSS.
pub const PEAK_RSS: &str = "--peak-rss";

/// The `ringbolt-bench` executable to re-execute: this process's own.
///
/// # Errors
/// If the path of the running executable cannot be found.
pub fn bench_exe() -> io::Result<PathBuf> {
    std::env::current_exe()
}

/// If `args` (the arguments after the program name) start with a hidden
/// child mode, runs it, prints its sample on stdout and returns the exit
/// status (2 for bad arguments, 1 for a failed run, errors on stderr);
/// `None` otherwise.
pub fn dispatch(args: &[String]) -> Option<ExitCode> {
    let (mode, rest) = args.split_first()?;
    let outcome = match mode.as_str() {
        LOAD_GENERATOR => parse_load_generator(rest).map(|(addrs, conns, msgs, stride)| {
            load_generator_with_stride(&addrs, conns, msgs, stride)
        }),
        PEAK_RSS => {
            parse_peak_rss(rest).map(|(kind, workers, tasks)| peak_rss(kind, workers, tasks))
        }
        _ => return None,
    };
    Some(match outcome {
        Err(usage) => {
            eprintln!("ringbolt-bench {mode}: {usage}");
            ExitCode::from(2)
        }
        Ok(Err(e)) => {
            eprintln!("ringbolt-bench {mode}: {e}");
            ExitCode::FAILURE
        }
        Ok(Ok(sample)) => {
            print!("{}", encode(&sample));
            ExitCode::SUCCESS
        }
    })
}

/// Parses `ADDR[,ADDR…] CONNS MSGS [STRIDE]`; the stride defaults to
/// [`latency_stride`] of the round trips.
fn parse_load_generator(args: &[String]) -> Result<(Vec<SocketAddr>, usize, usize, usize), String> {
    const USAGE: &str = "expected ADDR[,ADDR...] CONNS MSGS [STRIDE]";
    let (addrs, conns, msgs, stride) = match args {
        [a, c, m] => (a, c, m, None),
        [a, c, m, s] => (a, c, m, Some(s)),
        _ => return Err(USAGE.into()),
    };
    let addrs = addrs
        .split(',')
        .map(|a| {
            a.parse::<SocketAddr>()
                .map_err(|e| format!("address `{a}`: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let conns = count("CONNS", conns)?;
    let msgs = count("MSGS", msgs)?;
    let stride = match stride {
        Some(s) => count("STRIDE", s)?,
        None => latency_stride(conns * msgs),
    };
    Ok((addrs, conns, msgs, stride))
}

/// Parses `RUNTIME WORKERS TASKS`.
fn parse_peak_rss(args: &[String]) -> Result<(RuntimeKind, usize, usize), String> {
    let [kind, workers, tasks] = args else {
        return Err("expected RUNTIME WORKERS TASKS".into());
    };
    let kind = RuntimeKind::ALL
        .into_iter()
        .find(|k| k.name() == kind)
        .ok_or_else(|| format!("unknown runtime `{kind}` (ringbolt or tokio)"))?;
    Ok((kind, count("WORKERS", workers)?, count("TASKS", tasks)?))
}

fn count(name: &str, v: &str) -> Result<usize, String> {
    v.parse::<usize>()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{name}: expected a positive integer, got `{v}`"))
}

/// Builds `kind` with `workers` workers, reads the resident set, runs
/// `tasks` tasks that each sleep [`SLEEP`] once ([`sleeps_joined`]: every
/// task's cell lives until its handle is awaited), and returns the time of
/// the sleeps, the resident set after building ([`Sample::base_rss`]) and
/// the process's peak ([`Sample::peak_rss`]).
///
/// # Errors
/// The runtime does not build, or `/proc/self` cannot be read.
pub fn peak_rss(kind: RuntimeKind, workers: usize, tasks: usize) -> io::Result<Sample> {
    fn on<R: crate::workloads::timers::TimerRuntime>(
        workers: usize,
        tasks: usize,
    ) -> io::Result<Sample> {
        let rt = R::build(workers)?;
        let base = rss::current_rss()?;
        let start = Instant::now();
        sleeps_joined(&rt, tasks, SLEEP);
        let elapsed = start.elapsed();
        let peak = rss::peak_rss()?;
        drop(rt);
        Ok(Sample {
            elapsed,
            base_rss: Some(base),
            peak_rss: Some(peak),
            ..Sample::default()
        })
    }
    match kind {
        RuntimeKind::Ringbolt => on::<Ringbolt>(workers, tasks),
        RuntimeKind::Tokio => on::<Tokio>(workers, tasks),
    }
}

/// The text form of `sample` that a child prints (see the module docs).
pub fn encode(sample: &Sample) -> String {
    let mut out = format!("elapsed_ns {}\n", sample.elapsed.as_nanos());
    if !sample.latencies.is_empty() {
        out.push_str("latencies_ns");
        for l in &sample.latencies {
            let _ = write!(out, " {}", l.as_nanos());
        }
        out.push('\n');
    }
    for (key, value) in [("base_rss", sample.base_rss), ("peak_rss", sample.peak_rss)] {
        if let Some(v) = value {
            let _ = writeln!(out, "{key} {v}");
        }
    }
    out
}

/// Parses what [`encode`] wrote.
///
/// # Errors
/// `InvalidData` naming the line: an unknown key, a value that is not a
/// number, a key given twice, or no `elapsed_ns`.
pub fn decode(text: &str) -> io::Result<Sample> {
    let bad = |msg: String| io::Error::new(io::ErrorKind::InvalidData, msg);
    let mut elapsed = None;
    let mut sample = Sample::default();
    let mut seen = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut words = line.split_whitespace();
        let key = words.next().unwrap_or_default();
        if seen.contains(&key) {
            return Err(bad(format!("child output: `{key}` given twice")));
        }
        seen.push(key);
        let numbers = words
            .map(|w| w.parse::<u64>())
            .collect::<Result<Vec<u64>, _>>()
            .map_err(|e| bad(format!("child output: `{line}`: {e}")))?;
        let one = || match numbers[..] {
            [n] => Ok(n),
            _ => Err(bad(format!("child output: `{line}`: expected one number"))),
        };
        match key {
            "elapsed_ns" => elapsed = Some(Duration::from_nanos(one()?)),
            "latencies_ns" => {
                sample.latencies = numbers.iter().map(|&n| Duration::from_nanos(n)).collect()
            }
            "base_rss" => sample.base_rss = Some(one()?),
            "peak_rss" => sample.peak_rss = Some(one()?),
            _ => return Err(bad(format!("child output: unknown key in `{line}`"))),
        }
    }
    sample.elapsed =
        elapsed.ok_or_else(|| bad(format!("child output without elapsed_ns: {text:?}")))?;
    Ok(sample)
}

/// Runs `exe args…` and returns the sample it printed. Past `limit` the
/// child is killed.
///
/// # Errors
/// The child cannot start, exits unsuccessfully (its stderr is in the
/// message), runs past `limit` (`TimedOut`), or prints something
/// [`decode`] refuses.
pub fn run_child(exe: &Path, args: &[String], limit: Duration) -> io::Result<Sample> {
    let deadline = Instant::now() + limit;
    let what = format!("{} {}", exe.display(), args.join(" "));
    let mut child = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| io::Error::new(e.kind(), format!("{what}: {e}")))?;
    // Both pipes are drained on threads of their own, so a child that
    // prints more than a pipe holds never blocks; end of stdout says the
    // child is done (or closed it).
    let (done_tx, done_rx) = mpsc::channel();
    let drain = |pipe: Option<Box<dyn io::Read + Send>>, done: Option<mpsc::Sender<()>>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut bytes);
            }
            if let Some(done) = done {
                let _ = done.send(());
            }
            bytes
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn io::Read + Send>),
        Some(done_tx),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn io::Read + Send>),
        None,
    );
    let _ = done_rx.recv_timeout(deadline.saturating_duration_since(Instant::now()));
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            // Not yet reaped, so the id is still this child's.
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(1));
    };
    let out = out.join().unwrap_or_default();
    let err = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
    match status {
        None => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("{what}: killed after {limit:?}"),
        )),
        Some(s) if !s.success() => Err(io::Error::other(format!("{what}: {s}: {}", err.trim()))),
        Some(_) => decode(&String::from_utf8_lossy(&out)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn samples_survive_the_round_trip() {
        let sample = Sample {
            elapsed: Duration::from_nanos(123_456_789),
            latencies: vec![Duration::from_nanos(5), Duration::from_micros(70)],
            base_rss: Some(4 << 20),
            peak_rss: Some(50 << 20),
            ..Sample::default()
        };
        assert_eq!(decode(&encode(&sample)).unwrap(), sample);
        let bare = Sample {
            elapsed: Duration::from_millis(1),
            ..Sample::default()
        };
        assert_eq!(encode(&bare), "elapsed_ns 1000000\n");
        assert_eq!(decode(&encode(&bare)).unwrap(), bare);
    }

    #[test]
    fn bad_output_is_invalid_data() {
        for text in [
            "",
            "latencies_ns 1 2\n",
            "elapsed_ns x\n",
            "elapsed_ns 1 2\n",
            "elapsed_ns 1\nelapsed_ns 2\n",
            "elapsed_ns 1\nbogus 3\n",
            "elapsed_ns -4\n",
        ] {
            let err = decode(text).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{text:?}: {err}");
        }
    }

    #[test]
    fn arguments_are_checked() {
        let lg = |a: &[&str]| parse_load_generator(&strings(a));
        let (addrs, conns, msgs, stride) = lg(&["127.0.0.1:1,127.0.0.1:2", "64", "200"]).unwrap();
        assert_eq!((addrs.len(), conns, msgs), (2, 64, 200));
        assert_eq!(stride, latency_stride(64 * 200));
        assert_eq!(lg(&["127.0.0.1:1", "2", "3", "1"]).unwrap().3, 1);
        assert!(lg(&["127.0.0.1:1", "2"]).is_err());
        assert!(lg(&["nowhere", "2", "3"]).unwrap_err().contains("nowhere"));
        assert!(lg(&["127.0.0.1:1", "0", "3"])
            .unwrap_err()
            .contains("CONNS"));

        let pr = |a: &[&str]| parse_peak_rss(&strings(a));
        assert_eq!(
            pr(&["tokio", "2", "100"]).unwrap(),
            (RuntimeKind::Tokio, 2, 100)
        );
        assert!(pr(&["smol", "2", "100"]).unwrap_err().contains("smol"));
        assert!(pr(&["tokio", "2"]).is_err());

        assert!(dispatch(&strings(&["--quick"])).is_none());
        assert!(dispatch(&[]).is_none());
        assert_eq!(
            dispatch(&strings(&[PEAK_RSS, "tokio"])),
            Some(ExitCode::from(2))
        );
    }

    #[test]
    fn peak_rss_sees_the_tasks() {
        let s = peak_rss(RuntimeKind::Tokio, 1, 2_000).unwrap();
        let (base, peak) = (s.base_rss.unwrap(), s.peak_rss.unwrap());
        assert!(base > 0 && peak >= base, "base {base}, peak {peak}");
        assert!(s.elapsed >= SLEEP);
    }

    #[test]
    fn a_failing_or_silent_child_is_an_error() {
        let limit = Duration::from_secs(30);
        let err = run_child(Path::new("false"), &[], limit).unwrap_err();
        assert!(err.to_string().contains("false"), "{err}");
        let err = run_child(Path::new("true"), &[], limit).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
        let err = run_child(Path::new("/nonexistent/ringbolt-bench"), &[], limit).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
        let sample = run_child(Path::new("echo"), &strings(&["elapsed_ns", "7"]), limit).unwrap();
        assert_eq!(sample.elapsed, Duration::from_nanos(7));
        let err = run_child(
            Path::new("sleep"),
            &strings(&["30"]),
            Duration::from_millis(200),
        )
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
    }
}
