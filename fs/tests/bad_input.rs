//! Bad input: each case gets the right `ErrorKind` (or the documented
//! short result), and none leaks a descriptor. One test, so no other test
//! in this binary opens descriptors while we count them.

mod common;

use common::{disk_tempdir, fd_count, runtime};
use ringbolt_fs::{File, OpenOptions};
use std::io::ErrorKind;

#[test]
fn bad_input_gets_the_right_error_and_leaks_nothing() {
    let dir = disk_tempdir();
    let d = dir.path().to_path_buf();
    std::fs::write(d.join("ro"), b"read only").unwrap();
    std::fs::create_dir(d.join("full")).unwrap();
    std::fs::write(d.join("full/f"), b"x").unwrap();
    runtime().block_on(async move {
        let before = fd_count();

        // Missing path.
        let e = File::open(d.join("missing")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        for e in [
            ringbolt_fs::metadata(d.join("missing")).await.unwrap_err(),
            ringbolt_fs::read(d.join("missing")).await.unwrap_err(),
            ringbolt_fs::remove_file(d.join("missing"))
                .await
                .unwrap_err(),
            ringbolt_fs::create_dir(d.join("no/such/parent"))
                .await
                .unwrap_err(),
            ringbolt_fs::copy(d.join("missing"), d.join("copy"))
                .await
                .unwrap_err(),
            ringbolt_fs::remove_dir_all(d.join("missing"))
                .await
                .unwrap_err(),
        ] {
            assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
        }
        assert!(!ringbolt_fs::try_exists(d.join("missing")).await.unwrap());

        // Interior NUL: refused before submission.
        let nul = d.join("a\0b");
        assert_eq!(
            File::open(&nul).await.unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            File::create(&nul).await.unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            ringbolt_fs::metadata(&nul).await.unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            ringbolt_fs::create_dir_all(&nul).await.unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            ringbolt_fs::rename(&nul, d.join("y"))
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            ringbolt_fs::symlink("t", &nul).await.unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            ringbolt_fs::try_exists(&nul).await.unwrap_err().kind(),
            ErrorKind::InvalidInput
        );

        // Contradictory options: InvalidInput, nothing opened.
        let e = OpenOptions::new()
            .read(true)
            .truncate(true)
            .open(d.join("ro"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);

        // A directory opened for writing: EISDIR.
        let e = OpenOptions::new().write(true).open(&d).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.raw_os_error()),
            (ErrorKind::IsADirectory, Some(libc::EISDIR))
        );

        // Writing to a read-only file: EBADF, and the buffer comes back.
        let ro = File::open(d.join("ro")).await.unwrap();
        let (res, buf) = ro.write_at(b"data".to_vec(), 0).await;
        assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::EBADF));
        assert_eq!(buf, b"data");
        assert_eq!(
            ro.set_len(0).await.unwrap_err().raw_os_error(),
            Some(libc::EINVAL)
        );

        // Empty buffers: Ok(0) without a syscall (a write would be EBADF).
        let (n, _) = ro.write_at(Vec::new(), 0).await;
        assert_eq!(n.unwrap(), 0);
        let (n, _) = ro.writev_at(vec![Vec::<u8>::new(); 3], 0).await;
        assert_eq!(n.unwrap(), 0);
        let wo = OpenOptions::new()
            .write(true)
            .open(d.join("ro"))
            .await
            .unwrap();
        let (n, _) = wo.read_at(Vec::new(), 0).await;
        assert_eq!(n.unwrap(), 0);
        let (res, _) = wo.read_at(Vec::with_capacity(1), 0).await;
        assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::EBADF));
        wo.close().await.unwrap();

        // Reading past EOF: Ok(0); across EOF: a short read.
        let (n, _) = ro.read_at(Vec::with_capacity(10), 1 << 30).await;
        assert_eq!(n.unwrap(), 0);
        let (n, buf) = ro.read_at(Vec::with_capacity(100), 5).await;
        assert_eq!((n.unwrap(), &buf[..]), (4, &b"only"[..]));
        let (res, buf) = ro.read_exact_at(vec![0; 100], 0).await;
        assert_eq!(res.unwrap_err().kind(), ErrorKind::UnexpectedEof);
        assert_eq!(&buf[..9], b"read only");

        // Too many iovecs: InvalidInput, buffers back.
        let (res, bufs) = ro
            .readv_at((0..1025).map(|_| Vec::<u8>::with_capacity(1)).collect(), 0)
            .await;
        assert_eq!(res.unwrap_err().kind(), ErrorKind::InvalidInput);
        assert_eq!(bufs.len(), 1025);
        // An offset that overflows u64 is refused, not wrapped.
        let (res, _) = ro.read_exact_at(vec![0; 10], u64::MAX - 3).await;
        assert!(res.is_err());
        ro.close().await.unwrap();

        // Removing a non-empty directory: ENOTEMPTY.
        let e = ringbolt_fs::remove_dir(d.join("full")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::DirectoryNotEmpty);
        let e = ringbolt_fs::remove_file(d.join("full")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IsADirectory);
        let e = ringbolt_fs::create_dir(d.join("full")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::AlreadyExists);
        let e = ringbolt_fs::create_dir_all(d.join("ro/sub"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotADirectory);
        let e = ringbolt_fs::read_dir(d.join("ro")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotADirectory);
        let e = ringbolt_fs::read_to_string(d.join("full"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IsADirectory);
        std::fs::write(d.join("bin"), [0xff, 0xfe]).unwrap();
        let e = ringbolt_fs::read_to_string(d.join("bin"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidData);

        assert_eq!(fd_count(), before, "a descriptor leaked");
    });
}
