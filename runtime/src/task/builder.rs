//! [`Builder`] for named tasks, and [`current_name`].

use std::future::Future;
use std::io;
use std::sync::Arc;

use crate::task::JoinHandle;
use crate::Handle;

crate::task_local! {
    static TASK_NAME: Arc<str>;
}

/// Configures a task before spawning it (tokio's `task::Builder`): for now,
/// its name, readable inside the task with [`current_name`].
///
/// ```
/// ringbolt::run(async {
///     let h = ringbolt::task::Builder::new()
///         .name("fetcher")
///         .spawn(async { ringbolt::task::current_name() })
///         .unwrap();
///     assert_eq!(h.await.unwrap().as_deref(), Some("fetcher"));
/// })
/// .unwrap();
/// ```
#[derive(Debug, Default, Clone)]
pub struct Builder {
    name: Option<Arc<str>>,
}

impl Builder {
    /// A builder for an unnamed task.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the task.
    pub fn name(mut self, name: &str) -> Builder {
        self.name = Some(name.into());
        self
    }

    /// Spawns the task on the current runtime. Never fails today; the
    /// `Result` is tokio's signature.
    ///
    /// # Panics
    ///
    /// Outside a ringbolt runtime.
    pub fn spawn<F>(self, future: F) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_on(future, &Handle::current())
    }

    /// Spawns the task on `handle`'s runtime.
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Ok(match self.name {
            Some(name) => handle.spawn(TASK_NAME.scope(name, future)),
            None => handle.spawn(future),
        })
    }
}

/// The name given to the current task with [`Builder::name`], if any.
pub fn current_name() -> Option<String> {
    TASK_NAME.try_with(|name| name.to_string()).ok()
}
