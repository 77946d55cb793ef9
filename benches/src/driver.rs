//! Runs workloads on both runtimes in one process, interleaved over rounds.
//!
//! Per workload: build the runtimes it runs on (same worker count), plus
//! its baselines if it has any (e.g. a raw io-uring loop), one untimed
//! warm-up iteration each, then `rounds` rounds; round `r` runs ringbolt,
//! tokio, then the baselines, round `r + 1` the reverse, so drift on a noisy
//! machine (frequency, neighbours) hits all alike. Iterations per round are
//! chosen from the slower warm-up so each runtime spends about
//! [`Args::round_target`] per round.
//!
//! After the last round the driver calls [`Workload::clean_up`], so a
//! workload can remove what its iterations shared (a generated file tree).
//!
//! A watchdog aborts the process when one iteration runs past
//! [`Args::timeout`] (a hung runtime cannot be cancelled), after writing the
//! results gathered so far.

use std::io::{IsTerminal, Write};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::cli::Args;
use crate::report::{BaselineResult, Machine, Report, RunConfig, RuntimeResult, WorkloadResult};
use crate::runtimes::{AnyRuntime, RuntimeKind};
use crate::workloads::{Sample, Workload};

/// Shared between the driver and its watchdog.
struct Watch {
    /// What is running now and since when.
    current: Mutex<Option<(String, Instant)>>,
    /// Finished workloads, for a partial report.
    done: Mutex<Vec<WorkloadResult>>,
}

/// Runs `workloads` as `args` says and returns the report. Progress goes to
/// stderr.
pub fn run(args: &Args, workloads: &[Box<dyn Workload>]) -> Report {
    let config = RunConfig {
        workers: args.workers,
        rounds: args.rounds,
        scale: args.scale,
        quick: args.quick,
    };
    let watch = Arc::new(Watch {
        current: Mutex::new(None),
        done: Mutex::new(Vec::new()),
    });
    spawn_watchdog(watch.clone(), args.clone(), config.clone());
    let mut progress = Progress::new();

    for (i, w) in workloads.iter().enumerate() {
        let step = format!("[{}/{}] {}", i + 1, workloads.len(), w.name());
        let result = run_workload(args, w.as_ref(), &step, &watch, &mut progress);
        watch.done.lock().unwrap().push(result);
    }
    progress.finish();
    *watch.current.lock().unwrap() = None;
    let results = std::mem::take(&mut *watch.done.lock().unwrap());
    Report {
        machine: Machine::detect(),
        config,
        results,
    }
}

