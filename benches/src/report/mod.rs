//! Results: per-workload summaries and their renderings (terminal/Markdown
//! table, CSV, SVG bar chart), plus a description of the machine.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::runtimes::RuntimeKind;
use crate::stats::{self, fmt_bytes, fmt_duration, fmt_rate, Summary};
use crate::workloads::Sample;

/// One runtime's result on one workload.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuntimeResult {
    /// Wall-time summary; `None` when it did not run (see `error`).
    pub summary: Option<Summary>,
    /// Operations per second at the median, for throughput workloads.
    pub ops_per_sec: Option<f64>,
    /// Median per-operation latency, for latency workloads.
    pub p50: Option<Duration>,
    /// 99th percentile per-operation latency, for latency workloads.
    pub p99: Option<Duration>,
    /// 99.9th percentile per-operation latency, for latency workloads.
    pub p999: Option<Duration>,
    /// Largest per-operation latency, for latency workloads.
    pub max_latency: Option<Duration>,
    /// Why it did not run or failed (runtime unavailable, panic, …).
    pub error: Option<String>,
    /// Median resident-memory growth per iteration, in bytes, for workloads
    /// that measure it ([`Sample::rss_growth`]).
    pub rss_growth: Option<u64>,
    /// Largest resident-memory growth of any iteration, in bytes.
    pub rss_growth_max: Option<u64>,
    /// Median peak resident set of a child process that ran one iteration,
    /// in bytes ([`Sample::peak_rss`]).
    pub peak_rss: Option<u64>,
    /// Largest such peak, in bytes.
    pub peak_rss_max: Option<u64>,
    /// Median resident set of that child once its runtime was built, in
    /// bytes ([`Sample::base_rss`]).
    pub base_rss: Option<u64>,
}

impl RuntimeResult {
    /// Summarizes the timed samples of one runtime; `ops_per_iter` gives the
    /// rate. Latencies of all samples are pooled for p50/p99.
    pub fn from_samples(samples: &[Sample], ops_per_iter: Option<u64>) -> RuntimeResult {
        let times: Vec<Duration> = samples.iter().map(|s| s.elapsed).collect();
        let summary = Summary::of(&times);
        let mut lat: Vec<Duration> = samples
            .iter()
            .flat_map(|s| s.latencies.iter().copied())
            .collect();
        lat.sort_unstable();
        let q = |q: f64| (!lat.is_empty()).then(|| stats::quantile_sorted(&lat, q));
        let (p50, p99, p999) = (q(0.50), q(0.99), q(0.999));
        let sorted = |field: fn(&Sample) -> Option<u64>| {
            let mut v: Vec<u64> = samples.iter().filter_map(field).collect();
            v.sort_unstable();
            v
        };
        let rss = sorted(|s| s.rss_growth);
        let peak = sorted(|s| s.peak_rss);
        let base = sorted(|s| s.base_rss);
        RuntimeResult {
            ops_per_sec: summary
                .as_ref()
                .zip(ops_per_iter)
                .and_then(|(s, ops)| stats::ops_per_sec(ops, s.median)),
            summary,
            p50,
            p99,
            p999,
            max_latency: lat.last().copied(),
            error: None,
            // The upper median: a real observation, as for wall times.
            rss_growth: rss.get(rss.len() / 2).copied(),
            rss_growth_max: rss.last().copied(),
            peak_rss: peak.get(peak.len() / 2).copied(),
            peak_rss_max: peak.last().copied(),
            base_rss: base.get(base.len() / 2).copied(),
        }
    }

    /// A result for a runtime that could not run the workload.
    pub fn failed(error: impl Into<String>) -> RuntimeResult {
        RuntimeResult {
            error: Some(error.into()),
            ..RuntimeResult::default()
        }
    }

    /// The median wall time, if it ran.
    pub fn median(&self) -> Option<Duration> {
        self.summary.as_ref().map(|s| s.median)
    }
}

/// A baseline's result on one workload (e.g. a raw io-uring loop).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BaselineResult {
    /// The baseline's name, as the workload gives it.
    pub name: String,
    /// Its timings.
    pub result: RuntimeResult,
}

