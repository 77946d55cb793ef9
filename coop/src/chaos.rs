//! Seeded schedule perturbation, for tests only (cargo feature `chaos`).
//!
//! The executor and the reactor call [`one_in`] and [`point`] where their
//! cross-thread protocols meet: a task made visible and the wake that
//! follows, a worker going to sleep and its re-check of the queues, a
//! completion and the waiter that registers for it, the completion lock of
//! a ring. With the feature, [`one_in`] answers from a per-thread generator
//! (the executor then sends a wake to the injector instead of the local
//! queue, steals before looking at its own queue, puts a picked task back,
//! helps a worker that is not stuck, makes a task yield) and [`point`]
//! sometimes spins or yields the thread, so each seed drives the threads
//! through different interleavings. Without the feature every function here
//! is an empty `#[inline(always)]` one and the hooks compile to nothing.
//!
//! Every thread's generator is derived from one process-wide seed: the
//! `RINGBOLT_SEED` environment variable, or [`set_seed`], or else one taken
//! from the clock and printed on standard error. A seed fixes the decisions
//! each thread makes, not the operating system's scheduling, so replaying a
//! failing seed repeats its perturbations and makes the failure likely, not
//! certain, to come back: replay it several times.

/// Whether this build perturbs schedules (the `chaos` feature).
pub const ENABLED: bool = cfg!(feature = "chaos");

#[cfg(feature = "chaos")]
mod imp {
    use std::cell::Cell;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Once;

    /// The process-wide seed.
    static SEED: AtomicU64 = AtomicU64::new(0);
    /// Bumped by every `set_seed`: a thread re-seeds when it sees a new one.
    /// Zero until the first seed is set.
    static EPOCH: AtomicU64 = AtomicU64::new(0);
    /// Threads that drew since the last `set_seed`: each gets its own stream.
    static THREADS: AtomicU64 = AtomicU64::new(0);
    static FROM_ENV: Once = Once::new();

    thread_local! {
        /// (epoch the state belongs to, generator state).
        static STATE: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
    }

    /// splitmix64's output function: spreads neighbouring inputs apart.
    fn mix(mut z: u64) -> u64 {
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Sets the seed every thread's generator is derived from; each thread
    /// re-seeds at its next draw.
    pub fn set_seed(seed: u64) {
        FROM_ENV.call_once(|| {});
        SEED.store(seed, Ordering::Relaxed);
        THREADS.store(0, Ordering::Relaxed);
        // Release: a thread that sees the new epoch (Acquire) sees the seed.
        EPOCH.fetch_add(1, Ordering::Release);
    }

    fn epoch() -> u64 {
        FROM_ENV.call_once(|| {
            let seed = match std::env::var("RINGBOLT_SEED") {
                Ok(s) => s
                    .trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("RINGBOLT_SEED={s:?} is not a u64")),
                Err(_) => {
                    let seed = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(1, |d| d.as_nanos() as u64);
                    eprintln!("ringbolt chaos: seed {seed} (replay with RINGBOLT_SEED={seed})");
                    seed
                }
            };
            SEED.store(seed, Ordering::Relaxed);
            EPOCH.fetch_add(1, Ordering::Release);
        });
        EPOCH.load(Ordering::Acquire)
    }

    /// The current seed. The first use reads `RINGBOLT_SEED`, or takes a
    /// seed from the clock and prints it.
    pub fn seed() -> u64 {
        epoch();
        SEED.load(Ordering::Relaxed)
    }

    /// The calling thread's next draw. A thread whose locals are being
    /// destroyed (a task dropped by a thread-local's destructor) draws 1:
    /// no perturbation.
    fn next() -> u64 {
        let epoch = epoch();
        STATE
            .try_with(|state| {
                let (seen, mut x) = state.get();
                if seen != epoch {
                    let thread = THREADS.fetch_add(1, Ordering::Relaxed);
                    x = mix(SEED.load(Ordering::Relaxed) ^ mix(thread.wrapping_add(1)));
                }
                x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
                state.set((epoch, x));
                mix(x)
            })
            .unwrap_or(1)
    }

    /// `true` with probability `1 / n`.
    pub fn one_in(n: u32) -> bool {
        next().is_multiple_of(u64::from(n.max(1)))
    }

    /// A perturbation point: sometimes spins for a few hundred cycles and
    /// now and then yields the thread, so another thread gets to run
    /// between the two steps it separates.
    pub fn point() {
        let r = next();
        if r.is_multiple_of(64) {
            std::thread::yield_now();
        } else if r.is_multiple_of(4) {
            for _ in 0..(r >> 32) % 512 {
                std::hint::spin_loop();
            }
        }
    }
}

#[cfg(feature = "chaos")]
pub use imp::{one_in, point, seed, set_seed};
#[cfg(not(feature = "chaos"))]
pub use off::{one_in, point, seed, set_seed};

/// Without the `chaos` feature: every hook is empty and inlined away.
#[cfg(not(feature = "chaos"))]
mod off {
    /// Sets the seed every thread's generator is derived from; each thread
    /// re-seeds at its next draw. Does nothing without the `chaos` feature.
    #[inline(always)]
    pub fn set_seed(_seed: u64) {}

    /// The current seed (0 without the `chaos` feature). The first use
    /// reads `RINGBOLT_SEED`, or takes a seed from the clock and prints it.
    #[inline(always)]
    pub fn seed() -> u64 {
        0
    }

    /// `true` with probability `1 / n` (never without the `chaos` feature).
    #[inline(always)]
    pub fn one_in(_n: u32) -> bool {
        false
    }

    /// A perturbation point: with the `chaos` feature, sometimes spins for
    /// a few hundred cycles and now and then yields the thread, so another
    /// thread gets to run between the two steps it separates. Nothing
    /// without it.
    #[inline(always)]
    pub fn point() {}
}

#[cfg(all(test, feature = "chaos"))]
mod tests {
    use super::*;

    /// The same seed gives a thread the same decisions.
    #[test]
    fn a_seed_replays_its_decisions() {
        let draw = || (0..64).map(|_| one_in(3)).collect::<Vec<_>>();
        let run = |seed| {
            std::thread::spawn(move || {
                set_seed(seed);
                draw()
            })
            .join()
            .unwrap()
        };
        let a = run(7);
        assert_eq!(a, run(7));
        assert_ne!(a, run(8));
        assert!(a.iter().any(|&x| x) && a.iter().any(|&x| !x));
    }
}
