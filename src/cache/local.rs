//! The cache on disk: the content-addressed store of blobs and the action cache, under one
//! versioned folder of the cache root.
//!
//! ```text
//! <root>/v1/cas/<first 2 hex>/<sha256>   blob bytes
//! <root>/v1/ac/<first 2 hex>/<key>       canonical JSON Manifest
//! <root>/v1/tmp/                         temp files, renamed into cas/ or ac/ when whole
//! ```
//!
//! Every write goes to a temp file in `tmp/` (same filesystem) and is renamed into place, so a
//! reader sees a whole file or none, and a process killed at any point leaves at most a stray
//! temp file (which `gc` and `clean` remove). Nothing else in the cache root (uv's cache, built
//! environments) belongs to this module and nothing here touches it.

use super::manifest::{BlobRef, Manifest, check_hex64, is_hex64, sha256_hex};
use super::{Cache, CacheError};
use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// The layout version: a new layout gets a new folder, so old and new wt never misread each
/// other's files.
pub(crate) const LAYOUT: &str = "v1";

/// Paths of the layout.
#[derive(Debug)]
pub(crate) struct Store {
    dir: PathBuf,
    cas: PathBuf,
    ac: PathBuf,
    tmp: PathBuf,
    /// `size inode ctime` of blob files by digest, as last seen during the current build
    /// (`None` outside one): entries of many targets name the same blobs, and a no-op build
    /// checks each entry's blobs, so each blob is `stat`ed once per build instead of once per
    /// entry naming it. Forgotten whenever this process writes, touches or removes a file of
    /// the store, and when the build ends (a long-lived process must see another's gc).
    stats: Mutex<Option<HashMap<String, String>>>,
}

/// One file of `cas/` or `ac/`.
#[derive(Debug, Clone)]
pub(crate) struct StoredFile {
    /// The digest (cas) or key (ac).
    pub name: String,
    pub path: PathBuf,
    pub size: u64,
    pub modified: SystemTime,
}

/// What reading an action-cache entry found.
pub(crate) enum Entry {
    Missing,
    /// The file exists but is not a valid manifest (truncated, garbled, foreign).
    Garbled(String),
    /// The manifest, and how long ago the entry was last used (its mtime).
    Found(Manifest, std::time::Duration),
}

impl Store {
    /// Creates the layout under `root` and checks that it is writable.
    pub fn open(root: &Path) -> Result<Store, CacheError> {
        let dir = root.join(LAYOUT);
        let store = Store {
            cas: dir.join("cas"),
            ac: dir.join("ac"),
            tmp: dir.join("tmp"),
            dir,
            stats: Mutex::new(None),
        };
        let not_writable = |source| CacheError::NotWritable {
            path: root.to_path_buf(),
            source,
        };
        store.create_dirs().map_err(not_writable)?;
        tempfile::tempfile_in(&store.tmp).map_err(not_writable)?;
        Ok(store)
    }

    fn create_dirs(&self) -> io::Result<()> {
        for d in [&self.cas, &self.ac, &self.tmp] {
            fs::create_dir_all(d)?;
        }
        Ok(())
    }

    /// Appends `size inode ctime` of a blob file to `out` (memoized during a build, see
    /// [`Store::stats`]); `None` when it is missing.
    pub fn push_blob_stat(&self, digest: &str, out: &mut String) -> Option<()> {
        use std::os::unix::fs::MetadataExt;
        if let Some(s) = self
            .stats
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .and_then(|m| m.get(digest))
        {
            out.push_str(s);
            return Some(());
        }
        let meta = fs::metadata(self.blob_path(digest)).ok()?;
        let s = format!(
            "{} {} {}.{}",
            meta.len(),
            meta.ino(),
            meta.ctime(),
            meta.ctime_nsec()
        );
        out.push_str(&s);
        if let Some(memo) = self
            .stats
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
        {
            memo.insert(digest.to_string(), s);
        }
        Some(())
    }

    /// Starts (`true`) or ends (`false`) remembering blob stats, forgetting what was seen.
    pub fn remember_stats(&self, on: bool) {
        *self.stats.lock().unwrap_or_else(|e| e.into_inner()) = on.then(HashMap::new);
    }

    /// Drops the memo of blob stats (a file of the store changed); keeps remembering if on.
    pub fn forget_stats(&self) {
        if let Some(m) = self
            .stats
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
        {
            m.clear();
        }
    }

    pub fn blob_path(&self, digest: &str) -> PathBuf {
        self.cas.join(&digest[..2]).join(digest)
    }

    pub fn entry_path(&self, key: &str) -> PathBuf {
        self.ac.join(&key[..2]).join(key)
    }

    pub fn tmp_dir(&self) -> &Path {
        &self.tmp
    }

