//! `copy_tree`: copying a tree of many small files, the way a program
//! written against either runtime does it, against `cp -r`.
//!
//! **The tree** is generated once per run (not timed) and shaped like
//! CPython's standard library, which has 46,267 files in 8,251 directories,
//! 600 MB in all ([`FULL_FILES`], [`FULL_DIRS`], [`FULL_BYTES`]). At scale 1
//! it is a sixteenth of that ([`FULL_SCALE`]: 2,892 files, 516
//! directories, 37.5 MB), which fits the quick run; `ringbolt-bench
//! --workloads copy_tree --scale 16` copies the full size. Directories hang
//! under a random earlier directory (at most [`MAX_DEPTH`] deep); files go
//! preferably to the older, shallower directories, so a few directories
//! hold many files, as `Lib/test` does. File sizes follow the standard
//! library's shape: 30 % under 1 KiB, 40 % 1–8 KiB, 20 % 8–32 KiB, 9 %
//! 32–128 KiB, 1 % 128 KiB–2 MiB (log-uniform within each band), then all
//! scaled so that the total is the target. It lives on tmpfs (`/dev/shm`)
//! when that is mounted and writable, so that the disk does not decide,
//! else in the temporary directory, read once so its pages are cached.
//!
//! **One iteration** copies the tree to a new directory next to it:
//!
//! - ringbolt and tokio: one task walks the tree with `fs::read_dir`
//!   (the entries' file types come with the listing), creates each
//!   directory with `fs::create_dir` and, for each file, takes a permit of
//!   a semaphore of [`PARALLEL_COPIES`] and spawns a task that runs
//!   `fs::copy` and returns the permit, so at most 64 files are copied at
//!   a time; the walk ends when every copy has been joined. ringbolt's
//!   listing runs on its blocking pool and its directory creation and
//!   copying on the ring; tokio's all run on its blocking pool.
//! - baseline: `cp -r` in a child process, one thread of system calls.
//!
//! Each is timed from the call to the copy being complete (for `cp`, from
//! spawning it to its exit). Afterwards, untimed, the copy is checked
//! (file and directory counts and total bytes equal the source's) and
//! removed. The tree is removed when the workload is done
//! ([`Workload::clean_up`]); a tree left behind by a killed run is removed
//! by the next run that makes one.

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::fs::SplitMix64;
use super::{scaled, Sample, Workload};
use crate::runtimes::{AnyRuntime, BenchRuntime, Ringbolt, Tokio};

/// Files in Python's standard library tree.
pub const FULL_FILES: usize = 46_267;
/// Directories in it (below its root).
pub const FULL_DIRS: usize = 8_251;
/// Its total size in bytes.
pub const FULL_BYTES: u64 = 600_000_000;
/// The scale at which the generated tree has the full size: scale 1 is a
/// sixteenth of it.
pub const FULL_SCALE: f64 = 16.0;
/// Files copied at a time by the runtimes.
pub const PARALLEL_COPIES: usize = 64;
/// Deepest directory level below the root.
pub const MAX_DEPTH: usize = 8;
/// Seed of the tree's shape.
pub const TREE_SEED: u64 = 0x07EE_50FF_11E5;
/// Name of the `cp -r` baseline.
pub const CP: &str = "cp -r (1 process)";
/// Prefix of the generated trees' directory names.
const TREE_PREFIX: &str = "ringbolt-bench-tree-";

/// Files, directories and bytes of a tree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TreeStats {
    /// Regular files.
    pub files: u64,
    /// Directories below the root.
    pub dirs: u64,
    /// Total size of the files.
    pub bytes: u64,
}

impl TreeStats {
    /// The generated tree's target shape at `scale`.
    pub fn at(scale: f64) -> TreeStats {
        let s = scale / FULL_SCALE;
        TreeStats {
            files: scaled(FULL_FILES, s) as u64,
            dirs: scaled(FULL_DIRS, s) as u64,
            bytes: (FULL_BYTES as f64 * s).round() as u64,
        }
    }

    /// Counts what is under `root`, not following symlinks (std's calls,
    /// on the calling thread).
    ///
    /// # Errors
    /// A directory cannot be listed or an entry examined.
    pub fn of(root: &Path) -> io::Result<TreeStats> {
        let mut stats = TreeStats::default();
        let mut dirs = vec![root.to_path_buf()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir)? {
                let entry = entry?;
                let meta = entry.metadata()?;
                if meta.is_dir() {
                    stats.dirs += 1;
                    dirs.push(entry.path());
                } else {
                    stats.files += 1;
                    stats.bytes += meta.len();
                }
            }
        }
        Ok(stats)
    }
}

