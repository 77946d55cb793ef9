//! File workloads: ringbolt's io_uring files against tokio::fs and a raw
//! io-uring loop, in the same run.
//!
//! Data lives on the real disk in `target/bench-data/` under the workspace
//! (override with `RINGBOLT_BENCH_DATA`), created on first use and kept
//! between runs: a 1 GiB file of pseudo-random non-zero bytes for the random
//! reads (read through once per process so the page cache is hot), 1,000
//! files of 4 KiB, and a scratch file for the sequential write.
//!
//! How each side does the work:
//!
//! - **ringbolt**: the natural API. Random reads: `depth` tasks sharing one
//!   `Arc<ringbolt::fs::File>`, each awaiting `read_aligned_at` (an
//!   io_uring `READ` on its worker's ring) in a loop. Write: `write_all_at`
//!   of 1 MiB chunks then `sync_all`. Small files: `ringbolt::fs::read`.
//! - **tokio**: what tokio users do for positional reads: `depth` tasks
//!   sharing one `Arc<std::fs::File>`, each calling
//!   `spawn_blocking(move || file.read_at(..))` in a loop (one blocking-pool
//!   hop per read; `tokio::fs::File` would need a seek and a read, two hops,
//!   and one file per task). Write: `tokio::fs::File` with
//!   `AsyncWriteExt::write_all` then `sync_all`. Small files:
//!   `tokio::fs::read`.
//! - **raw io_uring** (one thread, no runtime, [`raw`]): `READ` with
//!   `depth` reads in flight; `WRITE` at QD 1 then `FSYNC`. At QD 64 with
//!   `O_DIRECT` also `READ_FIXED` on a registered file (registered buffers
//!   and no per-read file lookup: the most a single ring gets out of the
//!   disk).
//! - **monoio** (one thread, [`monoio_rand_read`]): the thread-per-core
//!   io_uring runtime, at QD 64 (`rand_read_qd64`,
//!   `rand_read_direct_qd64`): `depth` tasks awaiting `read_at`.
//!
//! All three read the same precomputed offsets (4 KiB-aligned, seeded) into
//! 4096-aligned buffers. The `_direct` variants open the file with
//! `O_DIRECT` (page cache bypassed: they measure the disk); `raw_read_fixed`
//! rows compare `READ` with `READ_FIXED` (registered buffers) on the raw
//! loop alone.

use std::future::Future;
use std::io::{self, Read as _, Write as _};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use ringbolt::fs::AlignedBuf;
use tokio::io::AsyncWriteExt;

use super::monoio_fs::monoio_rand_read;
use super::{scaled, Sample, Workload};
use crate::latch::Latch;
use crate::raw::{self, ReadOp};
use crate::runtimes::{AnyRuntime, BenchRuntime, Ringbolt, RuntimeKind, Tokio};

/// Size of the random-read file.
pub const READ_FILE_SIZE: u64 = 1 << 30;
/// Size of one random read.
pub const BLOCK: usize = 4096;
/// Reads per iteration of `rand_read_qd1`.
pub const READS_QD1: usize = 30_000;
/// Reads per iteration of `rand_read_qd64` and the `raw_read_fixed` rows.
pub const READS_QD64: usize = 100_000;
/// Reads per iteration of `rand_read_direct_qd1`.
pub const DIRECT_READS_QD1: usize = 2_000;
/// Reads per iteration of `rand_read_direct_qd64`.
pub const DIRECT_READS_QD64: usize = 20_000;
/// Bytes written by `seq_write_1g` at scale 1 (a quarter in `--quick`).
pub const SEQ_WRITE_SIZE: u64 = 1 << 30;
/// Size of one sequential write.
pub const WRITE_CHUNK: usize = 1 << 20;
/// Files read by `small_files_1000`.
pub const SMALL_FILES: usize = 1000;
/// Size of each small file.
pub const SMALL_FILE_SIZE: usize = 4096;
/// Seed of the read offsets.
pub const SEED: u64 = 0x5EED_2B01;

