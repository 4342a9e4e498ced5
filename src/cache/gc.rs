//! Size-capped garbage collection: least-recently-used action entries go first, then every blob
//! no remaining entry references.
//!
//! "Used" is the entry file's mtime: set when the entry is written and on every hit. Blobs have
//! no LRU of their own: a blob lives as long as some entry references it.
//!
//! gc may run while builds run. A build stores its blobs, then its entry; a blob stored (or
//! re-stored, which refreshes its mtime) in the last [`GC_GRACE`] is never deleted, so a
//! concurrent gc cannot pull a blob from under an entry about to be written. Temp files older
//! than [`TMP_GRACE`] are leftovers of killed processes and are removed.

use super::local::StoredFile;
use super::{Cache, CacheError, Manifest, Stats};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::time::{Duration, SystemTime};

/// How long a blob is safe from gc after it was stored.
pub const GC_GRACE: Duration = Duration::from_secs(10 * 60);
/// How old a temp file must be before gc takes it for a leftover.
pub const TMP_GRACE: Duration = Duration::from_secs(60 * 60);

/// What [`Cache::gc`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GcReport {
    /// Entries evicted (LRU), plus garbled or dangling ones (naming a missing blob).
    pub entries_removed: usize,
    /// Blobs deleted because no remaining entry references them.
    pub blobs_removed: usize,
    /// Unreferenced blobs kept because they were stored within the grace period.
    pub blobs_kept_recent: usize,
    /// Bytes of the deleted entries and blobs.
    pub bytes_freed: u64,
    /// Leftover temp files of killed processes removed.
    pub temp_files_removed: usize,
    /// The cache after gc.
    pub after: Stats,
}

struct Live {
    file: StoredFile,
    blobs: BTreeSet<String>,
}

impl Cache {
    /// Evicts least-recently-used entries until the cache (entries + the blobs they reference)
    /// is at most `max_bytes`, then deletes every blob no remaining entry references, except
    /// blobs stored within [`GC_GRACE`] (they may belong to a build in progress).
    pub fn gc(&self, max_bytes: u64) -> Result<GcReport, CacheError> {
        self.gc_with_grace(max_bytes, GC_GRACE)
    }

    /// [`Cache::gc`] with another grace period for unreferenced blobs (`Duration::ZERO`: none;
    /// only safe when no build uses the cache meanwhile).
    pub fn gc_with_grace(&self, max_bytes: u64, grace: Duration) -> Result<GcReport, CacheError> {
        let now = SystemTime::now();
        let mut report = GcReport {
            temp_files_removed: self.remove_old_temp_files(now)?,
            ..GcReport::default()
        };
        let blobs: BTreeMap<String, StoredFile> = self
            .store
            .blobs()?
            .into_iter()
            .map(|b| (b.name.clone(), b))
            .collect();

        // Entries that can hit, with the blobs they reference; the rest go now.
        let mut live = Vec::new();
        for file in self.store.entries()? {
            let manifest = fs::read(&file.path)
                .ok()
                .and_then(|bytes| Manifest::from_json(&bytes).ok());
            let complete = manifest.as_ref().is_some_and(|m| {
                m.blobs()
                    .iter()
                    .all(|b| blobs.get(&b.digest).is_some_and(|f| f.size == b.size))
            });
            match manifest {
                Some(m) if complete => live.push(Live {
                    blobs: m.blobs().into_iter().map(|b| b.digest.clone()).collect(),
                    file,
                }),
                _ => {
                    self.store.remove(&file.path)?;
                    report.entries_removed += 1;
                    report.bytes_freed += file.size;
                }
            }
        }

        // Oldest first; ties by key so the order is the same on every run.
        live.sort_by(|a, b| (a.file.modified, &a.file.name).cmp(&(b.file.modified, &b.file.name)));
        let mut refs: BTreeMap<&str, usize> = BTreeMap::new();
        for entry in &live {
            for digest in &entry.blobs {
                *refs.entry(digest).or_default() += 1;
            }
        }
        let mut total: u64 = live.iter().map(|e| e.file.size).sum::<u64>()
            + refs.keys().map(|d| blobs[*d].size).sum::<u64>();

        let mut evicted = 0;
        while total > max_bytes && evicted < live.len() {
            let entry = &live[evicted];
            self.store.remove(&entry.file.path)?;
            report.entries_removed += 1;
            report.bytes_freed += entry.file.size;
            total -= entry.file.size;
            for digest in &entry.blobs {
                let count = refs.get_mut(digest.as_str()).expect("counted above");
                *count -= 1;
                if *count == 0 {
                    total -= blobs[digest].size;
                }
            }
            evicted += 1;
        }

        for (digest, file) in &blobs {
            if refs.get(digest.as_str()).copied().unwrap_or(0) > 0 {
                continue;
            }
            let age = now.duration_since(file.modified).unwrap_or(Duration::ZERO);
            if age < grace {
                report.blobs_kept_recent += 1;
                continue;
            }
            self.store.remove(&file.path)?;
            report.blobs_removed += 1;
            report.bytes_freed += file.size;
        }
        report.after = self.stats()?;
        Ok(report)
    }

    fn remove_old_temp_files(&self, now: SystemTime) -> Result<usize, CacheError> {
        let dir = self.store.tmp_dir();
        let Ok(files) = fs::read_dir(dir) else {
            return Ok(0);
        };
        let mut removed = 0;
        for file in files.flatten() {
            let old = file
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| now.duration_since(t).unwrap_or(Duration::ZERO) >= TMP_GRACE);
            if old && fs::remove_file(file.path()).is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }
}
