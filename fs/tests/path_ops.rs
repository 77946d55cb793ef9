//! Path functions, compared with what `std::fs` sees on the same tree.

mod common;

use common::{disk_tempdir, runtime, Rng};

#[test]
fn path_functions_match_std() {
    let dir = disk_tempdir();
    let d = dir.path().to_path_buf();
    let mut rng = Rng::new(7);
    let contents = rng.bytes(3 * 1024 * 1024 + 17);
    runtime().block_on(async move {
        ringbolt_fs::write(d.join("a"), contents.clone())
            .await
            .unwrap();
        assert_eq!(std::fs::read(d.join("a")).unwrap(), contents);
        assert_eq!(ringbolt_fs::read(d.join("a")).await.unwrap(), contents);
        ringbolt_fs::write(d.join("t"), "text ✓").await.unwrap();
        assert_eq!(
            ringbolt_fs::read_to_string(d.join("t")).await.unwrap(),
            "text ✓"
        );

        // copy: same bytes, same permission bits.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d.join("a"), std::fs::Permissions::from_mode(0o640)).unwrap();
        assert_eq!(
            ringbolt_fs::copy(d.join("a"), d.join("b")).await.unwrap(),
            contents.len() as u64
        );
        assert_eq!(std::fs::read(d.join("b")).unwrap(), contents);
        let mode = std::fs::metadata(d.join("b")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);

        // Directories.
        ringbolt_fs::create_dir(d.join("x")).await.unwrap();
        assert!(std::fs::metadata(d.join("x")).unwrap().is_dir());
        ringbolt_fs::create_dir_all(d.join("p/q/r/s"))
            .await
            .unwrap();
        ringbolt_fs::create_dir_all(d.join("p/q/r/s"))
            .await
            .unwrap();
        assert!(std::fs::metadata(d.join("p/q/r/s")).unwrap().is_dir());
        ringbolt_fs::remove_dir(d.join("x")).await.unwrap();
        assert!(!d.join("x").exists());

        // Links.
        ringbolt_fs::hard_link(d.join("b"), d.join("b2"))
            .await
            .unwrap();
        assert_eq!(ringbolt_fs::metadata(d.join("b")).await.unwrap().nlink(), 2);
        ringbolt_fs::symlink("b", d.join("sym")).await.unwrap();
        assert_eq!(
            std::fs::read_link(d.join("sym")).unwrap(),
            std::path::Path::new("b")
        );
        let followed = ringbolt_fs::metadata(d.join("sym")).await.unwrap();
        let itself = ringbolt_fs::symlink_metadata(d.join("sym")).await.unwrap();
        assert!(followed.is_file() && itself.is_symlink());
        assert_eq!(
            itself.len(),
            std::fs::symlink_metadata(d.join("sym")).unwrap().len()
        );
        assert!(ringbolt_fs::try_exists(d.join("sym")).await.unwrap());
        ringbolt_fs::symlink("nowhere", d.join("dangling"))
            .await
            .unwrap();
        assert!(!ringbolt_fs::try_exists(d.join("dangling")).await.unwrap());
        assert_eq!(
            ringbolt_fs::canonicalize(d.join("p/q/../q/./r"))
                .await
                .unwrap(),
            std::fs::canonicalize(d.join("p/q/r")).unwrap()
        );

        // rename, remove_file.
        ringbolt_fs::rename(d.join("b2"), d.join("p/moved"))
            .await
            .unwrap();
        assert!(!d.join("b2").exists() && d.join("p/moved").exists());
        ringbolt_fs::remove_file(d.join("dangling")).await.unwrap();
        assert!(std::fs::symlink_metadata(d.join("dangling")).is_err());

        // read_dir lists what std lists.
        let mut ours = Vec::new();
        let mut entries = ringbolt_fs::read_dir(&d).await.unwrap();
        while let Some(e) = entries.next_entry().await.unwrap() {
            let t = e.file_type().await.unwrap();
            ours.push((
                e.file_name(),
                t.is_dir(),
                t.is_symlink(),
                e.metadata().await.unwrap().len(),
            ));
        }
        let mut theirs: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let m = std::fs::symlink_metadata(e.path()).unwrap();
                (
                    e.file_name(),
                    m.is_dir(),
                    m.file_type().is_symlink(),
                    m.len(),
                )
            })
            .collect();
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs);

        // remove_dir_all: removes the tree, never follows a symlink out of it.
        std::fs::create_dir(d.join("outside")).unwrap();
        std::fs::write(d.join("outside/keep"), b"k").unwrap();
        std::os::unix::fs::symlink(d.join("outside"), d.join("p/q/link")).unwrap();
        std::fs::write(d.join("p/q/r/file"), b"f").unwrap();
        ringbolt_fs::remove_dir_all(d.join("p")).await.unwrap();
        assert!(!d.join("p").exists());
        assert!(d.join("outside/keep").exists());
        ringbolt_fs::remove_dir_all(d.join("sym")).await.unwrap();
        assert!(!d.join("sym").exists() && d.join("b").exists());
    });
}