/// Name of the raw io-uring `READ` baseline.
pub const RAW_READ: &str = "raw io_uring READ (1 thread)";
/// Name of the raw io-uring `READ_FIXED` baseline.
pub const RAW_READ_FIXED: &str = "raw io_uring READ_FIXED (1 thread)";
/// Name of the raw io-uring `READ_FIXED` baseline on a registered file.
pub const RAW_READ_FIXED_FILE: &str = "raw io_uring READ_FIXED + registered file (1 thread)";
/// Name of the monoio baseline of the QD 64 random reads.
pub const MONOIO_READ: &str = "monoio (1 thread, 64 tasks)";
/// Name of the raw io-uring write baseline.
pub const RAW_WRITE: &str = "raw io_uring WRITE+FSYNC (1 thread)";

/// A [`BenchRuntime`] with positional file reads, sequential writes and
/// whole-file reads, each done the way that runtime's users do them.
pub trait FsRuntime: BenchRuntime {
    /// An open file, shareable between tasks.
    type File: Send + Sync + 'static;

    /// Opens `path` read-only, with `O_DIRECT` when `direct`.
    fn open(path: PathBuf, direct: bool) -> impl Future<Output = io::Result<Self::File>> + Send;

    /// Reads `buf.capacity()` bytes at `pos` into `buf` and sets its length.
    fn read_at(
        file: &Arc<Self::File>,
        buf: AlignedBuf,
        pos: u64,
    ) -> impl Future<Output = (io::Result<usize>, AlignedBuf)> + Send;

    /// Creates `path` and writes `total` bytes in `chunk`-byte writes, then
    /// syncs it to disk.
    fn write_seq(
        path: PathBuf,
        total: u64,
        chunk: usize,
    ) -> impl Future<Output = io::Result<()>> + Send;

    /// Reads the whole file (`fs::read`).
    fn read_whole(path: PathBuf) -> impl Future<Output = io::Result<Vec<u8>>> + Send;
}

impl FsRuntime for Tokio {
    type File = std::fs::File;

    async fn open(path: PathBuf, direct: bool) -> io::Result<std::fs::File> {
        tokio::task::spawn_blocking(move || open_std(&path, direct))
            .await
            .map_err(io::Error::other)?
    }

    fn read_at(
        file: &Arc<std::fs::File>,
        mut buf: AlignedBuf,
        pos: u64,
    ) -> impl Future<Output = (io::Result<usize>, AlignedBuf)> + Send {
        let file = file.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                buf.set_len(buf.capacity());
                let res = file.read_at(&mut buf, pos);
                buf.set_len(*res.as_ref().unwrap_or(&0));
                (res, buf)
            })
            .await
            .expect("spawn_blocking read panicked")
        }
    }

    async fn write_seq(path: PathBuf, total: u64, chunk: usize) -> io::Result<()> {
        let mut file = tokio::fs::File::create(path).await?;
        let data = vec![0x5au8; chunk];
        let mut pos = 0u64;
        while pos < total {
            let n = (total - pos).min(chunk as u64) as usize;
            file.write_all(&data[..n]).await?;
            pos += n as u64;
        }
        file.sync_all().await
    }

    fn read_whole(path: PathBuf) -> impl Future<Output = io::Result<Vec<u8>>> + Send {
        tokio::fs::read(path)
    }
}

impl FsRuntime for Ringbolt {
    type File = ringbolt::fs::File;

    async fn open(path: PathBuf, direct: bool) -> io::Result<ringbolt::fs::File> {
        ringbolt::fs::File::options()
            .read(true)
            .custom_flags(if direct { libc::O_DIRECT } else { 0 })
            .open(path)
            .await
    }

    fn read_at(
        file: &Arc<ringbolt::fs::File>,
        buf: AlignedBuf,
        pos: u64,
    ) -> impl Future<Output = (io::Result<usize>, AlignedBuf)> + Send {
        file.read_aligned_at(buf, pos)
    }

    async fn write_seq(path: PathBuf, total: u64, chunk: usize) -> io::Result<()> {
        let file = ringbolt::fs::File::create(path).await?;
        let mut data = vec![0x5au8; chunk];
        let mut pos = 0u64;
        while pos < total {
            let n = (total - pos).min(chunk as u64) as usize;
            data.truncate(n);
            let (res, back) = file.write_all_at(data, pos).await;
            res?;
            data = back;
            pos += n as u64;
        }
        file.sync_all().await?;
        file.close().await
    }