    /// Writes `data` to `target` atomically (temp file in `tmp/`, then rename over `target`).
    /// Retries once after recreating the folders, in case a concurrent `clean` removed them.
    pub fn write_atomic(&self, target: &Path, data: &[u8]) -> Result<(), CacheError> {
        self.forget_stats();
        match self.try_write(target, data) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => self
                .create_dirs()
                .and_then(|()| self.try_write(target, data))
                .map_err(|e| CacheError::io("write", target, e)),
            r => r.map_err(|e| CacheError::io("write", target, e)),
        }
    }

    fn try_write(&self, target: &Path, data: &[u8]) -> io::Result<()> {
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut builder = tempfile::Builder::new();
        builder.prefix(".wt-");
        // Temp files are private (0600) by default; a cache is as readable as any build output.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
        let mut tmp = builder.tempfile_in(&self.tmp)?;
        tmp.write_all(data)?;
        tmp.persist(target).map_err(|e| e.error)?;
        Ok(())
    }

    /// Removes a file; one that is already gone is fine (another process got there first).
    pub fn remove(&self, path: &Path) -> Result<(), CacheError> {
        self.forget_stats();
        match fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(CacheError::io("remove", path, e)),
            _ => Ok(()),
        }
    }

    /// Every blob, sorted by digest.
    pub fn blobs(&self) -> Result<Vec<StoredFile>, CacheError> {
        list(&self.cas)
    }

    /// Every action-cache entry, sorted by key.
    pub fn entries(&self) -> Result<Vec<StoredFile>, CacheError> {
        list(&self.ac)
    }

    /// Removes the whole layout folder (and nothing else), then recreates it empty.
    pub fn clean(&self) -> Result<(), CacheError> {
        match fs::remove_dir_all(&self.dir) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(CacheError::io("remove", &self.dir, e));
            }
            _ => {}
        }
        self.create_dirs()
            .map_err(|e| CacheError::io("create", &self.dir, e))
    }
}

