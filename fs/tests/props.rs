//! Property tests: random sequences of positional writes, reads, vectored
//! I/O and truncations run on a ringbolt `File` and on a `std::fs::File`
//! side by side (two files in one directory). Every result, and the two
//! files' contents and lengths at the end, must agree; proptest shrinks a
//! failing sequence to a minimal one.

mod common;

use common::{disk_tempdir, file_rw_new, runtime, std_file_rw_new};
use proptest::prelude::*;
use std::io::ErrorKind;
use std::os::unix::fs::FileExt;

/// Offsets stay within a few pages so that reads, writes and truncations
/// overlap often; some land past the end of the file.
const SPAN: u64 = 3 * 4096;

#[derive(Debug, Clone)]
enum FileOp {
    WriteAt { pos: u64, data: Vec<u8> },
    WriteAllAt { pos: u64, data: Vec<u8> },
    WritevAt { pos: u64, parts: Vec<Vec<u8>> },
    ReadAt { pos: u64, len: usize },
    ReadExactAt { pos: u64, len: usize },
    ReadvAt { pos: u64, lens: Vec<usize> },
    ReadToEndAt { pos: u64 },
    SetLen { len: u64 },
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

fn file_op() -> impl Strategy<Value = FileOp> {
    prop_oneof![
        (0..SPAN, bytes(6000)).prop_map(|(pos, data)| FileOp::WriteAt { pos, data }),
        (0..SPAN, bytes(6000)).prop_map(|(pos, data)| FileOp::WriteAllAt { pos, data }),
        (0..SPAN, prop::collection::vec(bytes(3000), 0..4))
            .prop_map(|(pos, parts)| FileOp::WritevAt { pos, parts }),
        (0..SPAN + 100, 0..9000usize).prop_map(|(pos, len)| FileOp::ReadAt { pos, len }),
        (0..SPAN + 100, 0..9000usize).prop_map(|(pos, len)| FileOp::ReadExactAt { pos, len }),
        (0..SPAN + 100, prop::collection::vec(0..4000usize, 0..4))
            .prop_map(|(pos, lens)| FileOp::ReadvAt { pos, lens }),
        (0..SPAN + 100).prop_map(|pos| FileOp::ReadToEndAt { pos }),
        (0..SPAN).prop_map(|len| FileOp::SetLen { len }),
    ]
}

/// What `std` gives for a read of `len` bytes at `pos`: `pread` may return
/// fewer bytes than asked only at the end of the file (regular files).
fn std_read(file: &std::fs::File, pos: u64, len: usize) -> Vec<u8> {
    let mut buf = vec![0; len];
    let n = file.read_at(&mut buf, pos).unwrap();
    buf.truncate(n);
    buf
}

fn std_write_all(file: &std::fs::File, pos: u64, data: &[u8]) {
    file.write_all_at(data, pos).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn file_op_sequences_match_std(ops in prop::collection::vec(file_op(), 1..24)) {
        let dir = disk_tempdir();
        let std_path = dir.path().join("std");
        let rb_path = dir.path().join("ringbolt");
        let std_file = std_file_rw_new(&std_path);
        runtime().block_on(async {
            let file = file_rw_new(&rb_path).await;
            for (i, op) in ops.iter().enumerate() {
                match op {
                    FileOp::WriteAt { pos, data } => {
                        let (n, back) = file.write_at(data.clone(), *pos).await;
                        let n = n.unwrap();
                        assert_eq!(&back, data, "op {i}: buffer given back");
                        // A regular file takes the whole write; mirror
                        // exactly what it reported.
                        std_write_all(&std_file, *pos, &data[..n]);
                        assert_eq!(n, data.len(), "op {i}: short write to a regular file");
                    }
                    FileOp::WriteAllAt { pos, data } => {
                        let (res, _) = file.write_all_at(data.clone(), *pos).await;
                        res.unwrap();
                        std_write_all(&std_file, *pos, data);
                    }
                    FileOp::WritevAt { pos, parts } => {
                        let (n, _) = file.writev_at(parts.clone(), *pos).await;
                        let all = parts.concat();
                        let n = n.unwrap();
                        std_write_all(&std_file, *pos, &all[..n]);
                        assert_eq!(n, all.len(), "op {i}: short vectored write");
                    }
                    FileOp::ReadAt { pos, len } => {
                        let (n, buf) = file.read_at(Vec::with_capacity(*len), *pos).await;
                        let expect = std_read(&std_file, *pos, *len);
                        assert_eq!(n.unwrap(), expect.len(), "op {i}: read_at({pos}, {len})");
                        assert_eq!(buf, expect, "op {i}: bytes of read_at({pos}, {len})");
                    }
                    FileOp::ReadExactAt { pos, len } => {
                        let (res, buf) = file.read_exact_at(vec![0u8; *len], *pos).await;
                        let expect = std_read(&std_file, *pos, *len);
                        if expect.len() == *len {
                            res.unwrap();
                            assert_eq!(buf, expect, "op {i}: bytes of read_exact_at");
                        } else {
                            let kind = res.unwrap_err().kind();
                            assert_eq!(kind, ErrorKind::UnexpectedEof, "op {i}: past the end");
                        }
                    }
                    FileOp::ReadvAt { pos, lens } => {
                        let bufs = lens.iter().map(|&l| Vec::with_capacity(l)).collect();
                        let (n, bufs) = file.readv_at(bufs, *pos).await;
                        let expect = std_read(&std_file, *pos, lens.iter().sum());
                        assert_eq!(n.unwrap(), expect.len(), "op {i}: readv_at count");
                        assert_eq!(bufs.concat(), expect, "op {i}: readv_at bytes");
                    }
                    FileOp::ReadToEndAt { pos } => {
                        let (n, buf) = file.read_to_end_at(Vec::new(), *pos).await;
                        let len = std_file.metadata().unwrap().len();
                        let rest = len.saturating_sub(*pos) as usize;
                        let expect = std_read(&std_file, *pos, rest);
                        assert_eq!(n.unwrap(), expect.len(), "op {i}: read_to_end_at count");
                        assert_eq!(buf, expect, "op {i}: read_to_end_at bytes");
                    }
                    FileOp::SetLen { len } => {
                        file.set_len(*len).await.unwrap();
                        std_file.set_len(*len).unwrap();
                    }
                }
            }
            let len = file.metadata().await.unwrap().len();
            assert_eq!(len, std_file.metadata().unwrap().len(), "final length");
            file.close().await.unwrap();
        });
        prop_assert_eq!(std::fs::read(&rb_path).unwrap(), std::fs::read(&std_path).unwrap());
    }
}
