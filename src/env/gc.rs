//! Built environments as `wt cache gc` sees them.
//!
//! `<cache>/envs/` holds, per environment key (see [`super::python_env::materialize`]):
//! - `<key>`: a symlink to the published build, `<key>.<pid>.<nanos>/`, whose
//!   [`COMPLETE_MARKER`] mtime is the environment's last use;
//! - `<key>.lock`: the lock its users share and its builder holds exclusively.
//!
//! Anything else there is a leftover: a build whose process was killed, a build superseded by a
//! concurrent one, a dangling link, a half-made link. [`remove_leftovers`] deletes those of
//! keys nobody holds; [`environments`] lists the published ones for gc's LRU.

use super::python_env::COMPLETE_MARKER;
use crate::cache::{CacheError, DerivedKind, Evictable, FileLock, folder_bytes};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What `<cache>/envs/` holds, grouped by environment key.
#[derive(Default)]
struct Key {
    /// The build the `<key>` link points at (or `<key>` itself, a folder of an older layout).
    published: Option<PathBuf>,
    link: Option<PathBuf>,
    builds: Vec<PathBuf>,
    /// Half-made links (`.<build>.link`).
    temp_links: Vec<PathBuf>,
}

fn scan(envs: &Path) -> Result<BTreeMap<String, Key>, CacheError> {
    let mut keys: BTreeMap<String, Key> = BTreeMap::new();
    let Ok(list) = fs::read_dir(envs) else {
        return Ok(keys);
    };
    for item in list {
        let item = item.map_err(|e| CacheError::io("list", envs, e))?;
        let name = item.file_name().to_string_lossy().into_owned();
        let path = item.path();
        let file_type = item
            .file_type()
            .map_err(|e| CacheError::io("inspect", &path, e))?;
        if let Some(rest) = name.strip_prefix('.') {
            let key = rest.split('.').next().unwrap_or_default().to_string();
            keys.entry(key).or_default().temp_links.push(path);
        } else if name.ends_with(".lock") {
            keys.entry(name.trim_end_matches(".lock").to_string())
                .or_default();
        } else if let Some((key, _)) = name.split_once('.') {
            keys.entry(key.to_string()).or_default().builds.push(path);
        } else if file_type.is_symlink() {
            let entry = keys.entry(name).or_default();
            entry.published = fs::read_link(&path).ok().map(|t| envs.join(t));
            entry.link = Some(path);
        } else if file_type.is_dir() {
            let entry = keys.entry(name).or_default();
            entry.published = Some(path.clone());
            entry.link = Some(path);
        }
    }
    Ok(keys)
}

/// The published, complete environments under `<cache>/envs`.
pub fn environments(cache: &Path) -> Result<Vec<Evictable>, CacheError> {
    let envs = crate::cache::Layout(cache).envs();
    let mut out = Vec::new();
    for (key, found) in scan(&envs)? {
        let (Some(link), Some(build)) = (found.link, found.published) else {
            continue;
        };
        let Ok(marker) = fs::metadata(build.join(COMPLETE_MARKER)) else {
            continue;
        };
        let lock = envs.join(format!("{key}.lock"));
        out.push(Evictable {
            kind: DerivedKind::Environment,
            last_used: marker.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            bytes: folder_bytes(&build),
            name: key,
            evict: Box::new(move || {
                let Some(_held) = try_lock(&lock)? else {
                    return Ok(false);
                };
                // Unpublish first: whoever looks next finds no environment, not half of one.
                remove(&link)?;
                remove(&build)?;
                remove(&lock)?;
                Ok(true)
            }),
        });
    }
    Ok(out)
}

/// Deletes the leftovers of every key nobody holds: builds no link points at, dangling links,
/// half-made links, and lock files of keys with nothing left. Returns how many were deleted.
pub fn remove_leftovers(cache: &Path) -> Result<usize, CacheError> {
    let envs = crate::cache::Layout(cache).envs();
    let mut removed = 0;
    for (key, found) in scan(&envs)? {
        let lock = envs.join(format!("{key}.lock"));
        let Some(_held) = try_lock(&lock)? else {
            continue;
        };
        let live: BTreeSet<&PathBuf> = found
            .published
            .iter()
            .filter(|b| b.join(COMPLETE_MARKER).is_file())
            .collect();
        for build in found.builds.iter().filter(|b| !live.contains(b)) {
            remove(build)?;
            removed += 1;
        }
        for temp in &found.temp_links {
            remove(temp)?;
            removed += 1;
        }
        if let Some(link) = found.link.as_ref().filter(|_| live.is_empty()) {
            remove(link)?;
            removed += 1;
        }
        if live.is_empty() {
            remove(&lock)?;
        }
    }
    Ok(removed)
}

fn try_lock(lock: &Path) -> Result<Option<FileLock>, CacheError> {
    FileLock::try_exclusive(lock).map_err(|e| CacheError::io("lock", lock, e))
}

/// Removes a file, link or folder; one already gone is fine.
fn remove(path: &Path) -> Result<(), CacheError> {
    let result = match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) => Err(e),
    };
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(CacheError::io("remove", path, e))
        }
        _ => Ok(()),
    }
}
