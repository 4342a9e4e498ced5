//! Stamps of written workspaces: which package key was last written to a folder, with the
//! size and modification time of every file written.
//!
//! A no-op build must not re-read every generated file of every workflow to find that nothing
//! changed. When the package key is the one stamped and every file still has its stamped size
//! and mtime (and no file was added), the folder is up to date without reading it — the same
//! trust make and cargo give to file metadata. Any edit by hand changes the mtime, so the
//! folder is then compared byte by byte and repaired. Stamps are local bookkeeping under the
//! cache folder, never shared or part of a key.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Stamp {
    pub key: String,
    /// (relative path, size, mtime in ns since the epoch), sorted by path.
    pub files: Vec<(String, u64, u128)>,
}

fn stamp_path(cache: &Path, out_dir: &Path) -> PathBuf {
    let id = crate::digest::bytes(out_dir.to_string_lossy().as_bytes());
    cache.join("stamps").join(format!("{}.json", &id[..24]))
}

fn stat(path: &Path) -> Option<(u64, u128)> {
    let meta = std::fs::metadata(path).ok()?;
    let mtime = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    Some((meta.len(), mtime))
}

/// Whether `out_dir` still holds exactly what was stamped for `key`.
pub fn is_fresh(cache: &Path, out_dir: &Path, key: &str) -> bool {
    let Ok(bytes) = std::fs::read(stamp_path(cache, out_dir)) else {
        return false;
    };
    let Ok(stamp) = serde_json::from_slice::<Stamp>(&bytes) else {
        return false;
    };
    if stamp.key != key {
        return false;
    }
    let unchanged = stamp
        .files
        .iter()
        .all(|(rel, size, mtime)| stat(&out_dir.join(rel)) == Some((*size, *mtime)));
    unchanged && count_files(out_dir) == stamp.files.len()
}

/// Files under `dir`, not counting pixi's environments or Python caches.
fn count_files(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0 || !matches!(e.file_name().to_str(), Some(".pixi" | "__pycache__"))
        })
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .count()
}

/// Records that `out_dir` now holds `files` for `key`.
pub fn record<'a>(
    cache: &Path,
    out_dir: &Path,
    key: &str,
    files: impl Iterator<Item = &'a String>,
) {
    let mut entries: Vec<(String, u64, u128)> = files
        .filter_map(|rel| stat(&out_dir.join(rel)).map(|(s, m)| (rel.clone(), s, m)))
        .collect();
    entries.sort();
    let stamp = Stamp {
        key: key.to_string(),
        files: entries,
    };
    crate::workspace::write_memo(
        &stamp_path(cache, out_dir),
        &serde_json::to_vec(&stamp).unwrap_or_default(),
    );
}