    fn read_whole(path: PathBuf) -> impl Future<Output = io::Result<Vec<u8>>> + Send {
        ringbolt::fs::read(path)
    }
}

/// Opens `path` read-only with std, with `O_DIRECT` when `direct`.
///
/// # Errors
/// The kernel's error (`EINVAL` where the file system refuses `O_DIRECT`).
pub fn open_std(path: &Path, direct: bool) -> io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(if direct { libc::O_DIRECT } else { 0 })
        .open(path)
}

/// The file workloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fs {
    /// Random 4 KiB reads of the hot 1 GiB file, one in flight.
    RandReadQd1,
    /// Random 4 KiB reads of the hot 1 GiB file, 64 in flight.
    RandReadQd64,
    /// Random 4 KiB `O_DIRECT` reads, one in flight.
    RandReadDirectQd1,
    /// Random 4 KiB `O_DIRECT` reads, 64 in flight.
    RandReadDirectQd64,
    /// 1 GiB in sequential 1 MiB writes, then fsync.
    SeqWrite1g,
    /// `fs::read` of 1,000 files of 4 KiB, all at once.
    SmallFiles1000,
    /// Raw loop only: `READ` vs `READ_FIXED` at QD 32.
    RawReadFixedQd32,
    /// Raw loop only: `READ` vs `READ_FIXED` at QD 64.
    RawReadFixedQd64,
}

impl Fs {
    /// Every file workload, in report order.
    pub const ALL: [Fs; 8] = [
        Fs::RandReadQd1,
        Fs::RandReadQd64,
        Fs::RandReadDirectQd1,
        Fs::RandReadDirectQd64,
        Fs::SeqWrite1g,
        Fs::SmallFiles1000,
        Fs::RawReadFixedQd32,
        Fs::RawReadFixedQd64,
    ];

    /// For the random-read workloads: (reads at scale 1, depth, O_DIRECT).
    pub fn read_shape(self) -> Option<(usize, usize, bool)> {
        match self {
            Fs::RandReadQd1 => Some((READS_QD1, 1, false)),
            Fs::RandReadQd64 => Some((READS_QD64, 64, false)),
            Fs::RandReadDirectQd1 => Some((DIRECT_READS_QD1, 1, true)),
            Fs::RandReadDirectQd64 => Some((DIRECT_READS_QD64, 64, true)),
            Fs::RawReadFixedQd32 => Some((READS_QD64, 32, false)),
            Fs::RawReadFixedQd64 => Some((READS_QD64, 64, false)),
            Fs::SeqWrite1g | Fs::SmallFiles1000 => None,
        }
    }

    /// Bytes `seq_write_1g` writes at `scale`, a whole number of chunks.
    pub fn write_size(scale: f64) -> u64 {
        let chunks = scaled((SEQ_WRITE_SIZE / WRITE_CHUNK as u64) as usize, scale);
        chunks as u64 * WRITE_CHUNK as u64
    }

    /// Offsets of one iteration of a read workload at `scale`.
    fn offsets(self, scale: f64) -> Arc<[u64]> {
        let (n, _, _) = self.read_shape().expect("a read workload");
        random_offsets(SEED, scaled(n, scale), READ_FILE_SIZE, BLOCK as u64).into()
    }

    /// Runs one iteration on `rt` at size multiplier `scale` and returns
    /// the time of the measured part (setup such as opening the file or
    /// removing the previous write's output is not timed).
    ///
    /// # Panics
    /// On any I/O error (the driver records it as the runtime's error).
    pub fn run_on<R: FsRuntime>(self, rt: &R, scale: f64) -> Duration {
        let data = data().unwrap_or_else(|e| panic!("bench data: {e}"));
        match self {
            Fs::SeqWrite1g => {
                let path = data.write_target();
                rt.block_on(async move {
                    R::spawn(async move {
                        let start = Instant::now();
                        R::write_seq(path, Self::write_size(scale), WRITE_CHUNK)
                            .await
                            .expect("sequential write");
                        start.elapsed()
                    })
                    .await
                    .expect("writer task panicked")
                })
            }
            Fs::SmallFiles1000 => small_files(rt, data.small_files.clone()),
            Fs::RawReadFixedQd32 | Fs::RawReadFixedQd64 => {
                panic!("{} runs on the raw loop only", self.name())
            }
            _ => {
                let (_, depth, direct) = self.read_shape().expect("a read workload");
                rand_read(
                    rt,
                    data.read_file.clone(),
                    direct,
                    self.offsets(scale),
                    depth,
                )
            }
        }
    }

