//! Small helpers shared by the modules: errors and statx masks.

use std::io;

/// The statx fields [`crate::Metadata`] reports.
pub(crate) const METADATA_MASK: u32 = libc::STATX_BASIC_STATS | libc::STATX_BTIME;

/// An `InvalidInput` error with a message.
pub(crate) fn invalid_input(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg.into())
}

/// Adds a byte count to a file offset, refusing to wrap.
pub(crate) fn offset_add(pos: u64, n: usize) -> io::Result<u64> {
    u64::try_from(n)
        .ok()
        .and_then(|n| pos.checked_add(n))
        .ok_or_else(|| invalid_input("file offset overflows u64"))
}

/// Awaits a blocking-pool job, turning a panic or cancellation into an error.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    ringbolt_executor::spawn_blocking(f)
        .await
        .map_err(|e| io::Error::other(format!("blocking file job failed: {e}")))?
}
