//! Socket addresses in the kernel's layout: IP (`std::net::SocketAddr`)
//! and Unix-domain (paths, abstract names, unnamed).

use std::io;
use std::mem;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// A socket address in the kernel's layout (`sockaddr_storage`) with its
/// length: what `sendmsg` sends to and `recvmsg` reports the sender as.
pub struct RawAddr {
    pub(crate) storage: libc::sockaddr_storage,
    pub(crate) len: libc::socklen_t,
}

impl std::fmt::Debug for RawAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawAddr")
            .field("family", &self.storage.ss_family)
            .field("len", &self.len)
            .finish()
    }
}

/// What a Unix-domain address names ([`RawAddr::to_unix`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnixName<'a> {
    /// Nobody: an unbound socket or a `socketpair` end.
    Unnamed,
    /// A filesystem path.
    Path(&'a Path),
    /// A name in the abstract namespace (without its leading NUL).
    Abstract(&'a [u8]),
}

/// Offset of `sun_path` in `sockaddr_un`.
const SUN_PATH_OFFSET: usize = mem::size_of::<libc::sa_family_t>();

impl RawAddr {
    /// Room for any address the kernel writes (accept, recvmsg).
    pub fn empty() -> Self {
        // SAFETY: sockaddr_storage is plain old data; all-zero is valid.
        let storage = unsafe { mem::zeroed() };
        Self {
            storage,
            len: mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t,
        }
    }

    /// An IPv4 or IPv6 address.
    pub fn from_std(addr: SocketAddr) -> Self {
        let mut raw = Self::empty();
        match addr {
            SocketAddr::V4(a) => {
                let sin = libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: a.port().to_be(),
                    sin_addr: libc::in_addr {
                        s_addr: u32::from_ne_bytes(a.ip().octets()),
                    },
                    sin_zero: [0; 8],
                };
                // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
                unsafe {
                    (&mut raw.storage as *mut libc::sockaddr_storage)
                        .cast::<libc::sockaddr_in>()
                        .write(sin)
                };
                raw.len = mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            }
            SocketAddr::V6(a) => {
                let sin6 = libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as libc::sa_family_t,
                    sin6_port: a.port().to_be(),
                    sin6_flowinfo: a.flowinfo(),
                    sin6_addr: libc::in6_addr {
                        s6_addr: a.ip().octets(),
                    },
                    sin6_scope_id: a.scope_id(),
                };
                // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
                unsafe {
                    (&mut raw.storage as *mut libc::sockaddr_storage)
                        .cast::<libc::sockaddr_in6>()
                        .write(sin6)
                };
                raw.len = mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t;
            }
        }
        raw
    }

    /// A Unix-domain address naming the filesystem path `path`.
    ///
    /// # Errors
    /// `InvalidInput` when the path holds a NUL byte or is too long for
    /// `sun_path` (107 bytes and a NUL).
    pub fn unix_path(path: &Path) -> io::Result<Self> {
        let bytes = path.as_os_str().as_bytes();
        let mut sun = libc::sockaddr_un {
            sun_family: libc::AF_UNIX as libc::sa_family_t,
            sun_path: [0; 108],
        };
        if bytes.contains(&0) || bytes.len() >= sun.sun_path.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a Unix socket path must hold no NUL and be shorter than 108 bytes",
            ));
        }
        for (dst, &b) in sun.sun_path.iter_mut().zip(bytes) {
            *dst = b as libc::c_char;
        }
        let mut raw = Self::empty();
        // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_un.
        unsafe {
            (&mut raw.storage as *mut libc::sockaddr_storage)
                .cast::<libc::sockaddr_un>()
                .write(sun)
        };
        raw.len = (SUN_PATH_OFFSET + bytes.len() + 1) as libc::socklen_t;
        Ok(raw)
    }

    /// The address's bytes, `len` of them (clamped to the storage: the
    /// kernel reports the full length of an address it had to truncate).
    fn bytes(&self) -> &[u8] {
        let len = (self.len as usize).min(mem::size_of::<libc::sockaddr_storage>());
        // SAFETY: `storage` is plain old data, fully initialised (zeroed,
        // then written by us or the kernel), and `len` is within it; the
        // slice borrows `self`, so nothing writes it meanwhile.
        unsafe {
            std::slice::from_raw_parts((&self.storage as *const libc::sockaddr_storage).cast(), len)
        }
    }

    /// What a Unix-domain address names; `None` for other families.
    pub fn to_unix(&self) -> Option<UnixName<'_>> {
        if i32::from(self.storage.ss_family) != libc::AF_UNIX {
            return None;
        }
        let path = self.bytes().get(SUN_PATH_OFFSET..).unwrap_or(&[]);
        Some(match path {
            [] => UnixName::Unnamed,
            [0, name @ ..] => UnixName::Abstract(name),
            _ => {
                let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
                UnixName::Path(Path::new(std::ffi::OsStr::from_bytes(&path[..end])))
            }
        })
    }

    /// The address, when it is IPv4 or IPv6 (`None` for Unix sockets and
    /// others).
    pub fn to_std(&self) -> Option<SocketAddr> {
        let p = &self.storage as *const libc::sockaddr_storage;
        match i32::from(self.storage.ss_family) {
            libc::AF_INET => {
                // SAFETY: the family says the storage holds a sockaddr_in.
                let sin = unsafe { p.cast::<libc::sockaddr_in>().read() };
                let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
                Some(SocketAddr::V4(SocketAddrV4::new(
                    ip,
                    u16::from_be(sin.sin_port),
                )))
            }
            libc::AF_INET6 => {
                // SAFETY: the family says the storage holds a sockaddr_in6.
                let sin6 = unsafe { p.cast::<libc::sockaddr_in6>().read() };
                let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
                Some(SocketAddr::V6(SocketAddrV6::new(
                    ip,
                    u16::from_be(sin6.sin6_port),
                    sin6.sin6_flowinfo,
                    sin6.sin6_scope_id,
                )))
            }
            _ => None,
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for a in ["127.0.0.1:8080", "[::1]:443", "[fe80::1%2]:1"] {
            let a: SocketAddr = a.parse().unwrap();
            assert_eq!(RawAddr::from_std(a).to_std(), Some(a));
        }
        assert_eq!(RawAddr::empty().to_std(), None);
    }

    #[test]
    fn unix_names() {
        let a = RawAddr::unix_path(Path::new("/tmp/sock")).unwrap();
        assert_eq!(a.to_unix(), Some(UnixName::Path(Path::new("/tmp/sock"))));
        assert_eq!(a.to_std(), None);
        let e = RawAddr::unix_path(Path::new(&"x".repeat(108))).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        let mut unnamed = RawAddr::unix_path(Path::new("a")).unwrap();
        unnamed.len = SUN_PATH_OFFSET as libc::socklen_t;
        assert_eq!(unnamed.to_unix(), Some(UnixName::Unnamed));
        assert_eq!(RawAddr::from_std(([1, 2, 3, 4], 5).into()).to_unix(), None);
    }
}