/// Every runtime's and baseline's results on one workload.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadResult {
    /// Workload name (`ping_pong`).
    pub name: String,
    /// Workload family (`scheduler`).
    pub family: String,
    /// Operations per iteration, when it is a throughput workload.
    pub ops_per_iter: Option<u64>,
    /// ringbolt's result.
    pub ringbolt: RuntimeResult,
    /// tokio's result.
    pub tokio: RuntimeResult,
    /// The runtimes the workload runs on (a runtime not listed has an empty
    /// result and is shown as "not run").
    pub runtimes: Vec<RuntimeKind>,
    /// Worker threads each runtime was built with.
    pub workers: usize,
    /// The size multiplier it ran at (`--scale`, times the workload's quick
    /// factor in `--quick` mode).
    pub scale: f64,
    /// Results of the workload's baselines, in its order.
    pub baselines: Vec<BaselineResult>,
    /// Whether the report shows its tail latencies (p99.9, max); see
    /// [`Workload::tail_latency`](crate::workloads::Workload::tail_latency).
    pub tail: bool,
}

impl WorkloadResult {
    /// ringbolt median / tokio median: `< 1.0` means ringbolt is faster.
    pub fn ratio(&self) -> Option<f64> {
        stats::ratio(self.ringbolt.median(), self.tokio.median())
    }

    /// The result of runtime `kind`.
    pub fn get(&self, kind: RuntimeKind) -> &RuntimeResult {
        match kind {
            RuntimeKind::Ringbolt => &self.ringbolt,
            RuntimeKind::Tokio => &self.tokio,
        }
    }

    /// The result of runtime `kind`, mutably.
    pub fn get_mut(&mut self, kind: RuntimeKind) -> &mut RuntimeResult {
        match kind {
            RuntimeKind::Ringbolt => &mut self.ringbolt,
            RuntimeKind::Tokio => &mut self.tokio,
        }
    }

    /// Whether runtime `kind` is one the workload runs on.
    pub fn runs_on(&self, kind: RuntimeKind) -> bool {
        self.runtimes.contains(&kind)
    }

    /// ringbolt median / baseline median: `> 1.0` means ringbolt is slower
    /// than the baseline.
    pub fn baseline_ratio(&self, baseline: &BaselineResult) -> Option<f64> {
        stats::ratio(self.ringbolt.median(), baseline.result.median())
    }
}

/// The machine the numbers were taken on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Machine {
    /// Kernel release, as `uname -r` prints it.
    pub kernel: String,
    /// Logical CPUs available to this process.
    pub cores: usize,
    /// CPU model name from `/proc/cpuinfo`.
    pub cpu_model: String,
    /// When the run finished, UTC.
    pub date: String,
}

impl Machine {
    /// Reads the current machine's description.
    pub fn detect() -> Machine {
        let kernel = fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".into());
        let cpu_model = fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| cpu_model(&s))
            .unwrap_or_else(|| "unknown".into());
        Machine {
            kernel,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model,
            date: utc_date(SystemTime::now()),
        }
    }
}

/// The first `model name` (x86) or `Processor`/`CPU part` fallback in a
/// `/proc/cpuinfo` text.
pub fn cpu_model(cpuinfo: &str) -> Option<String> {
    ["model name", "Processor", "cpu model", "CPU part"]
        .iter()
        .find_map(|key| {
            cpuinfo.lines().find_map(|line| {
                let (k, v) = line.split_once(':')?;
                (k.trim() == *key).then(|| v.trim().to_string())
            })
        })
        .filter(|s| !s.is_empty())
}

/// Formats a time as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn utc_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// How the run was configured, printed with the results.
#[derive(Clone, Debug, PartialEq)]
pub struct RunConfig {
    /// Worker threads per runtime.
    pub workers: usize,
    /// Interleaved rounds.
    pub rounds: usize,
    /// Size multiplier.
    pub scale: f64,
    /// Whether `--quick` was given.
    pub quick: bool,
}

