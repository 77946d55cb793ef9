//! `ringbolt-bench`: runs every workload on ringbolt and tokio in one
//! process, interleaved over rounds, and writes `results/results.md`,
//! `results/results.csv` and `results/ratios.svg`. Some workloads run part
//! of an iteration in a child process: this binary again, with a hidden
//! first argument ([`ringbolt_benches::child`]).
//!
//! ```text
//! cargo run --release -p ringbolt-benches --bin ringbolt-bench -- --quick
//! ```

use std::process::ExitCode;

use ringbolt_benches::{child, cli, driver, workloads};

fn main() -> ExitCode {
    // A child process of a workload (`--load-generator`, `--peak-rss`).
    let raw: Vec<String> = std::env::args().skip(1).collect();
    if let Some(code) = child::dispatch(&raw) {
        return code;
    }
    let env_workers = std::env::var("RINGBOLT_BENCH_WORKERS").ok();
    let args = match cli::parse(std::env::args().skip(1), env_workers.as_deref()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("ringbolt-bench: {e}");
            return ExitCode::from(2);
        }
    };
    if args.help {
        print!("{}", cli::USAGE);
        return ExitCode::SUCCESS;
    }
    if args.list {
        for w in workloads::registry() {
            println!("{:<20} {:<10} {}", w.name(), w.family(), w.description());
        }
        return ExitCode::SUCCESS;
    }
    if let Some(driver) = &args.driver {
        // Read by every ringbolt runtime the workloads build; set before
        // any thread starts.
        std::env::set_var(ringbolt::runtime::DRIVER_ENV, driver);
    }
    let driver = match ringbolt::runtime::Builder::new().worker_threads(1).build() {
        Ok(rt) => rt.handle().driver(),
        Err(e) => {
            eprintln!("ringbolt-bench: ringbolt cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let selected = match workloads::select(args.workloads.as_deref()) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("ringbolt-bench: {e}");
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "ringbolt-bench: {} workload(s), {} worker(s) per runtime, {} round(s){}, \
         ringbolt on {driver}",
        selected.len(),
        args.workers,
        args.rounds,
        if args.quick { ", quick" } else { "" }
    );
    let report = driver::run(&args, &selected);
    println!("ringbolt's I/O driver: {driver}\n");
    print!("{}", report.table());
    match report.write_to(&args.out) {
        Ok(()) => {
            eprintln!(
                "wrote {0}/results.md, {0}/results.csv, {0}/ratios.svg",
                args.out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ringbolt-bench: writing {}: {e}", args.out.display());
            ExitCode::FAILURE
        }
    }
}
