//! How much the cache holds.

use super::{Cache, CacheError};

/// Counts and sizes of the local cache (temp files are not counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Action-cache entries.
    pub entries: usize,
    /// Blobs in the content-addressed store.
    pub blobs: usize,
    /// Bytes of all blobs.
    pub blob_bytes: u64,
    /// Bytes of blobs plus entries: what `gc --max-size` bounds.
    pub total_bytes: u64,
}

impl Cache {
    /// Counts entries and blobs and adds up their sizes.
    pub fn stats(&self) -> Result<Stats, CacheError> {
        let entries = self.store.entries()?;
        let blobs = self.store.blobs()?;
        let blob_bytes: u64 = blobs.iter().map(|b| b.size).sum();
        let entry_bytes: u64 = entries.iter().map(|e| e.size).sum();
        Ok(Stats {
            entries: entries.len(),
            blobs: blobs.len(),
            blob_bytes,
            total_bytes: blob_bytes + entry_bytes,
        })
    }
}

/// Bytes of the files under `dir` (symlinks not followed; a hard-linked file counts at each of
/// its names, so this is what the files would take as copies: an upper bound).
pub fn folder_bytes(dir: &std::path::Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}