/// Everything a run produced.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Where it ran.
    pub machine: Machine,
    /// How it ran.
    pub config: RunConfig,
    /// One entry per workload, in run order.
    pub results: Vec<WorkloadResult>,
}

impl Report {
    /// The results tables in Markdown (also what the binary prints): ringbolt
    /// vs tokio; then, when some workload has them, ringbolt vs each
    /// baseline and the resident-memory growth.
    pub fn table(&self) -> String {
        let mut out = self.tokio_table();
        out.push_str(
            "\nratio = ringbolt median / tokio median wall time per iteration \
             (< 1.0: ringbolt is faster). ± is the median absolute deviation \
             relative to the median.\n",
        );
        if self.results.iter().any(|r| !r.baselines.is_empty()) {
            out.push_str("\n### ringbolt vs baselines\n\n");
            out.push_str(&self.baseline_table());
            out.push_str(
                "\nratio = ringbolt median / baseline median (> 1.0: ringbolt is slower than \
                 the baseline). `workers` = ringbolt's worker threads. A `raw io_uring` \
                 baseline is a hand-written io-uring loop on one thread with no runtime: \
                 the physical limit.\n",
            );
        }
        if self.results.iter().any(|r| r.tail) {
            out.push_str("\n### Tail latency\n\n");
            out.push_str(&self.tail_table());
            out.push_str(
                "\nEvery operation's latency, pooled over the rounds; ops/s at the median \
                 iteration.\n",
            );
        }
        if self
            .results
            .iter()
            .any(|r| r.ringbolt.rss_growth.is_some() || r.tokio.rss_growth.is_some())
        {
            out.push_str("\n### Memory: resident-set growth during one iteration\n\n");
            out.push_str(&self.memory_table());
            out.push_str(
                "\nPeak VmRSS minus VmRSS at the start of the iteration, sampled every 1 ms \
                 from a side thread after `malloc_trim(0)`; median (max) over iterations.\n",
            );
        }
        if self
            .results
            .iter()
            .any(|r| r.ringbolt.peak_rss.is_some() || r.tokio.peak_rss.is_some())
        {
            out.push_str("\n### Memory: peak resident set of a process running one runtime\n\n");
            out.push_str(&self.peak_memory_table());
            out.push_str(
                "\nVmHWM of a fresh child process that built only that runtime and ran one \
                 iteration; median (max) over iterations. Per task: (median peak - median \
                 VmRSS once the runtime was built) / tasks.\n",
            );
        }
        let notes = self.notes();
        if !notes.is_empty() {
            out.push_str("\nNotes:\n\n");
            out.push_str(&notes.join("\n"));
            out.push('\n');
        }
        out
    }

    /// One line per workload that ran with another worker count or scale
    /// than the run's.
    fn notes(&self) -> Vec<String> {
        let c = &self.config;
        self.results
            .iter()
            .flat_map(|r| {
                let workers = (r.workers != c.workers).then(|| {
                    format!(
                        "- {}: runtimes ran with {} worker(s), not {}",
                        r.name, r.workers, c.workers
                    )
                });
                let scale = (r.scale != c.scale).then(|| {
                    format!(
                        "- {}: ran at scale {} (--quick shrinks it)",
                        r.name, r.scale
                    )
                });
                workers.into_iter().chain(scale)
            })
            .collect()
    }

    /// ringbolt vs tokio, one row per workload that runs on tokio.
    fn tokio_table(&self) -> String {
        let shown: Vec<&WorkloadResult> = self
            .results
            .iter()
            .filter(|r| r.runs_on(RuntimeKind::Tokio))
            .collect();
        let with_latency = shown
            .iter()
            .any(|r| r.ringbolt.p50.is_some() || r.tokio.p50.is_some());
        let mut header = vec![
            "workload",
            "ringbolt median",
            "tokio median",
            "ratio",
            "ringbolt ops/s",
            "tokio ops/s",
        ];
        if with_latency {
            header.extend(["ringbolt p50 / p99", "tokio p50 / p99"]);
        }
        let mut rows: Vec<Vec<String>> = Vec::new();
        for r in shown {
            let mut row = vec![
                r.name.clone(),
                median_cell(&r.ringbolt),
                median_cell(&r.tokio),
                r.ratio().map_or("—".into(), |x| format!("{x:.2}")),
                r.ringbolt.ops_per_sec.map_or("—".into(), fmt_rate),
                r.tokio.ops_per_sec.map_or("—".into(), fmt_rate),
            ];
            if with_latency {
                row.push(latency_cell(&r.ringbolt));
                row.push(latency_cell(&r.tokio));
            }
            rows.push(row);
        }
        markdown_table(&header, &rows)
    }

