//! aiofiles: `async with aiofiles.open(path, 'w') as f: await f.write(...)`,
//! then read it back line by line.
//!
//! Every call here is an io_uring operation on the current worker; no thread
//! pool is involved. Buffers are passed by value and handed back, because
//! the kernel owns them while an operation is in flight.
//!
//! Run: `cargo run -p ringbolt --example file_io`

use futures::io::AsyncBufReadExt;
use futures::StreamExt;

#[ringbolt::main]
async fn main() -> std::io::Result<()> {
    let dir = std::env::temp_dir().join(format!("ringbolt-file-io-{}", std::process::id()));
    ringbolt::fs::create_dir_all(&dir).await?;
    let path = dir.join("notes.txt");

    // Write at explicit offsets with owned buffers.
    let file = ringbolt::fs::File::create(&path).await?;
    let (res, _buf) = file.write_all_at(b"first line\n".to_vec(), 0).await;
    res?;
    let (res, _buf) = file.write_all_at(b"second line\n".to_vec(), 11).await;
    res?;
    file.sync_all().await?;
    file.close().await?;

    // Whole-file helpers.
    let text = ringbolt::fs::read_to_string(&path).await?;
    print!("read back:\n{text}");

    // A buffered stream for line-by-line reading (`async for line in f`).
    let stream = ringbolt::fs::File::open(&path).await?.into_stream();
    let mut lines = futures::io::BufReader::new(stream).lines();
    while let Some(line) = lines.next().await {
        println!("line: {}", line?);
    }

    let meta = ringbolt::fs::metadata(&path).await?;
    println!("{} bytes", meta.len());
    ringbolt::fs::remove_dir_all(&dir).await
}
