//! The memos in the cache folder (`<cache>/memo/`), as `wt cache gc` sees them.
//!
//! A memo holds what parsing or validating a spec yielded (its head, its fingerprints and lint
//! findings), keyed by the spec's text and wt's sources, so every edit of a spec adds one. Each
//! is an [`Evictable`] whose last use is when it was written; a missing memo is recomputed, so
//! evicting one never changes a build, only makes its next validation parse again.

use super::{DerivedKind, Evictable};
use std::path::Path;

/// Every memo under the cache root `cache`.
pub fn evictables(cache: &Path) -> Vec<Evictable> {
    super::evictable::files(&super::Layout(cache).memo(), DerivedKind::Memo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_memo_is_evictable() {
        let cache = tempfile::tempdir().unwrap();
        assert!(evictables(cache.path()).is_empty());
        let memo = super::super::Layout(cache.path()).memo();
        std::fs::create_dir_all(&memo).unwrap();
        std::fs::write(memo.join("head-ab.json"), b"{}").unwrap();
        std::fs::write(memo.join("cd.json"), b"[1]").unwrap();
        let mut found = evictables(cache.path());
        found.sort_by(|a, b| a.name.cmp(&b.name));
        let named: Vec<(&str, u64)> = found.iter().map(|e| (e.name.as_str(), e.bytes)).collect();
        assert_eq!(named, [("cd.json", 3), ("head-ab.json", 2)]);
        assert_eq!(DerivedKind::Memo.count(2), "2 spec memos");
        assert!((found[0].evict)().unwrap());
        assert!(!memo.join("cd.json").exists());
    }
}
