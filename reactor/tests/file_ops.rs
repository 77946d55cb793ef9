//! Each file op against the kernel, at both ring sizes.
mod common;

use common::{block_on, configs};
use ringbolt_reactor::op::{
    Fallocate, Fsync, Ftruncate, LinkAt, MkDirAt, OpenAt, Read, Readv, RenameAt, Statx, SymlinkAt,
    UnlinkAt, Write, Writev,
};
use ringbolt_reactor::{submit, IoBuf, Reactor, SharedFd};
use std::io::ErrorKind;

#[test]
fn file_ops_against_the_kernel() {
    for cfg in configs() {
        let dir = tempfile::tempdir().unwrap();
        let reactor = Reactor::new(&cfg).unwrap();
        let d = dir.path().to_owned();
        block_on(&reactor, async move {
            let path = d.join("data");
            let flags = libc::O_RDWR | libc::O_CREAT | libc::O_TRUNC;
            let fd = SharedFd::new(
                submit(OpenAt::new(None, &path, flags, 0o644).unwrap())
                    .await
                    .unwrap(),
            );

            let (n, buf) = submit(Write::new(&fd, b"hello world".to_vec(), 0)).await;
            assert_eq!((n.unwrap(), &buf[..]), (11, &b"hello world"[..]));
            let (n, _) = submit(Write::new(&fd, "!", 11)).await;
            assert_eq!(n.unwrap(), 1);

            let (n, buf) = submit(Read::new(&fd, Vec::with_capacity(32), 0)).await;
            assert_eq!(n.unwrap(), 12);
            assert_eq!(buf, b"hello world!");
            // A slice view reads into the middle of a buffer.
            let (n, slice) = submit(Read::new(&fd, vec![b'.'; 8].slice(2..7), 6)).await;
            assert_eq!(n.unwrap(), 5);
            assert_eq!(slice.into_inner(), b"..world.");

            let bufs = vec![
                bytes::Bytes::from_static(b"ab"),
                bytes::Bytes::from_static(b"cde"),
            ];
            let (n, _) = submit(Writev::new(&fd, bufs, 100).unwrap()).await;
            assert_eq!(n.unwrap(), 5);
            let bufs = vec![Vec::with_capacity(3), Vec::with_capacity(2)];
            let (n, bufs) = submit(Readv::new(&fd, bufs, 100).unwrap()).await;
            assert_eq!(n.unwrap(), 5);
            assert_eq!(bufs[0].len() + bufs[1].len(), 5);
            assert!(bufs[0].starts_with(b"ab"));
            let too_many = vec![Vec::<u8>::new(); 2000];
            assert_eq!(
                Readv::new(&fd, too_many, 0).err().unwrap().kind(),
                ErrorKind::InvalidInput
            );

            submit(Fsync::new(&fd)).await.unwrap();
            submit(Fsync::datasync(&fd)).await.unwrap();
            submit(Fallocate::new(&fd, 0, 4096, 0)).await.unwrap();
            let st = submit(Statx::fd(&fd, libc::STATX_SIZE)).await.unwrap();
            assert_eq!(st.stx_size, 4096);
            submit(Ftruncate::new(&fd, 3)).await.unwrap();
            let st = submit(Statx::path(None, &path, 0, libc::STATX_SIZE).unwrap())
                .await
                .unwrap();
            assert_eq!(st.stx_size, 3);

            let sub = d.join("sub");
            submit(MkDirAt::new(None, &sub, 0o755).unwrap())
                .await
                .unwrap();
            let dirfd = SharedFd::new(
                submit(OpenAt::new(None, &sub, libc::O_RDONLY | libc::O_DIRECTORY, 0).unwrap())
                    .await
                    .unwrap(),
            );
            submit(RenameAt::new(None, &path, Some(&dirfd), "moved", 0).unwrap())
                .await
                .unwrap();
            assert!(!path.exists() && sub.join("moved").exists());
            submit(LinkAt::new(Some(&dirfd), "moved", Some(&dirfd), "hard", 0).unwrap())
                .await
                .unwrap();
            submit(SymlinkAt::new("moved", Some(&dirfd), "soft").unwrap())
                .await
                .unwrap();
            assert_eq!(std::fs::read(sub.join("soft")).unwrap(), b"hel");
            assert_eq!(std::fs::read(sub.join("hard")).unwrap(), b"hel");
            for name in ["moved", "hard", "soft"] {
                submit(UnlinkAt::new(Some(&dirfd), name, 0).unwrap())
                    .await
                    .unwrap();
            }
            dirfd.close().await.unwrap();
            fd.close().await.unwrap();
            submit(UnlinkAt::new(None, &sub, libc::AT_REMOVEDIR).unwrap())
                .await
                .unwrap();
            assert!(!sub.exists());

            // Errors come back as io::Errors of the right kind.
            let e = submit(OpenAt::new(None, d.join("missing"), libc::O_RDONLY, 0).unwrap())
                .await
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::NotFound);
            let e = OpenAt::new(None, "bad\0path", libc::O_RDONLY, 0).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
        });
        assert_eq!(reactor.metrics().snapshot().ops_in_flight, 0);
    }
}

#[test]
fn buffer_types_round_trip() {
    let reactor = Reactor::new(&Default::default()).unwrap();
    let file = tempfile::tempfile().unwrap();
    let fd = SharedFd::new(file.into());
    block_on(&reactor, async move {
        let boxed: Box<[u8]> = vec![1u8, 2, 3].into_boxed_slice();
        assert_eq!(submit(Write::new(&fd, boxed, 0)).await.0.unwrap(), 3);
        assert_eq!(
            submit(Write::new(&fd, &b"\x04\x05"[..], 3))
                .await
                .0
                .unwrap(),
            2
        );
        let (n, b) = submit(Read::new(&fd, bytes::BytesMut::with_capacity(16), 0)).await;
        assert_eq!(n.unwrap(), 5);
        assert_eq!(&b[..], &[1, 2, 3, 4, 5]);
        let (n, b) = submit(Read::new(&fd, vec![0u8; 3].into_boxed_slice(), 1)).await;
        assert_eq!(n.unwrap(), 3);
        assert_eq!(&b[..], &[2, 3, 4]);
    });
}