/// The relative paths of a tree's directories (parents first) and files
/// with their sizes, for `target`, drawn from `seed`.
pub fn plan(target: TreeStats, seed: u64) -> (Vec<PathBuf>, Vec<(PathBuf, u64)>) {
    let mut rng = SplitMix64::new(seed);
    let mut unit = move || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    // Directory 0 is the root.
    let mut paths = vec![PathBuf::new()];
    let mut depth = vec![0usize];
    let mut parent = vec![0usize];
    for i in 1..=target.dirs as usize {
        let mut p = ((unit() * i as f64) as usize).min(i - 1);
        while depth[p] >= MAX_DEPTH {
            p = parent[p];
        }
        paths.push(paths[p].join(format!("d{i}")));
        depth.push(depth[p] + 1);
        parent.push(p);
    }
    // Size bands: (share in thousandths, lowest, highest) bytes.
    const BANDS: [(u32, f64, f64); 5] = [
        (300, 0.0, 1024.0),
        (400, 1024.0, 8192.0),
        (200, 8192.0, 32768.0),
        (90, 32768.0, 131_072.0),
        (10, 131_072.0, 2_097_152.0),
    ];
    let mut files = Vec::with_capacity(target.files as usize);
    let mut raw = Vec::with_capacity(target.files as usize);
    for j in 0..target.files as usize {
        // u² leans towards the older, shallower directories.
        let u = unit();
        let d = ((u * u * paths.len() as f64) as usize).min(paths.len() - 1);
        files.push(paths[d].join(format!("m{j}.py")));
        let mut pick = (unit() * 1000.0) as u32;
        let &(_, lo, hi) = BANDS
            .iter()
            .find(|&&(share, _, _)| {
                let inside = pick < share;
                pick = pick.saturating_sub(share);
                inside
            })
            .unwrap_or(&BANDS[4]);
        raw.push(if lo == 0.0 {
            unit() * hi
        } else {
            lo * (hi / lo).powf(unit())
        });
    }
    let total: f64 = raw.iter().sum();
    let factor = if total > 0.0 {
        target.bytes as f64 / total
    } else {
        0.0
    };
    let files = files
        .into_iter()
        .zip(raw)
        .map(|(p, r)| (p, (r * factor).round() as u64))
        .collect();
    paths.remove(0);
    (paths, files)
}

/// A generated tree; dropping it removes it.
#[derive(Debug)]
pub struct Tree {
    /// The directory holding `src` and the copies; removed on drop.
    root: PathBuf,
    /// What the tree holds.
    stats: TreeStats,
    /// The scale it was generated at.
    scale: f64,
    /// Whether it lives on tmpfs.
    tmpfs: bool,
}

impl Tree {
    /// Generates the tree for `scale` under [`tree_base`].
    ///
    /// # Errors
    /// Creating a directory or writing a file failed.
    pub fn create(scale: f64) -> io::Result<Tree> {
        let (base, tmpfs) = tree_base();
        Tree::create_in(&base, scale, tmpfs)
    }