fn run_workload(
    args: &Args,
    w: &dyn Workload,
    step: &str,
    watch: &Watch,
    progress: &mut Progress,
) -> WorkloadResult {
    let workers = w.workers(args.workers);
    let scale = if args.quick {
        args.scale * w.quick_scale()
    } else {
        args.scale
    };
    let mut slots: Vec<Slot> = w
        .runtimes()
        .iter()
        .map(|&kind| {
            progress.show(&format!("{step} · {kind} · building"));
            match kind.build(workers) {
                Ok(rt) => Slot::new(Runner::Runtime(kind, rt)),
                Err(e) => {
                    let mut slot = Slot::new(Runner::Unavailable(kind));
                    slot.error = Some(format!("runtime did not build: {e}"));
                    slot
                }
            }
        })
        .collect();
    slots.extend(
        w.baselines()
            .iter()
            .enumerate()
            .map(|(i, &name)| Slot::new(Runner::Baseline(i, name))),
    );

    // Warm-up: one untimed iteration each; its time sizes the rounds.
    let mut slowest = Duration::ZERO;
    for slot in slots.iter_mut().filter(|s| s.runnable()) {
        let label = format!("{step} · {} · warm-up", slot.label());
        progress.show(&label);
        if let Some(s) = slot.iterate(w, scale, watch, &label) {
            slowest = slowest.max(s.elapsed);
        }
    }
    let iters = iters_per_round(args.round_target(), slowest, args.min_iters_per_round());

    for round in 0..args.rounds {
        // Alternate the order so drift hits every runner alike.
        let mut order: Vec<usize> = (0..slots.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for idx in order {
            let slot = &mut slots[idx];
            if !slot.runnable() {
                continue;
            }
            let label = format!(
                "{step} · {} · round {}/{}",
                slot.label(),
                round + 1,
                args.rounds
            );
            progress.show(&label);
            for _ in 0..iters {
                match slot.iterate(w, scale, watch, &label) {
                    Some(s) => slot.samples.push(s),
                    None => break,
                }
            }
        }
    }

    let ops = w.ops_per_iter(scale);
    let mut result = WorkloadResult {
        name: w.name().to_string(),
        family: w.family().to_string(),
        ops_per_iter: ops,
        ringbolt: RuntimeResult::default(),
        tokio: RuntimeResult::default(),
        runtimes: w.runtimes().to_vec(),
        workers,
        scale,
        baselines: Vec::new(),
        tail: w.tail_latency(),
    };
    for slot in slots {
        let mut r = RuntimeResult::from_samples(&slot.samples, ops);
        r.error = slot.error;
        match slot.runner {
            Runner::Runtime(kind, rt) => {
                // Shutting down is covered by the watchdog too.
                let label = format!("{step} · {kind} · shutting down");
                *watch.current.lock().unwrap() = Some((label, Instant::now()));
                drop(rt);
                *watch.current.lock().unwrap() = None;
                *result.get_mut(kind) = r;
            }
            Runner::Unavailable(kind) => *result.get_mut(kind) = r,
            Runner::Retired(kind) => *result.get_mut(kind) = r,
            Runner::Baseline(_, name) => result.baselines.push(BaselineResult {
                name: name.to_string(),
                result: r,
            }),
        }
    }
    w.clean_up();
    result
}

/// Timed iterations per round: fill `target` given one iteration takes
/// `per_iter`, at least `min`, at most 1,000.
pub fn iters_per_round(target: Duration, per_iter: Duration, min: usize) -> usize {
    if per_iter.is_zero() {
        return min.max(1);
    }
    let n = (target.as_secs_f64() / per_iter.as_secs_f64()).floor() as usize;
    n.clamp(min.max(1), 1000.max(min))
}

/// What a slot runs.
enum Runner {
    /// A built runtime.
    Runtime(RuntimeKind, AnyRuntime),
    /// A runtime that did not build.
    Unavailable(RuntimeKind),
    /// A runtime whose iteration panicked (leaked, not dropped: its threads
    /// may be wedged).
    Retired(RuntimeKind),
    /// Baseline `index` of the workload, run on the driver thread.
    Baseline(usize, &'static str),
}

struct Slot {
    runner: Runner,
    samples: Vec<Sample>,
    error: Option<String>,
}

impl Slot {
    fn new(runner: Runner) -> Slot {
        Slot {
            runner,
            samples: Vec::new(),
            error: None,
        }
    }

    fn label(&self) -> String {
        match &self.runner {
            Runner::Runtime(kind, _) | Runner::Unavailable(kind) | Runner::Retired(kind) => {
                kind.to_string()
            }
            Runner::Baseline(_, name) => (*name).to_string(),
        }
    }

    fn runnable(&self) -> bool {
        match self.runner {
            Runner::Runtime(..) => true,
            Runner::Baseline(..) => self.error.is_none(),
            Runner::Unavailable(_) | Runner::Retired(_) => false,
        }
    }

    /// One iteration; on panic, records the error and retires the runner
    /// (a runtime is leaked, not dropped: its threads may be wedged).
    fn iterate(
        &mut self,
        w: &dyn Workload,
        scale: f64,
        watch: &Watch,
        label: &str,
    ) -> Option<Sample> {
        if !self.runnable() {
            return None;
        }
        *watch.current.lock().unwrap() = Some((label.to_string(), Instant::now()));
        let out = panic::catch_unwind(AssertUnwindSafe(|| match &self.runner {
            Runner::Runtime(_, rt) => Some(w.run(rt, scale)),
            Runner::Baseline(i, _) => w.run_baseline(*i, scale),
            Runner::Unavailable(_) | Runner::Retired(_) => None,
        }));
        *watch.current.lock().unwrap() = None;
        match out {
            Ok(Some(s)) => Some(s),
            Ok(None) => {
                self.error = Some("the workload has no such baseline".into());
                None
            }
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "non-string panic".into());
                self.error = Some(format!("panicked: {msg}"));
                if let Runner::Runtime(kind, _) = self.runner {
                    let old = std::mem::replace(&mut self.runner, Runner::Retired(kind));
                    std::mem::forget(old);
                }
                None
            }
        }
    }
}

fn spawn_watchdog(watch: Arc<Watch>, args: Args, config: RunConfig) {
    thread::Builder::new()
        .name("bench-watchdog".into())
        .spawn(move || loop {
            thread::sleep(Duration::from_millis(500));
            let stuck = watch
                .current
                .lock()
                .unwrap()
                .as_ref()
                .filter(|(_, since)| since.elapsed() > args.timeout)
                .map(|(label, _)| label.clone());
            if let Some(label) = stuck {
                eprintln!(
                    "\nringbolt-bench: `{label}` ran longer than {:?}; the runtime looks hung. \
                     Writing partial results and exiting.",
                    args.timeout
                );
                let report = Report {
                    machine: Machine::detect(),
                    config: config.clone(),
                    results: watch.done.lock().unwrap().clone(),
                };
                match report.write_to(&args.out) {
                    Ok(()) => eprintln!("partial results in {}", args.out.display()),
                    Err(e) => eprintln!("could not write partial results: {e}"),
                }
                print!("{}", report.table());
                std::process::exit(3);
            }
        })
        .expect("spawn watchdog thread");
}

/// The one-line progress display on stderr (rewritten in place on a TTY).
struct Progress {
    tty: bool,
    started: Instant,
}

impl Progress {
    fn new() -> Progress {
        Progress {
            tty: std::io::stderr().is_terminal(),
            started: Instant::now(),
        }
    }

    fn show(&mut self, line: &str) {
        let t = self.started.elapsed().as_secs();
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\r\x1b[K{line}  ({t}s)");
        } else {
            let _ = writeln!(err, "{line}  ({t}s)");
        }
        let _ = err.flush();
    }

    fn finish(&mut self) {
        if self.tty {
            eprintln!();
        }
        eprintln!("done in {:.1}s", self.started.elapsed().as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iteration_counts() {
        let ms = Duration::from_millis;
        assert_eq!(iters_per_round(ms(300), ms(10), 1), 30);
        assert_eq!(iters_per_round(ms(300), ms(1000), 1), 1);
        assert_eq!(iters_per_round(ms(300), ms(1000), 3), 3);
        assert_eq!(iters_per_round(ms(300), Duration::from_nanos(1), 1), 1000);
        assert_eq!(iters_per_round(ms(300), Duration::ZERO, 2), 2);
    }
}
