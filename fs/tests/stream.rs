//! `FileStream` through the futures-io traits, against std's cursor I/O.

mod common;

use common::{disk_tempdir, file_rw_new, runtime, std_file_rw_new, Rng};
use futures::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use futures::TryStreamExt;
use ringbolt_fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

#[test]
fn copy_and_lines_work() {
    let dir = disk_tempdir();
    let src = dir.path().join("src");
    let text: String = (0..20_000).map(|i| format!("line {i}\n")).collect();
    std::fs::write(&src, &text).unwrap();
    runtime().block_on(async {
        let mut input = File::open(&src).await.unwrap().into_stream();
        let mut output = File::create(dir.path().join("dst"))
            .await
            .unwrap()
            .into_stream();
        let n = futures::io::copy(&mut input, &mut output).await.unwrap();
        assert_eq!(n, text.len() as u64);
        output.close().await.unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("dst")).unwrap(),
            text
        );

        let reader = File::open(&src).await.unwrap().into_stream();
        let lines: Vec<String> = reader.lines().try_collect().await.unwrap();
        assert_eq!(lines.len(), 20_000);
        assert_eq!(lines[12_345], "line 12345");

        let mut all = String::new();
        let mut reader = File::open(&src).await.unwrap().into_stream();
        reader.read_to_string(&mut all).await.unwrap();
        assert_eq!(all, text);
    });
}

#[test]
fn random_reads_writes_and_seeks_match_std() {
    let dir = disk_tempdir();
    let ours_path = dir.path().join("ours");
    let std_path = dir.path().join("std");
    let mut rng = Rng::new(99);
    let mut theirs = std_file_rw_new(&std_path);
    runtime().block_on(async {
        let file = file_rw_new(&ours_path).await;
        let mut ours = file.into_stream();
        for step in 0..2000 {
            match rng.below(4) {
                0 => {
                    let len = rng.below(100_000) as usize;
                    let data = rng.bytes(len);
                    ours.write_all(&data).await.unwrap();
                    theirs.write_all(&data).unwrap();
                }
                1 => {
                    let mut a = vec![0; rng.below(100_000) as usize];
                    let mut b = a.clone();
                    let na = ours.read(&mut a).await.unwrap();
                    let nb = read_full(&mut theirs, &mut b);
                    // A stream read may be short; read the rest to compare.
                    let na = na + read_more(&mut ours, &mut a[na..]).await;
                    assert_eq!((na, &a[..na]), (nb, &b[..nb]), "step {step}");
                }
                2 => {
                    let to = match rng.below(3) {
                        0 => SeekFrom::Start(rng.below(400_000)),
                        1 => SeekFrom::Current(rng.below(20_000) as i64 - 10_000),
                        _ => SeekFrom::End(-(rng.below(1000) as i64)),
                    };
                    let a = ours.seek(to).await;
                    let b = theirs.seek(to);
                    match (a, b) {
                        (Ok(a), Ok(b)) => assert_eq!(a, b, "step {step}: seek {to:?}"),
                        (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind()),
                        (a, b) => panic!("step {step}: seek {to:?}: {a:?} vs {b:?}"),
                    }
                }
                _ => ours.flush().await.unwrap(),
            }
            assert_eq!(ours.position(), theirs.stream_position().unwrap());
        }
        ours.close().await.unwrap();
    });
    assert_eq!(
        std::fs::read(&ours_path).unwrap(),
        std::fs::read(&std_path).unwrap()
    );
}

fn read_full(f: &mut std::fs::File, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]).unwrap() {
            0 => break,
            k => n += k,
        }
    }
    n
}

async fn read_more(s: &mut ringbolt_fs::FileStream, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        match s.read(&mut buf[n..]).await.unwrap() {
            0 => break,
            k => n += k,
        }
    }
    n
}
