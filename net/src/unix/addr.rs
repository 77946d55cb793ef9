//! Unix socket addresses: socket2's and the reactor's forms to `std`'s.

use ringbolt_reactor::op::UnixName as Named;
use std::io;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::SocketAddr;
use std::sync::OnceLock;

/// `std`'s address for `named`. `std` has no constructor for an unnamed
/// address, so one is taken (once) from an unbound datagram socket.
pub(super) fn from_named(named: Named<'_>) -> io::Result<SocketAddr> {
    static UNNAMED: OnceLock<SocketAddr> = OnceLock::new();
    match named {
        Named::Path(p) => SocketAddr::from_pathname(p),
        Named::Abstract(name) => SocketAddr::from_abstract_name(name),
        Named::Unnamed => {
            if let Some(a) = UNNAMED.get() {
                return Ok(a.clone());
            }
            let a = std::os::unix::net::UnixDatagram::unbound()?.local_addr()?;
            Ok(UNNAMED.get_or_init(|| a).clone())
        }
    }
}

/// `std`'s address for a socket2 address of the Unix family.
pub(super) fn to_std(addr: &socket2::SockAddr) -> io::Result<SocketAddr> {
    if let Some(p) = addr.as_pathname() {
        from_named(Named::Path(p))
    } else if let Some(name) = addr.as_abstract_namespace() {
        from_named(Named::Abstract(name))
    } else if addr.is_unnamed() {
        from_named(Named::Unnamed)
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a Unix socket address",
        ))
    }
}
