//! [`lookup_host`]: name resolution.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

/// Resolves `"host:port"` (or `"1.2.3.4:80"`, `"[::1]:80"`) to socket
/// addresses.
///
/// There is no io_uring op for name resolution, so this runs
/// `getaddrinfo(3)` on the runtime's **blocking pool**
/// (`ringbolt::spawn_blocking`); it ties up one blocking thread until the
/// resolver answers.
///
/// # Errors
/// Whatever the resolver reports (unknown host, malformed input as
/// `InvalidInput`), or `Other` if the blocking task panicked.
///
/// # Panics
/// Outside a ringbolt runtime.
pub async fn lookup_host(host: impl Into<String>) -> io::Result<std::vec::IntoIter<SocketAddr>> {
    let host = host.into();
    let addrs = ringbolt_executor::spawn_blocking(move || {
        host.as_str().to_socket_addrs().map(Vec::from_iter)
    })
    .await
    .map_err(|e| io::Error::other(format!("lookup_host task failed: {e}")))??;
    Ok(addrs.into_iter())
}
