//! Command-line arguments of `ringbolt-bench` (hand-rolled, no dependency).

use std::path::PathBuf;
use std::time::Duration;

/// Usage text for `--help`.
pub const USAGE: &str = "\
ringbolt-bench: ringbolt vs tokio, same process, interleaved rounds

USAGE:
    cargo run --release -p ringbolt-benches --bin ringbolt-bench -- [OPTIONS]

OPTIONS:
    --quick              fewer rounds and shorter rounds (under three minutes)
    --workloads a,b,c    only these workloads (or families, e.g. scheduler)
    --workers N          worker threads per runtime
                         [default: $RINGBOLT_BENCH_WORKERS, else the core count]
    --rounds N           interleaved rounds [default: 5 quick, 10 full]
    --scale F            size multiplier for every workload [default: 1.0]
    --out DIR            where results.{md,csv} and ratios.svg go [default: results/]
    --timeout SECS       abort (writing partial results) when one iteration
                         runs longer than this [default: 120]
    --driver NAME        ringbolt's I/O driver: io_uring, epoll (the readiness
                         driver) or auto [default: $RINGBOLT_DRIVER, else auto]
    --list               list the workloads and exit
    -h, --help           this text
";

/// Parsed arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct Args {
    /// `--quick`.
    pub quick: bool,
    /// `--workloads`, split on commas; `None` runs all.
    pub workloads: Option<Vec<String>>,
    /// Worker threads per runtime.
    pub workers: usize,
    /// Interleaved rounds.
    pub rounds: usize,
    /// Size multiplier.
    pub scale: f64,
    /// Output directory.
    pub out: PathBuf,
    /// Longest one iteration may take before the run is aborted.
    pub timeout: Duration,
    /// `--driver`: ringbolt's I/O driver (`io_uring`, `epoll`, `auto`).
    pub driver: Option<String>,
    /// `--list`.
    pub list: bool,
    /// `--help`.
    pub help: bool,
}

impl Args {
    /// Target time each runtime spends per round; iterations per round are
    /// chosen from the warm-up time to fill it.
    pub fn round_target(&self) -> Duration {
        if self.quick {
            Duration::from_millis(400)
        } else {
            Duration::from_millis(1500)
        }
    }

    /// Fewest timed iterations per runtime per round.
    pub fn min_iters_per_round(&self) -> usize {
        if self.quick {
            1
        } else {
            2
        }
    }
}

/// The default worker count: `RINGBOLT_BENCH_WORKERS` if set and valid,
/// else the number of available cores.
pub fn default_workers(env: Option<&str>) -> usize {
    env.and_then(|s| s.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
}

/// Parses the arguments after the program name. `env_workers` is the value
/// of `RINGBOLT_BENCH_WORKERS`, if any.
pub fn parse<I>(args: I, env_workers: Option<&str>) -> Result<Args, String>
where
    I: IntoIterator<Item = String>,
{
    let mut quick = false;
    let mut workloads = None;
    let mut workers = None;
    let mut rounds = None;
    let mut scale = 1.0;
    let mut out = PathBuf::from("results");
    let mut timeout = Duration::from_secs(120);
    let mut list = false;
    let mut help = false;
    let mut driver = None;

    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--quick" => quick = true,
            "--list" => list = true,
            "-h" | "--help" => help = true,
            "--workloads" => {
                let v = value("--workloads")?;
                let names: Vec<String> = v
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect();
                if names.is_empty() {
                    return Err("--workloads needs at least one name".into());
                }
                workloads = Some(names);
            }
            "--workers" => workers = Some(positive("--workers", &value("--workers")?)?),
            "--rounds" => rounds = Some(positive("--rounds", &value("--rounds")?)?),
            "--scale" => {
                let v = value("--scale")?;
                scale = v
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x > 0.0)
                    .ok_or_else(|| format!("--scale: expected a positive number, got `{v}`"))?;
            }
            "--out" => out = PathBuf::from(value("--out")?),
            "--driver" => {
                let v = value("--driver")?;
                if !["io_uring", "epoll", "auto"].contains(&v.as_str()) {
                    return Err(format!(
                        "--driver: expected io_uring, epoll or auto, got `{v}`"
                    ));
                }
                driver = Some(v);
            }
            "--timeout" => {
                timeout = Duration::from_secs(positive("--timeout", &value("--timeout")?)? as u64)
            }
            other => return Err(format!("unknown argument `{other}` (try --help)")),
        }
    }
    Ok(Args {
        quick,
        workloads,
        workers: workers.unwrap_or_else(|| default_workers(env_workers)),
        rounds: rounds.unwrap_or(if quick { 5 } else { 10 }),
        scale,
        out,
        timeout,
        driver,
        list,
        help,
    })
}

fn positive(name: &str, v: &str) -> Result<usize, String> {
    v.parse::<usize>()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{name}: expected a positive integer, got `{v}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Args, String> {
        parse(args.iter().map(|s| s.to_string()), Some("3"))
    }

    #[test]
    fn defaults() {
        let a = p(&[]).unwrap();
        assert!(!a.quick);
        assert_eq!(a.workloads, None);
        assert_eq!(a.workers, 3, "from the env value");
        assert_eq!(a.rounds, 10);
        assert_eq!(a.scale, 1.0);
        assert_eq!(a.out, PathBuf::from("results"));
        assert_eq!(p(&["--quick"]).unwrap().rounds, 5);
    }

    #[test]
    fn all_flags_both_spellings() {
        let a = p(&[
            "--quick",
            "--workloads",
            "ping_pong, spawn_many",
            "--workers=4",
            "--rounds",
            "5",
            "--scale=0.5",
            "--out",
            "/tmp/x",
            "--timeout=9",
        ])
        .unwrap();
        assert!(a.quick);
        assert_eq!(a.workloads.unwrap(), ["ping_pong", "spawn_many"]);
        assert_eq!(a.workers, 4);
        assert_eq!(a.rounds, 5);
        assert_eq!(a.scale, 0.5);
        assert_eq!(a.out, PathBuf::from("/tmp/x"));
        assert_eq!(a.timeout, Duration::from_secs(9));
    }

    #[test]
    fn errors() {
        assert!(p(&["--workers"]).unwrap_err().contains("needs a value"));
        assert!(p(&["--workers", "0"]).unwrap_err().contains("positive"));
        assert!(p(&["--scale", "-1"]).unwrap_err().contains("positive"));
        assert!(p(&["--scale", "abc"]).is_err());
        assert!(p(&["--bogus"]).unwrap_err().contains("--bogus"));
        assert!(p(&["--workloads", ","]).is_err());
    }

    #[test]
    fn env_workers_fallback() {
        assert_eq!(default_workers(Some("5")), 5);
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        assert_eq!(default_workers(Some("zero")), cores);
        assert_eq!(default_workers(Some("0")), cores);
        assert_eq!(default_workers(None), cores);
    }
}