/// The files of a two-level `<2 hex>/<64 hex>` tree, sorted by name. Anything else (a stray file
/// someone put there) is not ours and is left alone.
fn list(dir: &Path) -> Result<Vec<StoredFile>, CacheError> {
    let mut out = Vec::new();
    let shards = match fs::read_dir(dir) {
        Ok(s) => s,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(CacheError::io("list", dir, e)),
    };
    for shard in shards {
        let shard = shard.map_err(|e| CacheError::io("list", dir, e))?;
        let prefix = shard.file_name().to_string_lossy().into_owned();
        let files = match fs::read_dir(shard.path()) {
            Ok(f) => f,
            // Not a folder, or removed by a concurrent clean.
            Err(_) => continue,
        };
        for file in files {
            let file = file.map_err(|e| CacheError::io("list", shard.path(), e))?;
            let name = file.file_name().to_string_lossy().into_owned();
            if !is_hex64(&name) || !name.starts_with(&prefix) {
                continue;
            }
            let meta = match file.metadata() {
                Ok(m) if m.is_file() => m,
                _ => continue,
            };
            out.push(StoredFile {
                name,
                path: file.path(),
                size: meta.len(),
                modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

impl Cache {
    /// Stores bytes in the CAS (atomic: temp file in the same filesystem + rename; if a blob of
    /// that digest and size is already there, only its mtime is refreshed). Returns its
    /// [`BlobRef`].
    pub fn put_blob(&self, data: &[u8]) -> Result<BlobRef, CacheError> {
        let blob = BlobRef::of(data);
        let path = self.store.blob_path(&blob.digest);
        match fs::metadata(&path) {
            // Already there: make sure it is fresh enough that a concurrent gc's grace period
            // covers it until the caller's put_action references it. Only an old blob is
            // touched: touching changes its ctime, which invalidates the verification memo of
            // every entry naming it (see `check_blobs_memoized`).
            Ok(m) if m.is_file() && m.len() == blob.size => {
                let age = m
                    .modified()
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .unwrap_or_default();
                if age > super::GC_GRACE / 2 {
                    touch(&path);
                    self.store.forget_stats();
                }
            }
            _ => self.store.write_atomic(&path, data)?,
        }
        Ok(blob)
    }

    /// Reads and verifies a blob (sha256 of the content == digest, length == size). A blob whose
    /// content does not match its digest is deleted and reported as [`CacheError::Corrupt`];
    /// an absent one is [`CacheError::MissingBlob`].
    pub fn read_blob(&self, blob: &BlobRef) -> Result<Vec<u8>, CacheError> {
        check_hex64("blob digest", &blob.digest)?;
        let path = self.store.blob_path(&blob.digest);
        let data = match fs::read(&path) {
            Ok(d) => d,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(CacheError::MissingBlob {
                    digest: blob.digest.clone(),
                });
            }
            Err(e) => return Err(CacheError::io("read", &path, e)),
        };
        self.judge_blob(blob, &path, &sha256_hex(&data), data.len() as u64)?;
        Ok(data)
    }

    /// Verifies a blob without keeping its bytes (streaming hash): like [`Cache::read_blob`],
    /// a blob whose content does not match its digest is deleted and reported as corrupt.
    pub(crate) fn check_blob(&self, blob: &BlobRef) -> Result<(), CacheError> {
        let path = self.store.blob_path(&blob.digest);
        let (actual, size) = match hash_file(&path) {
            Ok(h) => h,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(CacheError::MissingBlob {
                    digest: blob.digest.clone(),
                });
            }
            Err(e) => return Err(CacheError::io("read", &path, e)),
        };
        self.judge_blob(blob, &path, &actual, size)
    }

    /// Compares what a blob file holds with its reference. Content that does not match the
    /// digest is removed (it can never become right); a wrong size with the right content means
    /// the reference is wrong, and the blob is kept.
    fn judge_blob(
        &self,
        blob: &BlobRef,
        path: &Path,
        actual: &str,
        size: u64,
    ) -> Result<(), CacheError> {
        if actual != blob.digest {
            self.store.remove(path)?;
            return Err(CacheError::Corrupt {
                digest: blob.digest.clone(),
                reason: format!("its content hashes to {actual} (removed it)"),
            });
        }
        if size != blob.size {
            return Err(CacheError::Corrupt {
                digest: blob.digest.clone(),
                reason: format!("it has {size} bytes but the reference says {}", blob.size),
            });
        }
        Ok(())
    }

    /// Remembers blob stats for the duration of a build ([`Store::stats`]): `true` when it
    /// starts, `false` when it ends.
    pub fn remember_blob_stats(&self, on: bool) {
        self.store.remember_stats(on);
    }

    /// Reads the action-cache entry of a (valid) key without checking its blobs.
    pub(crate) fn read_entry(&self, key: &str) -> Result<Entry, CacheError> {
        use std::io::Read;
        let path = self.store.entry_path(key);
        let read = fs::File::open(&path).and_then(|mut f| {
            let age = f.metadata()?.modified()?.elapsed().unwrap_or_default();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes)?;
            Ok((bytes, age))
        });
        match read {
            Ok((bytes, age)) => Ok(match Manifest::from_json(&bytes) {
                Ok(m) => Entry::Found(m, age),
                Err(e) => Entry::Garbled(format!(
                    "action cache entry {key} is not a valid manifest ({e})"
                )),
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Entry::Missing),
            Err(e) => Err(CacheError::io("read", &path, e)),
        }
    }

    /// Writes the action-cache entry of a (valid) key atomically.
    pub(crate) fn write_entry(&self, key: &str, manifest: &Manifest) -> Result<(), CacheError> {
        self.store
            .write_atomic(&self.store.entry_path(key), &manifest.to_canonical_json())
    }

    pub(crate) fn remove_entry(&self, key: &str) -> Result<(), CacheError> {
        self.store.remove(&self.store.entry_path(key))
    }

    /// Records a use of an entry for LRU eviction: its mtime becomes now, unless it was used
    /// within half of [`super::GC_GRACE`] already (as [`Cache::put_blob`] does for blobs: a
    /// no-op build then writes nothing, and eviction order is kept to a few minutes). Best
    /// effort: a concurrent gc may have removed it, and a failed touch only makes eviction less
    /// precise.
    pub(crate) fn touch_entry(&self, key: &str, age: std::time::Duration) {
        if age > super::GC_GRACE / 2 {
            touch(&self.store.entry_path(key));
        }
    }

    /// Whether a blob of that digest and size is stored (without reading it).
    pub(crate) fn has_blob(&self, blob: &BlobRef) -> bool {
        fs::metadata(self.store.blob_path(&blob.digest))
            .is_ok_and(|m| m.is_file() && m.len() == blob.size)
    }

    /// Removes everything wt stores in the cache root (the `v1/` folder: cas/, ac/, tmp/) but
    /// nothing else (uv's cache and built environments share the root).
    pub fn clean(&self) -> Result<(), CacheError> {
        self.store.clean()
    }
}

/// Sets a file's mtime to now, best effort (it may have been removed meanwhile).
fn touch(path: &Path) {
    if let Ok(f) = fs::File::options().write(true).open(path) {
        let _ = f.set_modified(SystemTime::now());
    }
}

/// The sha256 (hex) and length of a file, read in chunks.
pub(crate) fn hash_file(path: &Path) -> io::Result<(String, u64)> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// Checks that a step key is 64 lowercase hex characters (a blake3 digest).
pub(crate) fn check_key(key: &str) -> Result<(), CacheError> {
    check_hex64("cache key", key)
}