    /// One iteration of baseline `index` of [`Workload::baselines`];
    /// returns its time.
    ///
    /// # Panics
    /// On any I/O error, or if there is no such baseline.
    pub fn run_raw(self, index: usize, scale: f64) -> Duration {
        let data = data().unwrap_or_else(|e| panic!("bench data: {e}"));
        match self {
            Fs::SeqWrite1g => {
                let path = data.write_target();
                let file = std::fs::File::create(path).expect("create the write target");
                raw::seq_write(&file, Self::write_size(scale), WRITE_CHUNK)
                    .expect("raw sequential write")
            }
            Fs::SmallFiles1000 => panic!("small_files_1000 has no raw baseline"),
            _ => self
                .read_baseline(index, &data.read_file, &self.offsets(scale))
                .unwrap_or_else(|e| panic!("{}: {e}", self.baselines()[index])),
        }
    }

    /// Read baseline `index` of [`Workload::baselines`] over `offsets` of
    /// the file at `path`, at this workload's depth (and with `O_DIRECT`
    /// if it is a `_direct` workload); returns its time.
    ///
    /// # Errors
    /// Opening the file or reading failed, or a read came back short.
    ///
    /// # Panics
    /// If this is not a read workload or has no baseline `index`.
    pub fn read_baseline(
        self,
        index: usize,
        path: &Path,
        offsets: &Arc<[u64]>,
    ) -> io::Result<Duration> {
        let (_, depth, direct) = self.read_shape().expect("a read workload");
        let op = match self.baselines().get(index).copied() {
            Some(RAW_READ) => ReadOp::Read,
            Some(RAW_READ_FIXED) => ReadOp::ReadFixed,
            Some(RAW_READ_FIXED_FILE) => ReadOp::ReadFixedFile,
            Some(MONOIO_READ) => {
                return monoio_rand_read(path.to_path_buf(), direct, offsets.clone(), BLOCK, depth)
            }
            _ => panic!("{} has no baseline {index}", self.name()),
        };
        let file = open_std(path, direct)?;
        raw::random_reads(&file, offsets, BLOCK, depth, op)
    }
}

