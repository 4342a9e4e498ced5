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
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// An extracted package in the package cache.
struct Package {
    name: String,
    dir: PathBuf,
    metadata: PathBuf,
    last_used: SystemTime,
    bytes: u64,
    /// The package cache's global lock, held until gc is done with every package.
    _global: Arc<std::fs::File>,
}

impl Evictable for Package {
    fn kind(&self) -> DerivedKind {
        DerivedKind::CondaPackage
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn last_used(&self) -> SystemTime {
        self.last_used
    }
    fn bytes(&self) -> u64 {
        self.bytes
    }
    fn evict(&self) -> Result<bool, CacheError> {
        // The metadata file first: a package without one is re-validated, never trusted.
        remove_file(&self.metadata)?;
        fs::remove_dir_all(&self.dir).map_err(|e| CacheError::io("remove", &self.dir, e))?;
        Ok(true)
    }
}

/// One channel subdir's cached repodata.
struct Repodata {
    name: String,
    files: [PathBuf; 2],
    lock: PathBuf,
    last_used: SystemTime,
    bytes: u64,
}

impl Evictable for Repodata {
    fn kind(&self) -> DerivedKind {
        DerivedKind::Repodata
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn last_used(&self) -> SystemTime {
        self.last_used
    }
    fn bytes(&self) -> u64 {
        self.bytes
    }
    fn evict(&self) -> Result<bool, CacheError> {
        let held = FileLock::try_exclusive(&self.lock)
            .map_err(|e| CacheError::io("lock", &self.lock, e))?;
        if held.is_none() {
            return Ok(false);
        }
        for file in &self.files {
            remove_file(file)?;
        }
        Ok(true)
    }
}

/// The extracted packages and cached repodata under `<cache>/conda`. Waits for running
/// installs to finish, then holds the package cache until the returned values are dropped.
pub fn conda_caches(cache: &Path) -> Result<Vec<Box<dyn Evictable>>, CacheError> {
    let mut out = packages(&cache.join("conda").join("pkgs"))?;
    out.extend(repodata(&cache.join("conda").join("repodata"))?);
    Ok(out)
}

fn packages(pkgs: &Path) -> Result<Vec<Box<dyn Evictable>>, CacheError> {
    let mut out: Vec<Box<dyn Evictable>> = Vec::new();
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
        out.push(Box::new(Package {
            bytes: folder_bytes(&dir),
            name,
            dir,
            metadata,
            last_used,
            _global: global.clone(),
        }));
    }
    Ok(out)
}

fn repodata(dir: &Path) -> Result<Vec<Box<dyn Evictable>>, CacheError> {
    let mut out: Vec<Box<dyn Evictable>> = Vec::new();
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
        out.push(Box::new(Repodata {
            lock: dir.join(format!("{key}.lock")),
            name: key.to_string(),
            files,
            last_used,
            bytes,
        }));
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