    /// ringbolt vs each baseline, one row per (workload, baseline).
    fn baseline_table(&self) -> String {
        let header = [
            "workload",
            "workers",
            "ringbolt median",
            "ringbolt ops/s",
            "baseline",
            "baseline median",
            "baseline ops/s",
            "ratio",
        ];
        let mut rows = Vec::new();
        for r in &self.results {
            let ran = r.runs_on(RuntimeKind::Ringbolt);
            for b in &r.baselines {
                rows.push(vec![
                    r.name.clone(),
                    if ran {
                        r.workers.to_string()
                    } else {
                        "—".into()
                    },
                    if ran {
                        median_cell(&r.ringbolt)
                    } else {
                        "not run".into()
                    },
                    r.ringbolt.ops_per_sec.map_or("—".into(), fmt_rate),
                    b.name.clone(),
                    median_cell(&b.result),
                    b.result.ops_per_sec.map_or("—".into(), fmt_rate),
                    r.baseline_ratio(b)
                        .map_or("—".into(), |x| format!("{x:.2}")),
                ]);
            }
        }
        markdown_table(&header, &rows)
    }

    /// Tail latencies of every runtime and baseline, for the workloads that
    /// ask for them.
    fn tail_table(&self) -> String {
        let header = ["workload", "runs on", "ops/s", "p50", "p99", "p99.9", "max"];
        let d = |x: Option<Duration>| x.map_or("—".into(), fmt_duration);
        let mut rows = Vec::new();
        for r in self.results.iter().filter(|r| r.tail) {
            let runtimes = RuntimeKind::ALL
                .into_iter()
                .filter(|&k| r.runs_on(k))
                .map(|k| (k.name().to_string(), r.get(k)));
            let baselines = r.baselines.iter().map(|b| (b.name.clone(), &b.result));
            for (name, rr) in runtimes.chain(baselines) {
                rows.push(vec![
                    r.name.clone(),
                    name,
                    rr.ops_per_sec.map_or("—".into(), fmt_rate),
                    d(rr.p50),
                    d(rr.p99),
                    d(rr.p999),
                    d(rr.max_latency),
                ]);
            }
        }
        markdown_table(&header, &rows)
    }

    /// Resident-memory growth per runtime, for workloads that measure it.
    fn memory_table(&self) -> String {
        let header = [
            "workload",
            "ringbolt RSS growth",
            "tokio RSS growth",
            "ratio",
        ];
        let cell = |r: &RuntimeResult| match (r.rss_growth, r.rss_growth_max) {
            (Some(m), Some(x)) => format!("{} ({})", fmt_bytes(m), fmt_bytes(x)),
            _ => "—".into(),
        };
        let rows: Vec<Vec<String>> = self
            .results
            .iter()
            .filter(|r| r.ringbolt.rss_growth.is_some() || r.tokio.rss_growth.is_some())
            .map(|r| {
                let ratio = match (r.ringbolt.rss_growth, r.tokio.rss_growth) {
                    (Some(a), Some(b)) if b > 0 => format!("{:.2}", a as f64 / b as f64),
                    _ => "—".into(),
                };
                vec![r.name.clone(), cell(&r.ringbolt), cell(&r.tokio), ratio]
            })
            .collect();
        markdown_table(&header, &rows)
    }

