//! Positional I/O, sync, set_len, allocate and metadata, each result
//! compared with `std::fs` on the same file, at seeded random offsets and
//! lengths.

mod common;

use common::{disk_tempdir, runtime, Rng};
use ringbolt_fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;

const FILE_LEN: usize = 256 * 1024;

#[test]
fn reads_match_std_at_random_offsets() {
    let dir = disk_tempdir();
    let path = dir.path().join("data");
    let mut rng = Rng::new(0x5eed);
    let contents = rng.bytes(FILE_LEN);
    std::fs::write(&path, &contents).unwrap();
    let std_file = std::fs::File::open(&path).unwrap();
    runtime().block_on(async {
        let file = File::open(&path).await.unwrap();
        for _ in 0..500 {
            let pos = rng.below(FILE_LEN as u64 + 100);
            let len = rng.below(20_000) as usize;
            let mut expect = vec![0; len];
            let n_std = std_file.read_at(&mut expect, pos).unwrap();
            let (n, buf) = file.read_at(Vec::with_capacity(len), pos).await;
            assert_eq!(n.unwrap(), n_std, "read_at({pos}, {len})");
            assert_eq!(buf, &expect[..n_std]);

            // The same range through three buffers of a vectored read.
            let cut = [len / 3, len / 3, len - 2 * (len / 3)];
            let bufs = cut.iter().map(|&c| Vec::with_capacity(c)).collect();
            let (n, bufs) = file.readv_at(bufs, pos).await;
            assert_eq!(n.unwrap(), n_std);
            assert_eq!(bufs.concat(), &expect[..n_std]);

            let (res, buf) = file.read_exact_at(vec![0u8; len], pos).await;
            if n_std == len {
                res.unwrap();
                assert_eq!(buf, expect);
            } else {
                assert_eq!(res.unwrap_err().kind(), std::io::ErrorKind::UnexpectedEof);
            }
        }
        let (n, all) = file.read_to_end_at(b"prefix".to_vec(), 1000).await;
        assert_eq!(n.unwrap(), FILE_LEN - 1000);
        assert_eq!(&all[6..], &contents[1000..]);
        let (n, _) = file.read_to_end_at(Vec::new(), FILE_LEN as u64 + 5).await;
        assert_eq!(n.unwrap(), 0, "read_to_end_at past EOF");
        file.close().await.unwrap();
    });
}

/// The loop a new user writes to copy files: one reused 256 KiB `Vec`,
/// `read_at` then `write_all_at`, no `clear()`. After a short read the
/// buffer holds exactly that read's bytes, so the copy equals its source
/// (the length used to stay at the longest read, padding every copy).
#[test]
fn a_reused_buffer_holds_exactly_the_last_read() {
    let dir = disk_tempdir();
    let mut rng = Rng::new(7);
    let sizes = [0usize, 1, 4095, 256 * 1024, 300 * 1024 + 17, 5];
    runtime().block_on(async {
        let mut buf = Vec::with_capacity(256 * 1024);
        for (i, &size) in sizes.iter().enumerate() {
            let src_path = dir.path().join(format!("src{i}"));
            let dst_path = dir.path().join(format!("dst{i}"));
            let contents = rng.bytes(size);
            std::fs::write(&src_path, &contents).unwrap();
            let src = File::open(&src_path).await.unwrap();
            let dst = File::create(&dst_path).await.unwrap();
            let mut pos = 0u64;
            loop {
                let (n, b) = src.read_at(buf, pos).await;
                let n = n.unwrap();
                assert_eq!(b.len(), n, "the length is what the read returned");
                if n == 0 {
                    buf = b;
                    break;
                }
                let (res, b) = dst.write_all_at(b, pos).await;
                res.unwrap();
                buf = b;
                pos += n as u64;
            }
            src.close().await.unwrap();
            dst.close().await.unwrap();
            assert!(
                std::fs::read(&dst_path).unwrap() == contents,
                "copy {i} of {size} bytes differs from its source"
            );
        }
    });
}

