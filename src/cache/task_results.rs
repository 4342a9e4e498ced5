//! The store of task results in the cache folder (`<cache>/results/`), as `wt run` uses it by
//! default and `wt cache gc` sees it.
//!
//! The generated runtime writes it (its `store.py` documents the layout): `blobs/` holds the
//! results by sha256, `keys/` names the blob each task instance's key computed, `notes/` keeps
//! what explanations compare with. Blobs are what weighs; each is an [`Evictable`] whose last
//! use is when it was written. A key whose blob is gone is a miss (the runtime checks the
//! blob), so evicting a blob never gives a wrong result, only a task that runs again.

use super::{DerivedKind, Evictable};
use std::path::{Path, PathBuf};

/// The folder of the default store of task results under the cache root `cache`.
pub fn folder(cache: &Path) -> PathBuf {
    super::Layout(cache).results()
}

/// Every stored result of the default store.
pub fn evictables(cache: &Path) -> Vec<Evictable> {
    super::evictable::files(&folder(cache).join("blobs"), DerivedKind::TaskResult)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stored_result_is_evictable_and_keys_are_left() {
        let cache = tempfile::tempdir().unwrap();
        let results = folder(cache.path());
        let blob = results.join("blobs/ab/ab12");
        std::fs::create_dir_all(blob.parent().unwrap()).unwrap();
        std::fs::write(&blob, b"a result").unwrap();
        let key = results.join("keys/cd/cd34.json");
        std::fs::create_dir_all(key.parent().unwrap()).unwrap();
        std::fs::write(&key, b"{}").unwrap();
        let found = evictables(cache.path());
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].name.as_str(), found[0].bytes), ("ab12", 8));
        assert_eq!(DerivedKind::TaskResult.count(2), "2 task results");
        assert!((found[0].evict)().unwrap());
        assert!(!blob.exists());
        assert!(
            key.exists(),
            "a key without its blob is a miss, left to its next writer"
        );
        assert!(evictables(tempfile::tempdir().unwrap().path()).is_empty());
    }
}
