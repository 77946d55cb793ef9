//! Runs workloads on both runtimes in one process, interleaved over rounds.
//!
//! Per workload: build both runtimes (same worker count), one untimed
//! warm-up iteration each, then `rounds` rounds; round `r` runs ringbolt
//! then tokio, round `r + 1` tokio then ringbolt, so drift on a noisy
//! machine (frequency, neighbours) hits both alike. Iterations per round are
//! chosen from the slower warm-up so each runtime spends about
//! [`Args::round_target`] per round.
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
use crate::report::{Machine, Report, RunConfig, RuntimeResult, WorkloadResult};
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
    let mut slots: Vec<Slot> = RuntimeKind::ALL
        .iter()
        .map(|&kind| {
            progress.show(&format!("{step} · {kind} · building"));
            match kind.build(args.workers) {
                Ok(rt) => Slot {
                    kind,
                    rt: Some(rt),
                    samples: Vec::new(),
                    error: None,
                },
                Err(e) => Slot {
                    kind,
                    rt: None,
                    samples: Vec::new(),
                    error: Some(format!("runtime did not build: {e}")),
                },
            }
        })
        .collect();

    // Warm-up: one untimed iteration each; its time sizes the rounds.
    let mut slowest = Duration::ZERO;
    for slot in slots.iter_mut().filter(|s| s.rt.is_some()) {
        let label = format!("{step} · {} · warm-up", slot.kind);
        progress.show(&label);
        if let Some(s) = slot.iterate(w, args.scale, watch, &label) {
            slowest = slowest.max(s.elapsed);
        }
    }
    let iters = iters_per_round(args.round_target(), slowest, args.min_iters_per_round());

    for round in 0..args.rounds {
        let order: Vec<usize> = if round % 2 == 0 {
            vec![0, 1]
        } else {
            vec![1, 0]
        };
        for idx in order {
            let slot = &mut slots[idx];
            if slot.rt.is_none() {
                continue;
            }
            let label = format!(
                "{step} · {} · round {}/{}",
                slot.kind,
                round + 1,
                args.rounds
            );
            progress.show(&label);
            for _ in 0..iters {
                match slot.iterate(w, args.scale, watch, &label) {
                    Some(s) => slot.samples.push(s),
                    None => break,
                }
            }
        }
    }

    let ops = w.ops_per_iter(args.scale);
    let mut results = slots.into_iter().map(|slot| {
        let mut r = RuntimeResult::from_samples(&slot.samples, ops);
        r.error = slot.error;
        if let Some(rt) = slot.rt {
            // Shutting down is covered by the watchdog too.
            let label = format!("{step} · {} · shutting down", slot.kind);
            *watch.current.lock().unwrap() = Some((label, Instant::now()));
            drop(rt);
            *watch.current.lock().unwrap() = None;
        }
        r
    });
    let ringbolt = results.next().unwrap_or_default();
    let tokio = results.next().unwrap_or_default();
    WorkloadResult {
        name: w.name().to_string(),
        family: w.family().to_string(),
        ops_per_iter: ops,
        ringbolt,
        tokio,
    }
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

struct Slot {
    kind: RuntimeKind,
    rt: Option<AnyRuntime>,
    samples: Vec<Sample>,
    error: Option<String>,
}

impl Slot {
    /// One iteration; on panic, records the error and retires the runtime
    /// (leaked, not dropped: its threads may be wedged).
    fn iterate(
        &mut self,
        w: &dyn Workload,
        scale: f64,
        watch: &Watch,
        label: &str,
    ) -> Option<Sample> {
        let rt = self.rt.as_ref()?;
        *watch.current.lock().unwrap() = Some((label.to_string(), Instant::now()));
        let out = panic::catch_unwind(AssertUnwindSafe(|| w.run(rt, scale)));
        *watch.current.lock().unwrap() = None;
        match out {
            Ok(s) => Some(s),
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "non-string panic".into());
                self.error = Some(format!("panicked: {msg}"));
                std::mem::forget(self.rt.take());
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