#[test]
fn writes_match_std_model() {
    let dir = disk_tempdir();
    let path = dir.path().join("written");
    let mut rng = Rng::new(42);
    let mut model = vec![0u8; 0];
    runtime().block_on(async {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .await
            .unwrap();
        for i in 0..300 {
            let pos = rng.below(FILE_LEN as u64) as usize;
            let len = rng.below(10_000) as usize;
            let data = rng.bytes(len);
            if i % 2 == 0 {
                file.write_all_at(data.clone(), pos as u64).await.0.unwrap();
            } else {
                let mid = data.len() / 2;
                let bufs = vec![data[..mid].to_vec(), data[mid..].to_vec()];
                let (n, _) = file.writev_at(bufs, pos as u64).await;
                assert_eq!(n.unwrap(), data.len());
            }
            if !data.is_empty() && model.len() < pos + data.len() {
                model.resize(pos + data.len(), 0);
            }
            model[pos..pos + data.len()].copy_from_slice(&data);
        }
        file.sync_data().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), model);
        assert_eq!(file.metadata().await.unwrap().len(), model.len() as u64);

        file.set_len(1000).await.unwrap();
        file.sync_all().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), &model[..1000]);
        file.set_len(5000).await.unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 5000);

        file.allocate(0, 1 << 20).await.unwrap();
        let std_meta = std::fs::metadata(&path).unwrap();
        assert_eq!(std_meta.len(), 1 << 20);
        let meta = file.metadata().await.unwrap();
        assert_eq!(meta.len(), std_meta.len());
        assert!(meta.blocks() >= (1 << 20) / 512);
        file.close().await.unwrap();
    });
}

#[test]
fn metadata_matches_std() {
    use std::os::unix::fs::MetadataExt;
    let dir = disk_tempdir();
    let path = dir.path().join("meta");
    std::fs::write(&path, b"hello").unwrap();
    let std_meta = std::fs::metadata(&path).unwrap();
    runtime().block_on(async {
        let file = File::open(&path).await.unwrap();
        for meta in [
            file.metadata().await.unwrap(),
            ringbolt_fs::metadata(&path).await.unwrap(),
        ] {
            assert_eq!(meta.len(), std_meta.len());
            assert!(meta.is_file() && !meta.is_dir() && !meta.is_symlink());
            assert_eq!(meta.permissions(), std_meta.permissions());
            assert_eq!(meta.modified().unwrap(), std_meta.modified().unwrap());
            assert_eq!(meta.accessed().unwrap(), std_meta.accessed().unwrap());
            assert_eq!(meta.created().unwrap(), std_meta.created().unwrap());
            assert_eq!(
                (
                    meta.ino(),
                    meta.dev(),
                    meta.nlink(),
                    meta.uid(),
                    meta.gid(),
                    meta.mode()
                ),
                (
                    std_meta.ino(),
                    std_meta.dev(),
                    std_meta.nlink(),
                    std_meta.uid(),
                    std_meta.gid(),
                    std_meta.mode()
                )
            );
        }
        let dmeta = ringbolt_fs::metadata(dir.path()).await.unwrap();
        assert!(dmeta.is_dir() && dmeta.file_type().is_dir());
    });
}

#[test]
fn append_mode_writes_at_the_end() {
    let dir = disk_tempdir();
    let path = dir.path().join("log");
    std::fs::write(&path, b"start;").unwrap();
    runtime().block_on(async {
        let file = OpenOptions::new().append(true).open(&path).await.unwrap();
        file.write_all_at(b"one;".to_vec(), 0).await.0.unwrap();
        file.write_all_at(b"two;".to_vec(), 0).await.0.unwrap();
        file.close().await.unwrap();
        let again = OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&path)
            .await
            .unwrap();
        assert_eq!(again.metadata().await.unwrap().len(), 0);
    });
    assert_eq!(std::fs::read(&path).unwrap(), b"");
}

#[test]
fn truncate_and_create_new_match_std() {
    let dir = disk_tempdir();
    let path = dir.path().join("x");
    std::fs::write(&path, b"old contents").unwrap();
    runtime().block_on(async {
        let e = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        let f = File::create(&path).await.unwrap();
        f.write_all_at("new", 0).await.0.unwrap();
        f.close().await.unwrap();
        let f = OpenOptions::new()
            .create(true)
            .write(true)
            .mode(0o600)
            .open(dir.path().join("m"))
            .await
            .unwrap();
        drop(f);
    });
    assert_eq!(std::fs::read(&path).unwrap(), b"new");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join("m"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn lengths_over_u32_max_are_split_not_truncated() {
    runtime().block_on(async {
        // /dev/null takes any count without touching the pages, so a 4 GiB
        // + 4 KiB zeroed buffer costs no memory.
        let big = u32::MAX as usize + 4097;
        let null = OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .await
            .unwrap();
        let (n, buf) = null.write_at(vec![0u8; big], 0).await;
        let n = n.unwrap();
        assert!(
            n > 0 && n <= u32::MAX as usize,
            "one op writes a short, untruncated count: {n}"
        );
        null.write_all_at(buf, 0).await.0.unwrap();
        // A read request over u32::MAX is a short read of what exists.
        let dir = disk_tempdir();
        std::fs::write(dir.path().join("small"), b"12345").unwrap();
        let f = File::open(dir.path().join("small")).await.unwrap();
        let (n, buf) = f.read_at(Vec::with_capacity(big), 0).await;
        assert_eq!((n.unwrap(), &buf[..]), (5, &b"12345"[..]));
    });
}
