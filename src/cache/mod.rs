//! The hermetic cache: a content-addressed store of blobs (CAS) and an action cache (AC) that
//! maps a build step's key to a [`Manifest`] of its output blobs, on disk and optionally shared
//! through an HTTP remote cache.
//!
//! # What is stored
//!
//! - A **blob** is bytes, named by their sha256 (the digest Bazel's remote-cache protocol uses,
//!   so any Bazel HTTP cache server can hold ours). Blobs are content: they never hold absolute
//!   paths, timestamps or hostnames, which is the steps' job to guarantee.
//! - An **action entry** maps a step key (a 64-hex blake3 digest of exactly the inputs the step
//!   reads, computed by the engine) to a manifest `{"outputs": {name: {digest, size}}}`, stored
//!   as canonical JSON.
//!
//! # Guarantees
//!
//! - **Atomic writes.** Every file is written to a temp file in the same filesystem and renamed
//!   into place; a reader sees a whole file or none.
//! - **No half entries.** A step's blobs are stored first and its action entry last, so a build
//!   killed at any point leaves blobs nobody references (collected by [`Cache::gc`]) but never an
//!   entry whose outputs are partial.
//! - **Verified reads.** Every blob is re-hashed when read; a lookup only hits when all of an
//!   entry's blobs are present and match their digests. A corrupt blob or a garbled entry is
//!   removed and reported ([`Lookup::Corrupt`]), so the caller rebuilds and the next store heals
//!   the cache. An entry whose blob has vanished (a concurrent gc, a manual delete) is a plain
//!   miss.
//! - **Concurrent processes.** Several `wt` processes (and threads) may share one cache: writers
//!   of the same key or blob write the same bytes, and the last rename wins.
//! - **LRU.** A hit sets the entry file's mtime to now (unless it was set within the last five
//!   minutes); [`Cache::gc`] evicts the oldest entries
//!   until the cache fits a size, then deletes the blobs no remaining entry references.
//!
//! # Remote
//!
//! With a [`RemoteConfig`], a local miss asks `GET <url>/ac/<key>`, fetches and verifies every
//! blob it names from `<url>/cas/<sha256>`, and stores them locally (a [`HitSource::Remote`]
//! hit; the next lookup hits locally). An entry whose blob is missing or wrong on the remote is
//! not trusted: a miss. [`Cache::put_action`] uploads the blobs (skipping those `HEAD` finds)
//! before the entry, unless the remote is read-only. A remote that is down or answers errors
//! never fails a build: it becomes a miss and a warning (printed to stderr and kept in
//! [`Cache::warnings`]), and after the first transport failure it is not asked again by this
//! `Cache`, so a dead server costs at most one connect timeout.

mod action_cache;
mod error;
mod evictable;
mod file_lock;
mod gc;
mod layout;
mod local;
mod manifest;
pub mod memo;
mod remote;
mod remote_auth;
mod size;
mod stats;
pub mod task_results;
mod verify;

pub use error::CacheError;
pub use evictable::{DerivedKind, Evictable};
pub use file_lock::FileLock;
pub use gc::{GC_GRACE, GcReport, TMP_GRACE};
pub use layout::Layout;
pub use manifest::{BlobRef, Manifest, sha256_hex};
pub use size::{human_size, parse_size};
pub use stats::{Stats, folder_bytes};
pub use verify::{BadEntry, VerifyReport};

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A cache root on disk, optionally backed by a remote cache.
pub struct Cache {
    root: PathBuf,
    store: local::Store,
    remote: Option<remote::Remote>,
    warnings: Mutex<Vec<String>>,
}

/// Where and how to use a remote cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteConfig {
    /// Base URL: `http://host:port[/prefix]`; objects live at `<url>/ac/<key>` and
    /// `<url>/cas/<sha256>`.
    pub url: String,
    /// Only read from the remote, never upload (e.g. developer laptops, while CI writes).
    pub read_only: bool,
    /// `NAME=VALUE` headers sent with every request (an API key); values are never printed.
    pub headers: Vec<String>,
}

/// Where a hit came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitSource {
    Local,
    Remote,
}

/// The answer of [`Cache::get_action`].
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// Every output blob is in the local store and verified.
    Hit {
        manifest: Manifest,
        source: HitSource,
    },
    Miss,
    /// The local entry or one of its blobs was corrupt; it has been removed. Rebuild the step
    /// and tell the user `reason`.
    Corrupt {
        reason: String,
    },
}

impl Cache {
    /// Opens (creating if needed) the cache under `root`. Fails if `root` is not writable, or
    /// the remote URL is not one wt can use; never contacts the remote.
    pub fn open(root: &Path, remote: Option<RemoteConfig>) -> Result<Cache, CacheError> {
        let store = local::Store::open(root)?;
        let remote = remote.as_ref().map(remote::Remote::new).transpose()?;
        Ok(Cache {
            root: root.to_path_buf(),
            store,
            remote,
            warnings: Mutex::new(Vec::new()),
        })
    }

    /// The cache root given to [`Cache::open`].
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The warnings so far (remote problems), oldest first. Each was also printed to stderr.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn warn(&self, message: String) {
        eprintln!("warning: {message}");
        self.warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(message);
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("root", &self.root)
            .field("remote", &self.remote.as_ref().map(|r| r.base()))
            .finish()
    }
}
