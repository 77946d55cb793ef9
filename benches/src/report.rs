//! Results: per-workload summaries and their renderings (terminal/Markdown
//! table, CSV, SVG bar chart), plus a description of the machine.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::runtimes::RuntimeKind;
use crate::stats::{self, fmt_duration, fmt_rate, Summary};
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
    /// Why it did not run or failed (runtime unavailable, panic, …).
    pub error: Option<String>,
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
        let (p50, p99) = if lat.is_empty() {
            (None, None)
        } else {
            (
                Some(stats::quantile_sorted(&lat, 0.50)),
                Some(stats::quantile_sorted(&lat, 0.99)),
            )
        };
        RuntimeResult {
            ops_per_sec: summary
                .as_ref()
                .zip(ops_per_iter)
                .and_then(|(s, ops)| stats::ops_per_sec(ops, s.median)),
            summary,
            p50,
            p99,
            error: None,
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

/// Both runtimes' results on one workload.
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
    /// The results table in Markdown (also what the binary prints).
    pub fn table(&self) -> String {
        let with_latency = self
            .results
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
        for r in &self.results {
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

    /// The full `results.md`: table, notes, errors and the machine.
    pub fn markdown(&self) -> String {
        let m = &self.machine;
        let c = &self.config;
        let mut s = String::new();
        s.push_str("# ringbolt vs tokio\n\n");
        s.push_str(&self.table());
        s.push_str(
            "\nratio = ringbolt median / tokio median wall time per iteration \
             (< 1.0: ringbolt is faster). ± is the median absolute deviation \
             relative to the median.\n",
        );
        let errors: Vec<String> = self
            .results
            .iter()
            .flat_map(|r| {
                RuntimeKind::ALL.into_iter().filter_map(move |k| {
                    r.get(k)
                        .error
                        .as_ref()
                        .map(|e| format!("- {} · {}: {}", r.name, k, e))
                })
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

    /// `results.csv`: one row per workload and runtime, times in ns.
    pub fn csv(&self) -> String {
        let mut s = String::from(
            "workload,family,runtime,iterations,median_ns,min_ns,max_ns,mad_ns,\
             ops_per_iter,ops_per_sec,p50_ns,p99_ns,ratio_to_tokio,error\n",
        );
        for r in &self.results {
            for kind in RuntimeKind::ALL {
                let rr = r.get(kind);
                let sm = rr.summary.as_ref();
                let ns =
                    |d: Option<Duration>| d.map_or(String::new(), |d| d.as_nanos().to_string());
                let ratio = match kind {
                    RuntimeKind::Ringbolt => r.ratio(),
                    RuntimeKind::Tokio => rr.median().map(|_| 1.0),
                };
                let fields = [
                    csv_field(&r.name),
                    csv_field(&r.family),
                    kind.name().to_string(),
                    sm.map_or(String::new(), |s| s.iterations.to_string()),
                    ns(sm.map(|s| s.median)),
                    ns(sm.map(|s| s.min)),
                    ns(sm.map(|s| s.max)),
                    ns(sm.map(|s| s.mad)),
                    r.ops_per_iter.map_or(String::new(), |o| o.to_string()),
                    rr.ops_per_sec.map_or(String::new(), |o| format!("{o:.0}")),
                    ns(rr.p50),
                    ns(rr.p99),
                    ratio.map_or(String::new(), |x| format!("{x:.4}")),
                    csv_field(rr.error.as_deref().unwrap_or("")),
                ];
                s.push_str(&fields.join(","));
                s.push('\n');
            }
        }
        s
    }

    /// `ratios.svg`: a horizontal bar per workload, ringbolt/tokio on a log
    /// scale, bars growing from the 1.0 line (left = ringbolt faster).
    pub fn svg(&self) -> String {
        let bars: Vec<(&str, Option<f64>)> = self
            .results
            .iter()
            .map(|r| (r.name.as_str(), r.ratio()))
            .collect();
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

/// Renders a Markdown table with padded columns (readable as plain text).
pub fn markdown_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let cols = header.len();
    let width = |i: usize| {
        rows.iter()
            .filter_map(|r| r.get(i))
            .map(|c| c.chars().count())
            .chain([header[i].chars().count(), 3])
            .max()
            .unwrap_or(3)
    };
    let widths: Vec<usize> = (0..cols).map(width).collect();
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut s = String::from("|");
        for (i, c) in cells.enumerate().take(cols) {
            let pad = widths[i].saturating_sub(c.chars().count());
            // Names left-aligned, numbers right-aligned.
            if i == 0 {
                let _ = write!(s, " {c}{} |", " ".repeat(pad));
            } else {
                let _ = write!(s, " {}{c} |", " ".repeat(pad));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(&mut header.iter().copied());
    out.push('|');
    for (i, w) in widths.iter().enumerate() {
        if i == 0 {
            let _ = write!(out, " {} |", "-".repeat(*w));
        } else {
            let _ = write!(out, " {}: |", "-".repeat(w - 1));
        }
    }
    out.push('\n');
    for r in rows {
        out.push_str(&line(&mut r.iter().map(String::as_str)));
    }
    out
}

/// Quotes a CSV field when it holds a comma, quote or line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Draws the ratio bar chart: log2 x axis spanning at least 0.5…2, a
/// vertical line at 1.0, green bars for ratios below 1, red above; `None`
/// ratios are labelled `n/a`.
pub fn ratio_chart(bars: &[(&str, Option<f64>)]) -> String {
    const LEFT: f64 = 180.0;
    const PLOT_W: f64 = 460.0;
    const RIGHT: f64 = 80.0;
    const TOP: f64 = 50.0;
    const ROW: f64 = 28.0;
    const BOTTOM: f64 = 40.0;
    let valid = bars
        .iter()
        .filter_map(|b| b.1)
        .filter(|x| x.is_finite() && *x > 0.0);
    let (lo, hi) = valid.fold((0.5f64, 2.0f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let (lo_e, hi_e) = (lo.log2().floor(), hi.log2().ceil());
    let x_of = |r: f64| LEFT + (r.log2() - lo_e) / (hi_e - lo_e) * PLOT_W;
    let width = LEFT + PLOT_W + RIGHT;
    let height = TOP + ROW * bars.len() as f64 + BOTTOM;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="15" font-weight="bold">ringbolt time / tokio time (log scale; left of 1.0 = ringbolt faster)</text>"#,
        width / 2.0
    );
    let plot_bottom = TOP + ROW * bars.len() as f64;
    // Grid and ticks at powers of two.
    let mut e = lo_e;
    while e <= hi_e {
        let r = 2f64.powf(e);
        let x = x_of(r);
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{plot_bottom}" stroke="#ddd"/>"##,
            TOP - 8.0
        );
        let _ = writeln!(
            s,
            r##"<text x="{x:.1}" y="{}" text-anchor="middle" fill="#555">{}×</text>"##,
            plot_bottom + 18.0,
            tick_label(r)
        );
        e += 1.0;
    }
    for (i, (name, ratio)) in bars.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 10.0,
            y + ROW / 2.0 + 4.0,
            xml_escape(name)
        );
        match ratio.filter(|x| x.is_finite() && *x > 0.0) {
            Some(r) => {
                let (x0, x1) = (x_of(1.0), x_of(r));
                let (bx, bw) = (x0.min(x1), (x1 - x0).abs().max(1.0));
                let color = if r < 1.0 { "#2e7d32" } else { "#c62828" };
                let _ = writeln!(
                    s,
                    r#"<rect x="{bx:.1}" y="{:.1}" width="{bw:.1}" height="{:.1}" fill="{color}"><title>{}: {r:.3}</title></rect>"#,
                    y + 5.0,
                    ROW - 10.0,
                    xml_escape(name)
                );
                let _ = writeln!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}">{r:.2}</text>"#,
                    LEFT + PLOT_W + 10.0,
                    y + ROW / 2.0 + 4.0
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    r##"<text x="{:.1}" y="{:.1}" fill="#888">n/a</text>"##,
                    LEFT + PLOT_W + 10.0,
                    y + ROW / 2.0 + 4.0
                );
            }
        }
    }
    let x1 = x_of(1.0);
    let _ = writeln!(
        s,
        r#"<line x1="{x1:.1}" y1="{}" x2="{x1:.1}" y2="{plot_bottom}" stroke="black" stroke-width="2"/>"#,
        TOP - 8.0
    );
    s.push_str("</svg>\n");
    s
}

fn tick_label(r: f64) -> String {
    if r >= 1.0 {
        format!("{r:.0}")
    } else {
        let s = format!("{r:.4}");
        s.trim_end_matches('0').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, rb_ms: Option<u64>, tk_ms: u64) -> WorkloadResult {
        let samples = |ms: u64| {
            vec![Sample {
                elapsed: Duration::from_millis(ms),
                latencies: vec![],
            }]
        };
        WorkloadResult {
            name: name.into(),
            family: "scheduler".into(),
            ops_per_iter: Some(1000),
            ringbolt: match rb_ms {
                Some(ms) => RuntimeResult::from_samples(&samples(ms), Some(1000)),
                None => RuntimeResult::failed("boom, \"quoted\""),
            },
            tokio: RuntimeResult::from_samples(&samples(tk_ms), Some(1000)),
        }
    }

    fn report(results: Vec<WorkloadResult>) -> Report {
        Report {
            machine: Machine {
                kernel: "6.13.0".into(),
                cores: 2,
                cpu_model: "Test CPU".into(),
                date: "2026-01-01 00:00:00 UTC".into(),
            },
            config: RunConfig {
                workers: 2,
                rounds: 3,
                scale: 1.0,
                quick: true,
            },
            results,
        }
    }

    #[test]
    fn csv_rows_and_quoting() {
        let r = report(vec![result("a", Some(5), 10), result("b", None, 10)]);
        let csv = r.csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(lines[0].starts_with("workload,family,runtime,"));
        assert_eq!(
            lines[1],
            "a,scheduler,ringbolt,1,5000000,5000000,5000000,0,1000,200000,,,0.5000,"
        );
        assert!(
            lines[2].starts_with("a,scheduler,tokio,1,10000000,"),
            "{}",
            lines[2]
        );
        assert!(
            lines[3].ends_with(",\"boom, \"\"quoted\"\"\""),
            "{}",
            lines[3]
        );
        assert_eq!(csv_field("plain"), "plain");
    }

    #[test]
    fn markdown_has_table_machine_and_errors() {
        let md = report(vec![
            result("spawn_many", Some(5), 10),
            result("b", None, 10),
        ])
        .markdown();
        assert!(md.contains("| workload "), "{md}");
        assert!(md.contains("| spawn_many "), "{md}");
        assert!(md.contains(" 0.50 |"), "{md}");
        assert!(md.contains("5.00 ms ±0%"), "{md}");
        assert!(md.contains("- kernel: 6.13.0"), "{md}");
        assert!(md.contains("- CPU: Test CPU"), "{md}");
        assert!(
            md.contains("## Errors") && md.contains("b · ringbolt: boom"),
            "{md}"
        );
        // Every table line has the same number of columns.
        let pipes: Vec<usize> = md
            .lines()
            .filter(|l| l.starts_with('|'))
            .map(|l| l.matches('|').count())
            .collect();
        assert_eq!(pipes.len(), 4);
        assert!(pipes.iter().all(|&p| p == pipes[0]));
    }

    #[test]
    fn svg_draws_one_bar_per_ratio_and_the_unit_line() {
        let svg = ratio_chart(&[("fast", Some(0.5)), ("slow", Some(3.0)), ("gone", None)]);
        assert!(svg.starts_with("<svg"));
        assert_eq!(svg.matches("<rect x=").count(), 2);
        assert!(svg.contains("#2e7d32") && svg.contains("#c62828"));
        assert!(svg.contains("n/a"));
        assert!(svg.contains(r#"stroke="black""#));
        // Axis spans 0.5..4 (3 is rounded up to the next power of two).
        assert!(svg.contains(">0.5×<") && svg.contains(">4×<"));
        assert!(ratio_chart(&[("<&>", Some(1.0))]).contains("&lt;&amp;&gt;"));
    }

    #[test]
    fn latencies_pool_into_p50_p99() {
        let samples = vec![
            Sample {
                elapsed: Duration::from_millis(1),
                latencies: (1..=50).map(Duration::from_micros).collect(),
            },
            Sample {
                elapsed: Duration::from_millis(3),
                latencies: (51..=100).map(Duration::from_micros).collect(),
            },
        ];
        let r = RuntimeResult::from_samples(&samples, None);
        assert_eq!(r.p50, Some(Duration::from_micros(50)));
        assert_eq!(r.p99, Some(Duration::from_micros(99)));
        assert_eq!(r.median(), Some(Duration::from_millis(2)));
        assert_eq!(r.ops_per_sec, None);
    }

    #[test]
    fn dates_and_cpuinfo() {
        assert_eq!(utc_date(UNIX_EPOCH), "1970-01-01 00:00:00 UTC");
        let t = UNIX_EPOCH + Duration::from_secs(1_709_210_096); // 2024-02-29 12:34:56
        assert_eq!(utc_date(t), "2024-02-29 12:34:56 UTC");
        let info = "processor\t: 0\nvendor_id\t: X\nmodel name\t: AMD EPYC 9R14\n";
        assert_eq!(cpu_model(info).as_deref(), Some("AMD EPYC 9R14"));
        assert_eq!(cpu_model("nothing here"), None);
    }
}