impl Workload for Fs {
    fn name(&self) -> &'static str {
        match self {
            Fs::RandReadQd1 => "rand_read_qd1",
            Fs::RandReadQd64 => "rand_read_qd64",
            Fs::RandReadDirectQd1 => "rand_read_direct_qd1",
            Fs::RandReadDirectQd64 => "rand_read_direct_qd64",
            Fs::SeqWrite1g => "seq_write_1g",
            Fs::SmallFiles1000 => "small_files_1000",
            Fs::RawReadFixedQd32 => "raw_read_fixed_qd32",
            Fs::RawReadFixedQd64 => "raw_read_fixed_qd64",
        }
    }

    fn family(&self) -> &'static str {
        "fs"
    }

    fn description(&self) -> &'static str {
        match self {
            Fs::RandReadQd1 => "30k random 4 KiB reads of a hot 1 GiB file, 1 task (QD 1)",
            Fs::RandReadQd64 => {
                "100k random 4 KiB reads of a hot 1 GiB file, 64 tasks (QD 64; 50k in --quick)"
            }
            Fs::RandReadDirectQd1 => "2k random 4 KiB O_DIRECT reads, 1 task (QD 1)",
            Fs::RandReadDirectQd64 => {
                "20k random 4 KiB O_DIRECT reads, 64 tasks (QD 64; 10k in --quick)"
            }
            Fs::SeqWrite1g => "1 GiB in 1 MiB sequential writes + fsync (256 MiB in --quick)",
            Fs::SmallFiles1000 => "fs::read of 1,000 files of 4 KiB from 1,000 tasks",
            Fs::RawReadFixedQd32 => {
                "raw loop only: 100k hot 4 KiB reads, READ vs READ_FIXED, QD 32"
            }
            Fs::RawReadFixedQd64 => {
                "raw loop only: 100k hot 4 KiB reads, READ vs READ_FIXED, QD 64"
            }
        }
    }

    fn ops_per_iter(&self, scale: f64) -> Option<u64> {
        let n = match self {
            Fs::SeqWrite1g => Self::write_size(scale) / WRITE_CHUNK as u64,
            Fs::SmallFiles1000 => SMALL_FILES as u64,
            _ => scaled(self.read_shape().expect("a read workload").0, scale) as u64,
        };
        Some(n)
    }

    fn run(&self, rt: &AnyRuntime, scale: f64) -> Sample {
        Sample {
            elapsed: crate::with_runtime!(rt, |r| self.run_on(r, scale)),
            ..Sample::default()
        }
    }

    fn runtimes(&self) -> &'static [RuntimeKind] {
        match self {
            Fs::RawReadFixedQd32 | Fs::RawReadFixedQd64 => &[],
            _ => &RuntimeKind::ALL,
        }
    }

    fn quick_scale(&self) -> f64 {
        match self {
            Fs::SeqWrite1g => 0.25,
            Fs::RandReadQd64 | Fs::RandReadDirectQd64 => 0.5,
            _ => 1.0,
        }
    }

    fn baselines(&self) -> &'static [&'static str] {
        match self {
            Fs::SeqWrite1g => &[RAW_WRITE],
            Fs::SmallFiles1000 => &[],
            Fs::RawReadFixedQd32 | Fs::RawReadFixedQd64 => &[RAW_READ, RAW_READ_FIXED],
            Fs::RandReadQd64 => &[RAW_READ, MONOIO_READ],
            Fs::RandReadDirectQd64 => &[RAW_READ, RAW_READ_FIXED_FILE, MONOIO_READ],
            Fs::RandReadQd1 | Fs::RandReadDirectQd1 => &[RAW_READ],
        }
    }

    fn run_baseline(&self, index: usize, scale: f64) -> Option<Sample> {
        (index < self.baselines().len()).then(|| Sample {
            elapsed: self.run_raw(index, scale),
            ..Sample::default()
        })
    }
}

/// The file workloads as registry entries.
pub fn all() -> Vec<Box<dyn Workload>> {
    Fs::ALL
        .iter()
        .map(|&w| Box::new(w) as Box<dyn Workload>)
        .collect()
}

/// `depth` tasks read `BLOCK` bytes at the given offsets (task `i` takes the
/// `i`-th contiguous share) from one shared file; returns the time from the
/// first spawn to the last read (opening the file is not timed).
pub fn rand_read<R: FsRuntime>(
    rt: &R,
    path: PathBuf,
    direct: bool,
    offsets: Arc<[u64]>,
    depth: usize,
) -> Duration {
    let depth = depth.clamp(1, offsets.len().max(1));
    rt.block_on(async move {
        let file = Arc::new(R::open(path, direct).await.expect("open the read file"));
        let latch = Arc::new(Latch::new(depth));
        let per = offsets.len().div_ceil(depth);
        let start = Instant::now();
        for t in 0..depth {
            let (file, offsets, latch) = (file.clone(), offsets.clone(), latch.clone());
            drop(R::spawn(async move {
                let mut buf = AlignedBuf::new(BLOCK, 4096).expect("aligned buffer");
                let end = ((t + 1) * per).min(offsets.len());
                for &pos in offsets.get(t * per..end).unwrap_or(&[]) {
                    let (res, back) = R::read_at(&file, buf, pos).await;
                    assert_eq!(res.expect("read"), BLOCK, "short read at {pos}");
                    buf = back;
                }
                latch.count_down();
            }));
        }
        latch.wait().await;
        start.elapsed()
    })
}

