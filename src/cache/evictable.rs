//! What else lives in the cache folder besides steps' outputs, as gc sees it.
//!
//! Built environments (`envs/`), extracted conda packages (`conda/pkgs/`), cached channel
//! repodata (`conda/repodata/`), stored task results (`results/`) and what validating specs
//! yielded (`memo/`) are derived data: each can be made again from the lock (and, for packages
//! and repodata, the network; for task results, by running the task; for memos, by parsing
//! and validating the spec). They share one size budget and one
//! least-recently-used order with the action entries, so `wt cache gc --max-size` bounds the
//! whole cache. The modules that own them know their layout and their locks; gc only sees
//! [`Evictable`]s.

use super::CacheError;
use std::fs;
use std::path::Path;
use std::time::SystemTime;

/// The kinds of derived data, for gc's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DerivedKind {
    Environment,
    CondaPackage,
    Repodata,
    /// A task result of the default results store (`<cache>/results`).
    TaskResult,
    /// What parsing or validating a spec yielded (`<cache>/memo`).
    Memo,
}

impl DerivedKind {
    /// A count of them for reports: "1 environment", "2 conda packages".
    pub fn count(self, n: usize) -> String {
        let plural = if n == 1 { "" } else { "s" };
        match self {
            DerivedKind::Environment => format!("{n} environment{plural}"),
            DerivedKind::CondaPackage => format!("{n} conda package{plural}"),
            DerivedKind::Repodata if n == 1 => "1 channel subdir's repodata".to_string(),
            DerivedKind::Repodata => format!("{n} channel subdirs' repodata"),
            DerivedKind::TaskResult => format!("{n} task result{plural}"),
            DerivedKind::Memo => format!("{n} spec memo{plural}"),
        }
    }
}

/// Removes one thing. `Ok(false)`: it is in use right now (a lock is held) and was kept.
pub type Evict = Box<dyn Fn() -> Result<bool, CacheError>>;

/// One evictable thing of derived data.
pub struct Evictable {
    pub kind: DerivedKind,
    /// Stable name, used to break ties in the LRU order so every run evicts the same way.
    pub name: String,
    /// When it was last used: set by every build, run or install that uses it.
    pub last_used: SystemTime,
    /// Bytes on disk (apparent size of its files).
    pub bytes: u64,
    pub evict: Evict,
}

/// Every regular file under `dir` (none when it does not exist, none in a folder that cannot be
/// read, as the task results' own listing had it) as an [`Evictable`] of `kind`,
/// named by its file name and last used when it was last written: for stores whose files are
/// each a whole thing and never change once written (blobs of task results, memos), and whose
/// readers treat a missing file as a miss.
pub fn files(dir: &Path, kind: DerivedKind) -> Vec<Evictable> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1) {
        // A folder that is gone or cannot be read holds nothing gc could remove.
        let Ok(entry) = entry else {
            continue;
        };
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let path = entry.into_path();
        out.push(Evictable {
            kind,
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            last_used: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            bytes: meta.len(),
            evict: Box::new(move || match fs::remove_file(&path) {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
                Err(e) => Err(CacheError::io("remove", &path, e)),
            }),
        });
    }
    out
}
