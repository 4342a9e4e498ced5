//! What else lives in the cache folder besides steps' outputs, as gc sees it.
//!
//! Built environments (`envs/`), extracted conda packages (`conda/pkgs/`), cached channel
//! repodata (`conda/repodata/`) and stored task results (`results/`) are derived data: each
//! can be made again from the lock (and, for packages and repodata, the network; for task
//! results, by running the task). They share one size budget and one
//! least-recently-used order with the action entries, so `wt cache gc --max-size` bounds the
//! whole cache. The modules that own them know their layout and their locks; gc only sees
//! [`Evictable`]s.

use super::CacheError;
use std::time::SystemTime;

/// The kinds of derived data, for gc's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DerivedKind {
    Environment,
    CondaPackage,
    Repodata,
    /// A task result of the default results store (`<cache>/results`).
    TaskResult,
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
