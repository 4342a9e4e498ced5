//! The conda caches as `wt cache gc` sees them.
//!
//! - `<cache>/conda/pkgs/<name>-<version>-<build>/`: an extracted package, with rattler's
//!   metadata file `<entry>.lock` beside it, whose mtime every install sets
//!   ([`super::install`]). Installs hold the package cache's global lock (`.cache.lock`,
//!   rattler's own); gc takes it too, for as long as it lists and evicts, so it never removes
//!   a package being fetched or linked.
//! - `<cache>/conda/repodata/<key>.json` + `<key>.info.json`: a channel subdir's repodata as
//!   the gateway cached it, guarded by the gateway's `<key>.lock`. gc removes the two files
//!   under that lock and leaves the lock file, exactly as the gateway clears its own cache.

use crate::cache::{CacheError, DerivedKind, Evictable, FileLock, folder_bytes};
use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

/// The extracted packages and cached repodata under `<cache>/conda`. Waits for running
/// installs to finish, then holds the package cache until the returned values are dropped.
pub fn conda_caches(cache: &Path) -> Result<Vec<Evictable>, CacheError> {
    let mut out = packages(&crate::cache::Layout(cache).conda_packages())?;
    out.extend(repodata(&crate::cache::Layout(cache).conda_repodata())?);
    Ok(out)
}

fn packages(pkgs: &Path) -> Result<Vec<Evictable>, CacheError> {
    let mut out = Vec::new();
    let Ok(list) = fs::read_dir(pkgs) else {
        return Ok(out);
    };
    let lock_path = pkgs.join(".cache.lock");
    let global = fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| CacheError::io("open", &lock_path, e))?;
    global
        .lock()
        .map_err(|e| CacheError::io("lock", &lock_path, e))?;
    let global = Arc::new(global);
    for item in list {
        let item = item.map_err(|e| CacheError::io("list", pkgs, e))?;
        let name = item.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !item.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let dir = item.path();
        let metadata = pkgs.join(format!("{name}.lock"));
        let last_used = modified(&metadata)
            .or_else(|| modified(&dir))
            .unwrap_or(SystemTime::UNIX_EPOCH);
        // The global lock lives as long as the closures: until gc is done with every package.
        let global = global.clone();
        out.push(Evictable {
            kind: DerivedKind::CondaPackage,
            bytes: folder_bytes(&dir),
            name,
            last_used,
            evict: Box::new(move || {
                let _held = &global;
                // The metadata file first: a package without one is re-validated, never trusted.
                remove_file(&metadata)?;
                fs::remove_dir_all(&dir).map_err(|e| CacheError::io("remove", &dir, e))?;
                Ok(true)
            }),
        });
    }
    Ok(out)
}

fn repodata(dir: &Path) -> Result<Vec<Evictable>, CacheError> {
    let mut out = Vec::new();
    let Ok(list) = fs::read_dir(dir) else {
        return Ok(out);
    };
    for item in list {
        let item = item.map_err(|e| CacheError::io("list", dir, e))?;
        let name = item.file_name().to_string_lossy().into_owned();
        let Some(key) = name.strip_suffix(".json") else {
            continue;
        };
        if key.ends_with(".info") {
            continue;
        }
        let files = [item.path(), dir.join(format!("{key}.info.json"))];
        let last_used = files
            .iter()
            .filter_map(|f| modified(f))
            .max()
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let bytes = files
            .iter()
            .filter_map(|f| fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        let lock = dir.join(format!("{key}.lock"));
        out.push(Evictable {
            kind: DerivedKind::Repodata,
            name: key.to_string(),
            last_used,
            bytes,
            evict: Box::new(move || {
                let held =
                    FileLock::try_exclusive(&lock).map_err(|e| CacheError::io("lock", &lock, e))?;
                if held.is_none() {
                    return Ok(false);
                }
                for file in &files {
                    remove_file(file)?;
                }
                Ok(true)
            }),
        });
    }
    Ok(out)
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn remove_file(path: &Path) -> Result<(), CacheError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(CacheError::io("remove", path, e))
        }
        _ => Ok(()),
    }
}
