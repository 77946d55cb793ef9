//! The blocking pool: threads for work that would stall a worker
//! (`spawn_blocking`, and the few file-system calls with no ring op).
//!
//! Threads are started on demand up to a bound, and an idle thread exits
//! after `keep_alive`. A job waits in the queue only when every thread is
//! busy and the bound is reached. At shutdown, queued jobs are dropped
//! (their handles report cancellation) and idle threads exit; a job already
//! running finishes on its own thread, which the runtime does not wait for,
//! so shutdown never hangs on user code.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

use crate::scheduler::{Handle, Shared};
use crate::task::Runnable;

#[derive(Debug, Default)]
struct State {
    queue: VecDeque<Runnable>,
    threads: usize,
    idle: usize,
    /// Idle threads already notified of a job they have not yet taken.
    notified: usize,
    shutdown: bool,
}

/// A bounded, growable pool of threads for blocking jobs.
#[derive(Debug)]
pub(crate) struct BlockingPool {
    state: Mutex<State>,
    cvar: Condvar,
    max_threads: usize,
    keep_alive: Duration,
    thread_name: String,
}

impl BlockingPool {
    pub(crate) fn new(max_threads: usize, keep_alive: Duration, thread_name: String) -> Self {
        BlockingPool {
            state: Mutex::new(State::default()),
            cvar: Condvar::new(),
            max_threads: max_threads.max(1),
            keep_alive,
            thread_name,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a job, waking an idle thread or starting a new one.
    pub(crate) fn push(&self, shared: &Arc<Shared>, runnable: Runnable) {
        let mut state = self.lock();
        if state.shutdown {
            drop(state);
            drop(runnable); // cancels the job: its handle reports it
            return;
        }
        state.queue.push_back(runnable);
        if state.idle > state.notified {
            state.notified += 1;
            drop(state);
            self.cvar.notify_one();
        } else if state.threads < self.max_threads {
            state.threads += 1;
            drop(state);
            let weak = Arc::downgrade(shared);
            let spawned = std::thread::Builder::new()
                .name(self.thread_name.clone())
                .spawn(move || run_thread(weak));
            if spawned.is_err() {
                // Could not start a thread (resource limit): the job stays
                // queued for an existing thread, or is dropped at shutdown.
                self.lock().threads -= 1;
            }
        }
    }

    /// Drops queued jobs and lets idle threads exit.
    pub(crate) fn shutdown(&self) {
        let queued = {
            let mut state = self.lock();
            state.shutdown = true;
            std::mem::take(&mut state.queue)
        };
        self.cvar.notify_all();
        drop(queued);
    }

    /// Threads currently alive in the pool.
    pub(crate) fn num_threads(&self) -> usize {
        self.lock().threads
    }
}

fn run_thread(shared: Weak<Shared>) {
    let Some(strong) = shared.upgrade() else {
        return;
    };
    let handle = Handle::from_shared(strong);
    let _enter = handle.enter();
    let pool = &handle.shared().blocking;
    let mut state = pool.lock();
    loop {
        if let Some(job) = state.queue.pop_front() {
            drop(state);
            // A panicking job is caught by its task wrapper; this guards
            // against a panicking destructor.
            let _ = catch_unwind(AssertUnwindSafe(|| job.run()));
            state = pool.lock();
            continue;
        }
        if state.shutdown {
            break;
        }
        state.idle += 1;
        let (next, timeout) = pool
            .cvar
            .wait_timeout(state, pool.keep_alive)
            .unwrap_or_else(|e| e.into_inner());
        state = next;
        state.idle -= 1;
        state.notified = state.notified.saturating_sub(1);
        if timeout.timed_out() && state.queue.is_empty() {
            break;
        }
    }
    state.threads -= 1;
}
