//! Tests of the report.
use super::*;

fn result(name: &str, rb_ms: Option<u64>, tk_ms: u64) -> WorkloadResult {
    let samples = |ms: u64| {
        vec![Sample {
            elapsed: Duration::from_millis(ms),
            ..Sample::default()
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
        runtimes: RuntimeKind::ALL.to_vec(),
        workers: 2,
        scale: 1.0,
        baselines: Vec::new(),
        tail: false,
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
        "a,scheduler,ringbolt,1,5000000,5000000,5000000,0,1000,200000,,,0.5000,,2,1,,,,,,,,"
    );
    assert!(
        lines[2].starts_with("a,scheduler,tokio,1,10000000,"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].ends_with(",\"boom, \"\"quoted\"\"\",2,1,,,,,,,,"),
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
fn baseline_memory_tables_and_notes() {
    let mut nop = result("nop_qd1", Some(20), 1);
    nop.runtimes = vec![RuntimeKind::Ringbolt];
    nop.tokio = RuntimeResult::default();
    nop.workers = 1;
    nop.baselines = vec![BaselineResult {
        name: "raw io_uring (1 thread)".into(),
        result: RuntimeResult::from_samples(
            &[Sample {
                elapsed: Duration::from_millis(10),
                ..Sample::default()
            }],
            Some(1000),
        ),
    }];
    let mut fixed = result("raw_fixed", None, 1);
    fixed.runtimes = vec![];
    fixed.baselines = nop.baselines.clone();
    let mut sleeps = result("sleeps", Some(5), 10);
    sleeps.ringbolt.rss_growth = Some(1 << 20);
    sleeps.ringbolt.rss_growth_max = Some(2 << 20);
    sleeps.tokio.rss_growth = Some(4 << 20);
    sleeps.tokio.rss_growth_max = Some(4 << 20);
    sleeps.scale = 0.25;
    let r = report(vec![nop, fixed, sleeps]);
    let t = r.table();
    // The tokio table leaves out workloads that do not run on tokio.
    let tokio_part = &t[..t.find("### ringbolt vs baselines").unwrap()];
    assert!(
        !tokio_part.contains("nop_qd1") && tokio_part.contains("sleeps"),
        "{t}"
    );
    assert!(t.contains("| nop_qd1 ") && t.contains(" 2.00 |"), "{t}");
    assert!(t.contains("not run"), "{t}");
    assert!(
        t.contains("1.00 MiB (2.00 MiB)") && t.contains(" 0.25 |"),
        "{t}"
    );
    assert!(
        t.contains("- nop_qd1: runtimes ran with 1 worker(s), not 2"),
        "{t}"
    );
    assert!(t.contains("- sleeps: ran at scale 0.25"), "{t}");
    let csv = r.csv();
    assert!(
        csv.lines().any(
            |l| l.starts_with("nop_qd1,scheduler,raw io_uring (1 thread),")
                && l.ends_with(",2.0000,,,,,")
        ),
        "{csv}"
    );
    assert!(!csv.contains("nop_qd1,scheduler,tokio"), "{csv}");
    assert!(r.svg().contains("nop_qd1 vs raw"));
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
            ..Sample::default()
        },
        Sample {
            elapsed: Duration::from_millis(3),
            latencies: (51..=100).map(Duration::from_micros).collect(),
            ..Sample::default()
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

#[test]
fn tail_latencies_have_their_own_table() {
    let samples = [Sample {
        elapsed: Duration::from_millis(5),
        latencies: (1..=2000).map(Duration::from_micros).collect(),
        ..Sample::default()
    }];
    let rr = RuntimeResult::from_samples(&samples, Some(2000));
    assert_eq!(rr.p999, Some(Duration::from_micros(1998)));
    assert_eq!(rr.max_latency, Some(Duration::from_micros(2000)));
    let mut tail = result("busy", Some(5), 10);
    tail.ringbolt = rr;
    let plain = report(vec![tail.clone()]);
    assert!(!plain.table().contains("Tail latency"));
    tail.tail = true;
    let t = report(vec![tail]).table();
    assert!(t.contains("### Tail latency") && t.contains("p99.9"), "{t}");
    assert!(t.contains("| busy ") && t.contains("2.00 ms"), "{t}");
}

#[test]
fn peak_memory_has_its_own_table_and_csv_columns() {
    let samples = |peaks: &[u64], base: u64| -> Vec<Sample> {
        peaks
            .iter()
            .map(|&p| Sample {
                elapsed: Duration::from_millis(80),
                peak_rss: Some(p),
                base_rss: Some(base),
                ..Sample::default()
            })
            .collect()
    };
    let mut w = result("sleeps_peak", Some(1), 1);
    w.ops_per_iter = Some(100_000);
    w.ringbolt = RuntimeResult::from_samples(
        &samples(&[60 << 20, 62 << 20, 70 << 20], 4 << 20),
        Some(100_000),
    );
    w.tokio = RuntimeResult::from_samples(&samples(&[40 << 20, 41 << 20], 3 << 20), Some(100_000));
    assert_eq!(w.ringbolt.peak_rss, Some(62 << 20), "the upper median");
    assert_eq!(w.ringbolt.peak_rss_max, Some(70 << 20));
    let r = report(vec![w, result("plain", Some(1), 1)]);
    let t = r.table();
    let part = &t[t
        .find("### Memory: peak resident set")
        .expect("the peak table")..];
    // 62 MiB against 41 MiB; (62 - 4) MiB / 100k tasks = 608 B.
    let row = part
        .lines()
        .find(|l| l.starts_with("| sleeps_peak "))
        .unwrap();
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    assert_eq!(
        cells[1..7],
        [
            "sleeps_peak",
            "62.0 MiB (70.0 MiB)",
            "41.0 MiB (41.0 MiB)",
            "1.51",
            "608 B",
            "398 B"
        ],
        "{part}"
    );
    assert!(!part.contains("plain"), "{part}");
    assert!(
        !t.contains("resident-set growth"),
        "no growth table without growth: {t}"
    );
    let csv = r.csv();
    let ringbolt_row = csv.lines().nth(1).unwrap();
    assert!(
        ringbolt_row.ends_with(&format!(",{},{},{}", 62 << 20, 70 << 20, 4 << 20)),
        "{ringbolt_row}"
    );
    assert!(!report(vec![result("plain", Some(1), 1)])
        .table()
        .contains("peak resident set"));
}