/// One task per path reads the whole file; returns the time until all are
/// read.
pub fn small_files<R: FsRuntime>(rt: &R, paths: Arc<[PathBuf]>) -> Duration {
    rt.block_on(async move {
        let latch = Arc::new(Latch::new(paths.len()));
        let start = Instant::now();
        for i in 0..paths.len() {
            let (paths, latch) = (paths.clone(), latch.clone());
            drop(R::spawn(async move {
                let data = R::read_whole(paths[i].clone()).await.expect("fs::read");
                assert_eq!(data.len(), SMALL_FILE_SIZE);
                latch.count_down();
            }));
        }
        latch.wait().await;
        start.elapsed()
    })
}

/// SplitMix64: a tiny seeded generator, enough for benchmark offsets.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// `n` offsets, multiples of `block`, uniformly spread over a file of `len`
/// bytes (each `block` bytes fit before the end).
pub fn random_offsets(seed: u64, n: usize, len: u64, block: u64) -> Vec<u64> {
    let blocks = (len / block).max(1);
    let mut rng = SplitMix64::new(seed);
    (0..n).map(|_| rng.next_u64() % blocks * block).collect()
}

/// The on-disk data set, created once per data directory.
#[derive(Debug)]
pub struct BenchData {
    /// The 1 GiB random-read file.
    pub read_file: PathBuf,
    /// The 1,000 small files.
    pub small_files: Arc<[PathBuf]>,
    /// Directory of the sequential-write target.
    pub write_dir: PathBuf,
}

impl BenchData {
    /// The sequential-write target, with the previous iteration's file
    /// removed (untimed) so the timed part starts from nothing.
    ///
    /// # Panics
    /// If the old file cannot be removed.
    pub fn write_target(&self) -> PathBuf {
        let path = self.write_dir.join("seq-write.bin");
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => panic!("remove {}: {e}", path.display()),
        }
        path
    }
}

/// Where the data set lives: `$RINGBOLT_BENCH_DATA`, else
/// `target/bench-data` under the workspace root (on the real disk, unlike a
/// tmpfs `/tmp`).
pub fn data_dir() -> PathBuf {
    match std::env::var_os("RINGBOLT_BENCH_DATA") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data"),
    }
}

/// The data set, created (or checked) and warmed into the page cache on
/// the first call of the process.
///
/// # Errors
/// A description of the I/O error that prevented creating it.
pub fn data() -> Result<&'static BenchData, String> {
    static DATA: OnceLock<Result<BenchData, String>> = OnceLock::new();
    DATA.get_or_init(|| prepare(&data_dir()).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(Clone::clone)
}

fn prepare(dir: &Path) -> io::Result<BenchData> {
    std::fs::create_dir_all(dir)?;
    let read_file = dir.join("read-1g.bin");
    ensure_file(&read_file, READ_FILE_SIZE)?;
    // Hot page cache: read it all once.
    let mut f = std::fs::File::open(&read_file)?;
    let mut buf = vec![0u8; 1 << 20];
    while f.read(&mut buf)? > 0 {}

    let small_dir = dir.join("small-4k");
    std::fs::create_dir_all(&small_dir)?;
    let small_files: Vec<PathBuf> = (0..SMALL_FILES)
        .map(|i| small_dir.join(format!("f{i:04}")))
        .collect();
    for p in &small_files {
        ensure_file(p, SMALL_FILE_SIZE as u64)?;
    }
    let write_dir = dir.join("write");
    std::fs::create_dir_all(&write_dir)?;
    Ok(BenchData {
        read_file,
        small_files: small_files.into(),
        write_dir,
    })
}