    /// Generates the tree for `scale` in a new directory under `base`,
    /// first removing trees there that a process no longer running left
    /// behind. `tmpfs` says whether `base` is one (else every file is read
    /// once, to be cached).
    ///
    /// # Errors
    /// Creating a directory or writing or reading a file failed.
    pub fn create_in(base: &Path, scale: f64, tmpfs: bool) -> io::Result<Tree> {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        remove_stale_trees(base);
        let root = base.join(format!(
            "{TREE_PREFIX}{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&root)?;
        // From here on, dropping the tree removes whatever was written.
        let mut tree = Tree {
            root,
            stats: TreeStats::default(),
            scale,
            tmpfs,
        };
        let src = tree.src();
        std::fs::create_dir(&src)?;
        let (dirs, files) = plan(TreeStats::at(scale), TREE_SEED);
        for d in &dirs {
            std::fs::create_dir(src.join(d))?;
        }
        let mut rng = SplitMix64::new(TREE_SEED);
        let content: Vec<u8> = (0..1 << 20).map(|_| (rng.next_u64() as u8) | 1).collect();
        for (i, (path, size)) in files.iter().enumerate() {
            let mut f = std::fs::File::create(src.join(path))?;
            let mut left = *size as usize;
            let mut at = i * 7919 % content.len();
            while left > 0 {
                let n = left.min(content.len() - at);
                io::Write::write_all(&mut f, &content[at..at + n])?;
                left -= n;
                at = 0;
            }
        }
        tree.stats = TreeStats::of(&src)?;
        if !tmpfs {
            for (path, _) in &files {
                std::fs::read(src.join(path))?;
            }
        }
        Ok(tree)
    }

    /// The tree to copy.
    pub fn src(&self) -> PathBuf {
        self.root.join("src")
    }

    /// What it holds.
    pub fn stats(&self) -> TreeStats {
        self.stats
    }

    /// Whether it lives on tmpfs.
    pub fn on_tmpfs(&self) -> bool {
        self.tmpfs
    }

    /// The destination of the next copy, with a previous copy removed.
    ///
    /// # Errors
    /// The previous copy could not be removed.
    pub fn fresh_dst(&self) -> io::Result<PathBuf> {
        let dst = self.root.join("dst");
        match std::fs::remove_dir_all(&dst) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(dst),
        }
    }

    /// Checks that `dst` holds as many files and directories and as many
    /// bytes as the tree, then removes it.
    ///
    /// # Errors
    /// `InvalidData` saying what differs, or the walk's or the removal's
    /// error.
    pub fn verify_and_remove(&self, dst: &Path) -> io::Result<()> {
        let copied = TreeStats::of(dst)?;
        std::fs::remove_dir_all(dst)?;
        if copied != self.stats {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("copy holds {copied:?}, the tree {:?}", self.stats),
            ));
        }
        Ok(())
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Where trees go: `/dev/shm` if it is a tmpfs mount we can write to
/// (`true`), else the temporary directory (`false`).
pub fn tree_base() -> (PathBuf, bool) {
    let shm = Path::new("/dev/shm");
    let mounted = std::fs::read_to_string("/proc/self/mounts").is_ok_and(|m| {
        m.lines().any(|l| {
            let mut f = l.split_whitespace().skip(1);
            f.next() == Some("/dev/shm") && f.next() == Some("tmpfs")
        })
    });
    let probe = shm.join(format!("{TREE_PREFIX}probe-{}", std::process::id()));
    if mounted && std::fs::create_dir(&probe).is_ok() {
        let _ = std::fs::remove_dir(&probe);
        return (shm.to_path_buf(), true);
    }
    (std::env::temp_dir(), false)
}

/// Removes `base/ringbolt-bench-tree-PID-N` directories whose process
/// `PID` no longer runs (a run killed by its watchdog, say).
fn remove_stale_trees(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(TREE_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// What the copy needs of a runtime: listing, creating directories,
/// copying files and a semaphore, each the runtime's own.
pub trait TreeRuntime: BenchRuntime {
    /// The runtime's semaphore.
    type Semaphore: Send + Sync + 'static;
    /// A permit of it, returned when dropped.
    type Permit: Send + 'static;

    /// A semaphore of `permits` permits.
    fn semaphore(permits: usize) -> Arc<Self::Semaphore>;

    /// Waits for a permit.
    fn acquire(sem: Arc<Self::Semaphore>) -> impl Future<Output = Self::Permit> + Send;

    /// The entries of `dir` with whether each is a directory (`read_dir`,
    /// then each entry's file type).
    fn list(dir: PathBuf) -> impl Future<Output = io::Result<Vec<(PathBuf, bool)>>> + Send;

    /// `fs::create_dir`.
    fn create_dir(path: PathBuf) -> impl Future<Output = io::Result<()>> + Send;

    /// `fs::copy`: the bytes copied.
    fn copy(from: PathBuf, to: PathBuf) -> impl Future<Output = io::Result<u64>> + Send;
}

impl TreeRuntime for Ringbolt {
    type Semaphore = ringbolt::sync::Semaphore;
    type Permit = ringbolt::sync::OwnedSemaphorePermit;

    fn semaphore(permits: usize) -> Arc<Self::Semaphore> {
        Arc::new(ringbolt::sync::Semaphore::new(permits))
    }

    async fn acquire(sem: Arc<Self::Semaphore>) -> Self::Permit {
        sem.acquire_owned()
            .await
            .expect("the semaphore is never closed")
    }

    async fn list(dir: PathBuf) -> io::Result<Vec<(PathBuf, bool)>> {
        let mut entries = ringbolt::fs::read_dir(dir).await?;
        let mut out = Vec::new();
        while let Some(e) = entries.next_entry().await? {
            out.push((e.path(), e.file_type().await?.is_dir()));
        }
        Ok(out)
    }

    fn create_dir(path: PathBuf) -> impl Future<Output = io::Result<()>> + Send {
        ringbolt::fs::create_dir(path)
    }

    fn copy(from: PathBuf, to: PathBuf) -> impl Future<Output = io::Result<u64>> + Send {
        ringbolt::fs::copy(from, to)
    }
}

impl TreeRuntime for Tokio {
    type Semaphore = tokio::sync::Semaphore;
    type Permit = tokio::sync::OwnedSemaphorePermit;

    fn semaphore(permits: usize) -> Arc<Self::Semaphore> {
        Arc::new(tokio::sync::Semaphore::new(permits))
    }

    async fn acquire(sem: Arc<Self::Semaphore>) -> Self::Permit {
        sem.acquire_owned()
            .await
            .expect("the semaphore is never closed")
    }

    async fn list(dir: PathBuf) -> io::Result<Vec<(PathBuf, bool)>> {
        let mut entries = tokio::fs::read_dir(dir).await?;
        let mut out = Vec::new();
        while let Some(e) = entries.next_entry().await? {
            out.push((e.path(), e.file_type().await?.is_dir()));
        }
        Ok(out)
    }

    fn create_dir(path: PathBuf) -> impl Future<Output = io::Result<()>> + Send {
        tokio::fs::create_dir(path)
    }

    fn copy(from: PathBuf, to: PathBuf) -> impl Future<Output = io::Result<u64>> + Send {
        tokio::fs::copy(from, to)
    }
}

/// Copies the tree at `src` to `dst` (which must not exist) on `rt`:
/// one task walks it, at most `parallel` tasks copy files at a time (see
/// the module docs). Returns the files and bytes copied.
///
/// # Errors
/// The first error of the walk or of a copy (every copy started is still
/// joined first).
pub fn copy_tree<R: TreeRuntime>(
    rt: &R,
    src: PathBuf,
    dst: PathBuf,
    parallel: usize,
) -> io::Result<(u64, u64)> {
    let walk = rt.spawn_remote(async move {
        let sem = R::semaphore(parallel.max(1));
        R::create_dir(dst.clone()).await?;
        let mut copies = Vec::new();
        let mut dirs = vec![(src, dst)];
        let mut walked = Ok(());
        'walk: while let Some((from, to)) = dirs.pop() {
            let entries = match R::list(from).await {
                Ok(entries) => entries,
                Err(e) => {
                    walked = Err(e);
                    break;
                }
            };
            for (path, is_dir) in entries {
                let Some(name) = path.file_name() else {
                    continue;
                };
                let target = to.join(name);
                if is_dir {
                    if let Err(e) = R::create_dir(target.clone()).await {
                        walked = Err(e);
                        break 'walk;
                    }
                    dirs.push((path, target));
                } else {
                    let permit = R::acquire(sem.clone()).await;
                    copies.push(R::spawn(async move {
                        let copied = R::copy(path, target).await;
                        drop(permit);
                        copied
                    }));
                }
            }
        }
        let (mut files, mut bytes, mut failed) = (0u64, 0u64, None);
        for c in copies {
            match c.await {
                Ok(Ok(n)) => {
                    files += 1;
                    bytes += n;
                }
                Ok(Err(e)) => {
                    failed.get_or_insert(e);
                }
                Err(e) => {
                    failed.get_or_insert(io::Error::other(format!("copy task failed: {e:?}")));
                }
            }
        }
        walked?;
        failed.map_or(Ok((files, bytes)), Err)
    });
    rt.block_on(walk)
        .map_err(|e| io::Error::other(format!("walk task failed: {e:?}")))?
}

/// Copies `src` to `dst` with `cp -r` and returns its time, from spawning
/// it to its exit.
///
/// # Errors
/// `cp` cannot start or exits unsuccessfully.
pub fn cp_r(src: &Path, dst: &Path) -> io::Result<Duration> {
    let start = Instant::now();
    let status = Command::new("cp")
        .arg("-r")
        .arg(src)
        .arg(dst)
        .stdin(Stdio::null())
        .status()?;
    let elapsed = start.elapsed();
    if !status.success() {
        return Err(io::Error::other(format!("cp -r: {status}")));
    }
    Ok(elapsed)
}

/// The `copy_tree` workload; holds the generated tree between iterations.
#[derive(Debug, Default)]
pub struct CopyTree {
    tree: Mutex<Option<Tree>>,
}

impl CopyTree {
    /// The workload, with no tree yet (the first iteration makes it).
    pub fn new() -> CopyTree {
        CopyTree::default()
    }

    /// Runs `f` on the tree for `scale`, generating it first if needed
    /// (and telling stderr where it is and what it holds).
    fn with_tree<T>(&self, scale: f64, f: impl FnOnce(&Tree) -> T) -> T {
        let mut slot = self.tree.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.as_ref().is_none_or(|t| t.scale != scale) {
            *slot = None;
            let tree = Tree::create(scale).unwrap_or_else(|e| panic!("copy_tree: generating: {e}"));
            let s = tree.stats();
            eprintln!(
                "copy_tree: {} files, {} directories, {:.1} MB in {} ({})",
                s.files,
                s.dirs,
                s.bytes as f64 / 1e6,
                tree.src().display(),
                if tree.on_tmpfs() {
                    "tmpfs"
                } else {
                    "not tmpfs: page cache"
                }
            );
            *slot = Some(tree);
        }
        f(slot.as_ref().expect("just made"))
    }

    /// Runs one iteration on `rt` at `scale`: copy, check, remove.
    ///
    /// # Panics
    /// On an I/O error or a copy that differs from the tree.
    pub fn run_on<R: TreeRuntime>(&self, rt: &R, scale: f64) -> Duration {
        self.with_tree(scale, |tree| {
            let dst = tree.fresh_dst().expect("remove the previous copy");
            let start = Instant::now();
            let (files, bytes) = copy_tree(rt, tree.src(), dst.clone(), PARALLEL_COPIES)
                .unwrap_or_else(|e| panic!("copy_tree: {e}"));
            let elapsed = start.elapsed();
            let s = tree.stats();
            assert_eq!(
                (files, bytes),
                (s.files, s.bytes),
                "copy_tree: copied files and bytes"
            );
            tree.verify_and_remove(&dst)
                .unwrap_or_else(|e| panic!("copy_tree: {e}"));
            elapsed
        })
    }
}

impl Workload for CopyTree {
    fn name(&self) -> &'static str {
        "copy_tree"
    }

    fn family(&self) -> &'static str {
        "fs"
    }

