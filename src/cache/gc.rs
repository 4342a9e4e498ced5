//! Size-capped garbage collection: least-recently-used action entries (and derived data:
//! environments, conda packages, repodata; see [`Evictable`]) go first, then every blob no
//! remaining entry references.
//!
//! "Used" is the entry file's mtime: set when the entry is written and on a hit (at most once
//! per half [`GC_GRACE`]); derived data says itself when it was last used. Blobs have no LRU
//! of their own: a blob lives as long as some entry references it. Derived data used within
//! [`GC_GRACE`] or held by a running process is never evicted.
//!
//! gc may run while builds run. A build stores its blobs, then its entry; a blob stored (or
//! re-stored, which refreshes its mtime) in the last [`GC_GRACE`] is never deleted, so a
//! concurrent gc cannot pull a blob from under an entry about to be written. Temp files older
//! than [`TMP_GRACE`] are leftovers of killed processes and are removed.

use super::evictable::{DerivedKind, Evictable};
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
    /// Derived data evicted, by kind.
    pub derived_removed: BTreeMap<DerivedKind, usize>,
    /// Derived data gc would have evicted but a running process holds.
    pub derived_kept_in_use: usize,
    /// Derived data gc would have evicted but that was used within the grace period.
    pub derived_kept_recent: usize,
    /// Bytes of the derived data that remains.
    pub derived_bytes_after: u64,
    /// The step cache after gc.
    pub after: Stats,
}

/// Something gc may evict, in LRU order.
enum Candidate<'a> {
    Entry(usize),
    Derived(&'a Evictable),
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
        self.gc_with(max_bytes, grace, &[])
    }

    /// [`Cache::gc_with_grace`] with derived data in the same budget and LRU order: the cache
    /// (entries, their blobs and `derived`) is brought to at most `max_bytes` by evicting
    /// whatever was used least recently, except derived data used within `grace` or in use.
    pub fn gc_with(
        &self,
        max_bytes: u64,
        grace: Duration,
        derived: &[Evictable],
    ) -> Result<GcReport, CacheError> {
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

        let mut refs: BTreeMap<&str, usize> = BTreeMap::new();
        for entry in &live {
            for digest in &entry.blobs {
                *refs.entry(digest).or_default() += 1;
            }
        }
        let derived_total: u64 = derived.iter().map(|d| d.bytes).sum();
        let mut total: u64 = live.iter().map(|e| e.file.size).sum::<u64>()
            + refs.keys().map(|d| blobs[*d].size).sum::<u64>()
            + derived_total;
        report.derived_bytes_after = derived_total;

        // Oldest first; ties by name so the order is the same on every run.
        let mut order: Vec<(SystemTime, &str, Candidate)> = live
            .iter()
            .enumerate()
            .map(|(i, e)| (e.file.modified, e.file.name.as_str(), Candidate::Entry(i)))
            .chain(
                derived
                    .iter()
                    .map(|d| (d.last_used, d.name.as_str(), Candidate::Derived(d))),
            )
            .collect();
        order.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));

        for (last_used, _, candidate) in &order {
            if total <= max_bytes {
                break;
            }
            match candidate {
                Candidate::Entry(i) => {
                    let entry = &live[*i];
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
                }
                Candidate::Derived(d) => {
                    if now.duration_since(*last_used).unwrap_or(Duration::ZERO) < grace {
                        report.derived_kept_recent += 1;
                    } else if (d.evict)()? {
                        *report.derived_removed.entry(d.kind).or_default() += 1;
                        report.bytes_freed += d.bytes;
                        report.derived_bytes_after -= d.bytes;
                        total -= d.bytes;
                    } else {
                        report.derived_kept_in_use += 1;
                    }
                }
            }
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
