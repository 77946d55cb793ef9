//! `FileStream` through tokio's I/O traits (feature `tokio-io`): copy,
//! lines, seeks from every origin against `std`, the `start_seek` protocol,
//! and a read dropped mid-flight that loses no bytes.

mod common;

use common::{disk_tempdir, file_rw_new, runtime, Rng};
use ringbolt_fs::File;
use std::future::Future;
use std::io::SeekFrom;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeek, AsyncSeekExt, AsyncWriteExt};

#[test]
fn copy_lines_and_seeks() {
    let dir = disk_tempdir();
    let src = dir.path().join("src");
    let text: String = (0..20_000).map(|i| format!("line {i}\n")).collect();
    std::fs::write(&src, &text).unwrap();
    runtime().block_on(async {
        let mut input = File::open(&src).await.unwrap().into_stream();
        let mut output = file_rw_new(&dir.path().join("dst")).await.into_stream();
        let n = tokio::io::copy(&mut input, &mut output).await.unwrap();
        assert_eq!(n, text.len() as u64);
        output.flush().await.unwrap();

        // Seeks from each origin, with buffered writes in between.
        assert_eq!(output.seek(SeekFrom::End(-11)).await.unwrap(), n - 11);
        let mut last = String::new();
        output.read_line(&mut last).await.unwrap();
        assert_eq!(last, "line 19999\n");
        assert_eq!(output.seek(SeekFrom::Start(5)).await.unwrap(), 5);
        output.write_all(b"Z").await.unwrap();
        assert_eq!(output.seek(SeekFrom::Current(-6)).await.unwrap(), 0);
        let mut first = String::new();
        output.read_line(&mut first).await.unwrap();
        assert_eq!(first, "line Z\n");
        assert_eq!(output.stream_position().await.unwrap(), 7);
        output.shutdown().await.unwrap();
        output.close().await.unwrap();
        let mut expected = text.clone();
        expected.replace_range(5..6, "Z");
        assert!(std::fs::read_to_string(dir.path().join("dst")).unwrap() == expected);

        let mut lines = File::open(&src).await.unwrap().into_stream().lines();
        let mut count = 0;
        while let Some(line) = lines.next_line().await.unwrap() {
            assert_eq!(line, format!("line {count}"));
            count += 1;
        }
        assert_eq!(count, 20_000);
    });
}

#[test]
fn start_seek_twice_without_completing_is_an_error() {
    let dir = disk_tempdir();
    let path = dir.path().join("f");
    std::fs::write(&path, b"0123456789").unwrap();
    runtime().block_on(async {
        let mut stream = File::open(&path).await.unwrap().into_stream();
        let mut s = Pin::new(&mut stream);
        s.as_mut().start_seek(SeekFrom::End(-3)).unwrap();
        let err = s.as_mut().start_seek(SeekFrom::Start(0)).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::Other);
        // `seek` completes the pending one first, then its own.
        assert_eq!(stream.seek(SeekFrom::Current(1)).await.unwrap(), 8);
        let mut rest = String::new();
        stream.read_to_string(&mut rest).await.unwrap();
        assert_eq!(rest, "89");
        let err = stream.seek(SeekFrom::Current(-100)).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    });
}

#[test]
fn a_dropped_read_loses_no_bytes() {
    let dir = disk_tempdir();
    let path = dir.path().join("f");
    let data = Rng::new(7).bytes(200_000);
    std::fs::write(&path, &data).unwrap();
    runtime().block_on(async {
        let mut stream = File::open(&path).await.unwrap().into_stream();
        let mut got = Vec::new();
        let mut buf = vec![0; 1000];
        // Every other read is polled once and dropped if it is pending:
        // its op (a read into the stream's buffer) stays with the stream.
        for round in 0.. {
            assert!(round < 10_000, "no end of file");
            let n = if round % 2 == 0 {
                let read = pin!(stream.read(&mut buf));
                match read.poll(&mut Context::from_waker(Waker::noop())) {
                    Poll::Ready(n) => n.unwrap(),
                    Poll::Pending => continue,
                }
            } else {
                stream.read(&mut buf).await.unwrap()
            };
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert!(
            got == data,
            "{} of {} bytes, or reordered",
            got.len(),
            data.len()
        );
    });
}