/// Creates `path` with `len` pseudo-random non-zero bytes unless it already
/// has that length (written to a temporary name, synced, then renamed, so
/// an interrupted run never leaves a file that looks complete).
fn ensure_file(path: &Path, len: u64) -> io::Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == len) {
        return Ok(());
    }
    let tmp = path.with_extension("partial");
    let mut f = std::fs::File::create(&tmp)?;
    let mut rng = SplitMix64::new(len ^ SEED);
    let mut chunk = vec![0u8; (1usize << 20).min(len as usize)];
    let mut left = len;
    while left > 0 {
        for word in chunk.chunks_mut(8) {
            let bytes = (rng.next_u64() | 0x0101_0101_0101_0101).to_le_bytes();
            word.copy_from_slice(&bytes[..word.len()]);
        }
        let n = left.min(chunk.len() as u64) as usize;
        f.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_aligned_in_range_and_seeded() {
        let a = random_offsets(1, 1000, 1 << 20, 4096);
        assert!(a.iter().all(|&o| o % 4096 == 0 && o + 4096 <= 1 << 20));
        assert_eq!(a, random_offsets(1, 1000, 1 << 20, 4096));
        assert_ne!(a, random_offsets(2, 1000, 1 << 20, 4096));
        let distinct: std::collections::HashSet<_> = a.iter().collect();
        assert!(distinct.len() > 200);
    }

    #[test]
    fn sizes_and_ops() {
        assert_eq!(Fs::write_size(1.0), 1 << 30);
        assert_eq!(Fs::write_size(0.25), 256 << 20);
        assert_eq!(Fs::SeqWrite1g.ops_per_iter(1.0), Some(1024));
        assert_eq!(Fs::RandReadQd64.ops_per_iter(0.5), Some(50_000));
        assert_eq!(Fs::RawReadFixedQd64.baselines().len(), 2);
        assert_eq!(Fs::RandReadDirectQd64.baselines().len(), 3);
        assert!(Fs::RandReadQd64.baselines().contains(&MONOIO_READ));
        assert!(Fs::RawReadFixedQd64.runtimes().is_empty());
    }

    #[test]
    fn files_are_created_once_and_nonzero() {
        let dir = std::env::temp_dir().join(format!("ringbolt-fs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("x");
        ensure_file(&p, 10_000).unwrap();
        let data = std::fs::read(&p).unwrap();
        assert_eq!(data.len(), 10_000);
        assert!(data.iter().all(|&b| b != 0));
        let before = std::fs::metadata(&p).unwrap().modified().unwrap();
        ensure_file(&p, 10_000).unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().modified().unwrap(), before);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn every_read_baseline_reads_a_small_file() {
        // On the real disk, beside the data set: tmpfs may refuse O_DIRECT.
        let dir = data_dir().join(format!("test-baselines-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("r");
        ensure_file(&path, 1 << 20).unwrap();
        let offsets: Arc<[u64]> = random_offsets(5, 300, 1 << 20, 4096).into();
        let io_uring = Ringbolt::build(1).is_ok();
        for w in [
            Fs::RandReadQd64,
            Fs::RandReadDirectQd64,
            Fs::RawReadFixedQd32,
        ] {
            for (i, name) in w.baselines().iter().enumerate() {
                match w.read_baseline(i, &path, &offsets) {
                    Ok(t) => assert!(!t.is_zero(), "{} · {name}", w.name()),
                    // io_uring may be blocked where the tests run.
                    Err(_) if !io_uring => {}
                    Err(e) => panic!("{} · {name}: {e}", w.name()),
                }
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn small_reads_on_both_runtimes() {
        let dir = std::env::temp_dir().join(format!("ringbolt-fs-rd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("r");
        ensure_file(&p, 1 << 20).unwrap();
        let offsets: Arc<[u64]> = random_offsets(3, 500, 1 << 20, 4096).into();
        let tokio = Tokio::build(2).unwrap();
        rand_read(&tokio, p.clone(), false, offsets.clone(), 8);
        let paths: Arc<[PathBuf]> = vec![p.clone(); 3].into();
        if let Ok(rb) = Ringbolt::build(2) {
            rand_read(&rb, p.clone(), false, offsets.clone(), 8);
            rand_read(&rb, p.clone(), false, offsets, 1);
            let path = dir.join("w");
            rb.block_on(Ringbolt::write_seq(path.clone(), 3 << 20, 1 << 20))
                .unwrap();
            assert_eq!(std::fs::metadata(&path).unwrap().len(), 3 << 20);
            rb.block_on(async {
                let v = Ringbolt::read_whole(paths[0].clone()).await.unwrap();
                assert_eq!(v.len(), 1 << 20);
            });
        }
        tokio
            .block_on(Tokio::write_seq(dir.join("t"), (3 << 20) + 5, 1 << 20))
            .unwrap();
        assert_eq!(
            std::fs::metadata(dir.join("t")).unwrap().len(),
            (3 << 20) + 5
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