    fn description(&self) -> &'static str {
        "copy a generated tree (2.9k files, 516 dirs, 37.5 MB; 1/16 of Python's stdlib, \
         --scale 16 for all) with read_dir + fs::copy, 64 at a time; vs cp -r"
    }

    fn ops_per_iter(&self, scale: f64) -> Option<u64> {
        Some(TreeStats::at(scale).files)
    }

    fn run(&self, rt: &AnyRuntime, scale: f64) -> Sample {
        Sample {
            elapsed: crate::with_runtime!(rt, |r| self.run_on(r, scale)),
            ..Sample::default()
        }
    }

    fn baselines(&self) -> &'static [&'static str] {
        &[CP]
    }

    fn run_baseline(&self, index: usize, scale: f64) -> Option<Sample> {
        (index == 0).then(|| {
            let elapsed = self.with_tree(scale, |tree| {
                let dst = tree.fresh_dst().expect("remove the previous copy");
                let elapsed = cp_r(&tree.src(), &dst).unwrap_or_else(|e| panic!("copy_tree: {e}"));
                tree.verify_and_remove(&dst)
                    .unwrap_or_else(|e| panic!("copy_tree: cp -r: {e}"));
                elapsed
            });
            Sample {
                elapsed,
                ..Sample::default()
            }
        })
    }

    fn clean_up(&self) {
        *self.tree.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ringbolt-tree-test-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_plan_has_the_target_shape() {
        let target = TreeStats::at(1.0);
        assert_eq!(
            (target.files, target.dirs, target.bytes),
            (2_892, 516, 37_500_000)
        );
        assert_eq!(TreeStats::at(FULL_SCALE).files, FULL_FILES as u64);
        let (dirs, files) = plan(target, 1);
        assert_eq!(dirs.len(), 516);
        assert_eq!(files.len(), 2_892);
        let total: u64 = files.iter().map(|f| f.1).sum();
        assert!(total.abs_diff(target.bytes) < 2_892, "{total}");
        assert!(dirs.iter().all(|d| d.components().count() <= MAX_DEPTH));
        assert!(
            dirs.iter().any(|d| d.components().count() >= 4),
            "some depth"
        );
        // Most files are small, a few are large.
        let mut sizes: Vec<u64> = files.iter().map(|f| f.1).collect();
        sizes.sort_unstable();
        assert!(
            sizes[sizes.len() / 2] < 8192,
            "median {}",
            sizes[sizes.len() / 2]
        );
        assert!(
            sizes[sizes.len() - 1] > 256 * 1024,
            "largest {}",
            sizes[sizes.len() - 1]
        );
        // Parents come first.
        for (i, d) in dirs.iter().enumerate() {
            if let Some(p) = d.parent().filter(|p| !p.as_os_str().is_empty()) {
                assert!(dirs[..i].contains(&p.to_path_buf()), "{d:?}");
            }
        }
        assert_eq!(plan(target, 1), (dirs, files));
    }

    #[test]
    fn every_copier_copies_the_whole_tree() {
        let base = base("copy");
        let tree = Tree::create_in(&base, 0.05, false).unwrap();
        let s = tree.stats();
        assert_eq!((s.files, s.dirs), (145, 26));
        assert_eq!(s, TreeStats::of(&tree.src()).unwrap());

        let tokio = Tokio::build(2).unwrap();
        let dst = tree.fresh_dst().unwrap();
        assert_eq!(
            copy_tree(&tokio, tree.src(), dst.clone(), 4).unwrap(),
            (s.files, s.bytes)
        );
        tree.verify_and_remove(&dst).unwrap();
        assert!(!dst.exists());
        if let Ok(rb) = Ringbolt::build(2) {
            let dst = tree.fresh_dst().unwrap();
            assert_eq!(
                copy_tree(&rb, tree.src(), dst.clone(), 4).unwrap(),
                (s.files, s.bytes)
            );
            tree.verify_and_remove(&dst).unwrap();
        }
        let dst = tree.fresh_dst().unwrap();
        cp_r(&tree.src(), &dst).unwrap();
        tree.verify_and_remove(&dst).unwrap();

        // A copy into an existing directory fails and says so.
        let dst = tree.fresh_dst().unwrap();
        std::fs::create_dir(&dst).unwrap();
        let err = copy_tree(&tokio, tree.src(), dst.clone(), 4).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);

        let root = tree.root.clone();
        drop(tree);
        assert!(!root.exists(), "dropping the tree removes it");
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn a_short_copy_is_refused() {
        let base = base("short");
        let tree = Tree::create_in(&base, 0.02, true).unwrap();
        for damage in [0, 1] {
            let dst = tree.fresh_dst().unwrap();
            cp_r(&tree.src(), &dst).unwrap();
            let (_, files) = plan(TreeStats::at(0.02), TREE_SEED);
            let victim = dst.join(&files[0].0);
            if damage == 0 {
                std::fs::remove_file(&victim).unwrap();
            } else {
                std::fs::write(&victim, b"x").unwrap();
                std::fs::write(dst.join("extra"), b"").unwrap();
                std::fs::remove_file(dst.join(&files[1].0)).unwrap();
            }
            let err = tree.verify_and_remove(&dst).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
        }
        drop(tree);
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn stale_trees_go_live_ones_stay() {
        let base = base("stale");
        // Beyond any pid_max (at most 2^22).
        let stale = base.join(format!("{TREE_PREFIX}999999999-0"));
        let mine = base.join(format!("{TREE_PREFIX}{}-99", std::process::id()));
        let other = base.join("unrelated-123");
        for d in [&stale, &mine, &other] {
            std::fs::create_dir_all(d.join("src")).unwrap();
        }
        let tree = Tree::create_in(&base, 0.01, true).unwrap();
        assert!(!stale.exists() && mine.exists() && other.exists());
        drop(tree);
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn the_workload_cleans_up() {
        let w = CopyTree::new();
        let rt = AnyRuntime::Tokio(Tokio::build(1).unwrap());
        let s = w.run(&rt, 0.01);
        assert!(!s.elapsed.is_zero());
        let b = w.run_baseline(0, 0.01).unwrap();
        assert!(!b.elapsed.is_zero());
        assert!(w.run_baseline(1, 0.01).is_none());
        let root = w.tree.lock().unwrap().as_ref().unwrap().root.clone();
        assert!(root.exists());
        w.clean_up();
        assert!(!root.exists());
    }
}