    /// Peak resident set per runtime, for workloads that run each
    /// iteration in a child process.
    fn peak_memory_table(&self) -> String {
        let header = [
            "workload",
            "ringbolt peak RSS",
            "tokio peak RSS",
            "ratio",
            "ringbolt per task",
            "tokio per task",
        ];
        let cell = |r: &RuntimeResult| match (r.peak_rss, r.peak_rss_max) {
            (Some(m), Some(x)) => format!("{} ({})", fmt_bytes(m), fmt_bytes(x)),
            _ => "—".into(),
        };
        let rows: Vec<Vec<String>> = self
            .results
            .iter()
            .filter(|r| r.ringbolt.peak_rss.is_some() || r.tokio.peak_rss.is_some())
            .map(|r| {
                let ratio = match (r.ringbolt.peak_rss, r.tokio.peak_rss) {
                    (Some(a), Some(b)) if b > 0 => format!("{:.2}", a as f64 / b as f64),
                    _ => "—".into(),
                };
                let per_task = |rr: &RuntimeResult| match (rr.peak_rss, rr.base_rss, r.ops_per_iter)
                {
                    (Some(p), Some(b), Some(n)) if n > 0 => {
                        format!("{} B", p.saturating_sub(b) / n)
                    }
                    _ => "—".into(),
                };
                vec![
                    r.name.clone(),
                    cell(&r.ringbolt),
                    cell(&r.tokio),
                    ratio,
                    per_task(&r.ringbolt),
                    per_task(&r.tokio),
                ]
            })
            .collect();
        markdown_table(&header, &rows)
    }

    /// The full `results.md`: table, notes, errors and the machine.
    pub fn markdown(&self) -> String {
        let m = &self.machine;
        let c = &self.config;
        let mut s = String::new();
        s.push_str("# ringbolt vs tokio\n\n");
        s.push_str(&self.table());
        let errors: Vec<String> = self
            .results
            .iter()
            .flat_map(|r| {
                let runtimes = RuntimeKind::ALL.into_iter().filter_map(move |k| {
                    r.get(k)
                        .error
                        .as_ref()
                        .map(|e| format!("- {} · {}: {}", r.name, k, e))
                });
                let baselines = r.baselines.iter().filter_map(move |b| {
                    b.result
                        .error
                        .as_ref()
                        .map(|e| format!("- {} · {}: {}", r.name, b.name, e))
                });
                runtimes.chain(baselines)
            })
            .collect();
        if !errors.is_empty() {
            s.push_str("\n## Errors\n\n");
            s.push_str(&errors.join("\n"));
            s.push('\n');
        }
        let _ = write!(
            s,
            "\n## Machine\n\n\
             - kernel: {}\n- cores: {}\n- CPU: {}\n- date: {}\n\
             - workers per runtime: {}\n- rounds: {}\n- scale: {}\n- mode: {}\n",
            m.kernel,
            m.cores,
            m.cpu_model,
            m.date,
            c.workers,
            c.rounds,
            c.scale,
            if c.quick { "quick" } else { "full" },
        );
        s
    }

