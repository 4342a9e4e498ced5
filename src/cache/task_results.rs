//! The store of task results in the cache folder (`<cache>/results/`), as `wt run` uses it by
//! default and `wt cache gc` sees it.
//!
//! The generated runtime writes it (its `store.py` documents the layout): `blobs/` holds the
//! results by sha256, `keys/` names the blob each task instance's key computed, `notes/` keeps
//! what explanations compare with. Blobs are what weighs; each is an [`Evictable`] whose last
//! use is when it was written. A key whose blob is gone is a miss (the runtime checks the
//! blob), so evicting a blob never gives a wrong result, only a task that runs again.

use super::{CacheError, DerivedKind, Evictable};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The folder of the default store of task results under the cache root `cache`.
pub fn folder(cache: &Path) -> PathBuf {
    cache.join("results")
}

/// Every stored result of the default store.
pub fn evictables(cache: &Path) -> Result<Vec<Evictable>, CacheError> {
    let blobs = folder(cache).join("blobs");
    let mut out = Vec::new();
    let Ok(shards) = fs::read_dir(&blobs) else {
        return Ok(out);
    };
    for shard in shards {
        let shard = shard.map_err(|e| CacheError::io("list", &blobs, e))?.path();
        let Ok(files) = fs::read_dir(&shard) else {
            continue;
        };
        for file in files {
            let path = file.map_err(|e| CacheError::io("list", &shard, e))?.path();
            let Ok(meta) = fs::metadata(&path) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push(Evictable {
                kind: DerivedKind::TaskResult,
                name,
                last_used: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                bytes: meta.len(),
                evict: Box::new(move || match fs::remove_file(&path) {
                    Ok(()) => Ok(true),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
                    Err(e) => Err(CacheError::io("remove", &path, e)),
                }),
            });
        }
    }
    Ok(out)
}
