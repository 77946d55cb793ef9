//! O_DIRECT on the real disk: aligned reads and writes match std, and
//! misalignment is InvalidInput before anything reaches the kernel.

mod common;

use common::{disk_tempdir, runtime, Rng};
use ringbolt_fs::{AlignedBuf, IoBuf, OpenOptions};
use std::io::ErrorKind;

#[test]
fn direct_io_round_trips_and_rejects_misalignment() {
    let dir = disk_tempdir();
    let path = dir.path().join("direct");
    let mut rng = Rng::new(3);
    let contents = rng.bytes(1 << 20);
    std::fs::write(&path, &contents).unwrap();
    runtime().block_on(async {
        let opened = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_DIRECT)
            .open(&path)
            .await;
        let file = match opened {
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                println!(
                    "skipping: O_DIRECT is not supported under {}",
                    dir.path().display()
                );
                return;
            }
            other => other.unwrap(),
        };
        let align = file
            .dio_align()
            .expect("an O_DIRECT file knows its alignment");
        println!("STATX_DIOALIGN: {align:?}");
        let unit = align.offset.max(align.mem);

        for _ in 0..100 {
            let blocks = 1 + rng.below(16) as usize;
            let pos = rng.below((contents.len() / unit) as u64) * unit as u64;
            let buf = AlignedBuf::for_file(&file, blocks * unit).unwrap();
            let (n, buf) = file.read_aligned_at(buf, pos).await;
            let n = n.unwrap();
            let end = (pos as usize + blocks * unit).min(contents.len());
            assert_eq!(n, end - pos as usize);
            assert_eq!(&buf[..], &contents[pos as usize..end]);
        }

        let mut out = AlignedBuf::for_file(&file, 2 * unit).unwrap();
        let data = rng.bytes(2 * unit);
        out.extend_from_slice(&data);
        let (n, out) = file.write_aligned_at(out, unit as u64).await;
        assert_eq!(n.unwrap(), 2 * unit);
        let on_disk = std::fs::read(&path).unwrap();
        assert_eq!(&on_disk[unit..3 * unit], &data[..]);

        // Misaligned offset, length and address: InvalidInput, no submission.
        let (res, out) = file.write_aligned_at(out, 1).await;
        assert_eq!(res.unwrap_err().kind(), ErrorKind::InvalidInput);
        let (res, _) = file.read_at(Vec::with_capacity(unit + 1), 0).await;
        assert_eq!(res.unwrap_err().kind(), ErrorKind::InvalidInput);
        let (res, _) = file.read_at(vec![0u8; 2 * unit].slice(1..=unit), 0).await;
        assert_eq!(res.unwrap_err().kind(), ErrorKind::InvalidInput);
        let (res, _) = file.readv_at(vec![Vec::<u8>::with_capacity(unit)], 0).await;
        assert_eq!(res.unwrap_err().kind(), ErrorKind::InvalidInput);
        drop(out);
        file.close().await.unwrap();
    });
}