    /// `results.csv`: one row per workload and runtime (or baseline), times
    /// in ns. `ratio_to_tokio` is on ringbolt's row; `ringbolt_over_this`
    /// (ringbolt median / this row's median) on each baseline's row.
    pub fn csv(&self) -> String {
        let mut s = String::from(
            "workload,family,runtime,iterations,median_ns,min_ns,max_ns,mad_ns,\
             ops_per_iter,ops_per_sec,p50_ns,p99_ns,ratio_to_tokio,error,\
             workers,scale,rss_growth_bytes,rss_growth_max_bytes,ringbolt_over_this,\
             p999_ns,max_latency_ns,peak_rss_bytes,peak_rss_max_bytes,base_rss_bytes\n",
        );
        for r in &self.results {
            let runtimes = RuntimeKind::ALL
                .into_iter()
                .filter(|&k| r.runs_on(k))
                .map(|k| {
                    let ratio = match k {
                        RuntimeKind::Ringbolt => r.ratio(),
                        RuntimeKind::Tokio => r.get(k).median().map(|_| 1.0),
                    };
                    (k.name().to_string(), r.get(k), ratio, None)
                });
            let baselines = r
                .baselines
                .iter()
                .map(|b| (b.name.clone(), &b.result, None, r.baseline_ratio(b)));
            for (name, rr, ratio, over) in runtimes.chain(baselines) {
                let sm = rr.summary.as_ref();
                let ns =
                    |d: Option<Duration>| d.map_or(String::new(), |d| d.as_nanos().to_string());
                let opt = |x: Option<u64>| x.map_or(String::new(), |x| x.to_string());
                let fields = [
                    csv_field(&r.name),
                    csv_field(&r.family),
                    csv_field(&name),
                    sm.map_or(String::new(), |s| s.iterations.to_string()),
                    ns(sm.map(|s| s.median)),
                    ns(sm.map(|s| s.min)),
                    ns(sm.map(|s| s.max)),
                    ns(sm.map(|s| s.mad)),
                    opt(r.ops_per_iter),
                    rr.ops_per_sec.map_or(String::new(), |o| format!("{o:.0}")),
                    ns(rr.p50),
                    ns(rr.p99),
                    ratio.map_or(String::new(), |x| format!("{x:.4}")),
                    csv_field(rr.error.as_deref().unwrap_or("")),
                    r.workers.to_string(),
                    r.scale.to_string(),
                    opt(rr.rss_growth),
                    opt(rr.rss_growth_max),
                    over.map_or(String::new(), |x| format!("{x:.4}")),
                    ns(rr.p999),
                    ns(rr.max_latency),
                    opt(rr.peak_rss),
                    opt(rr.peak_rss_max),
                    opt(rr.base_rss),
                ];
                s.push_str(&fields.join(","));
                s.push('\n');
            }
        }
        s
    }

    /// `ratios.svg`: a horizontal bar per workload, ringbolt/tokio on a log
    /// scale, bars growing from the 1.0 line (left = ringbolt faster); then
    /// one bar per baseline that ringbolt ran against, ringbolt/baseline,
    /// labelled `name vs <first word of the baseline's name>` (`nop_qd1 vs
    /// raw`).
    pub fn svg(&self) -> String {
        let mut bars: Vec<(String, Option<f64>)> = self
            .results
            .iter()
            .filter(|r| r.runs_on(RuntimeKind::Tokio))
            .map(|r| (r.name.clone(), r.ratio()))
            .collect();
        for r in self
            .results
            .iter()
            .filter(|r| r.runs_on(RuntimeKind::Ringbolt))
        {
            for b in &r.baselines {
                let short = b.name.split_whitespace().next().unwrap_or("baseline");
                bars.push((format!("{} vs {short}", r.name), r.baseline_ratio(b)));
            }
        }
        let bars: Vec<(&str, Option<f64>)> = bars.iter().map(|(n, x)| (n.as_str(), *x)).collect();
        ratio_chart(&bars)
    }

    /// Writes `results.md`, `results.csv` and `ratios.svg` into `dir`
    /// (created if needed).
    pub fn write_to(&self, dir: &Path) -> io::Result<()> {
        fs::create_dir_all(dir)?;
        fs::write(dir.join("results.md"), self.markdown())?;
        fs::write(dir.join("results.csv"), self.csv())?;
        fs::write(dir.join("ratios.svg"), self.svg())?;
        Ok(())
    }
}

fn median_cell(r: &RuntimeResult) -> String {
    match (&r.summary, &r.error) {
        (Some(s), _) => {
            let spread = if s.median.is_zero() {
                0.0
            } else {
                100.0 * s.mad.as_secs_f64() / s.median.as_secs_f64()
            };
            format!("{} ±{spread:.0}%", fmt_duration(s.median))
        }
        (None, Some(_)) => "error".into(),
        (None, None) => "—".into(),
    }
}

fn latency_cell(r: &RuntimeResult) -> String {
    match (r.p50, r.p99) {
        (Some(a), Some(b)) => format!("{} / {}", fmt_duration(a), fmt_duration(b)),
        _ => "—".into(),
    }
}

mod render;
pub use render::{csv_field, markdown_table, ratio_chart};

#[cfg(test)]
mod tests;
