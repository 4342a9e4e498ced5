//! What can go wrong in the cache, in words that say what happened and what to do.
//!
//! Remote-cache problems are not errors: a cache that is down or misbehaving must never fail a
//! build, so those become warnings (see [`super::Cache::warnings`]) and the lookup is a miss.

use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error(
        "cache folder {} is not writable: {source}; set --cache-dir or WT_CACHE_DIR to a writable folder",
        path.display()
    )]
    NotWritable { path: PathBuf, source: io::Error },

    #[error(
        "cache I/O failed: could not {action} {}: {source}; check free space and permissions, or set --cache-dir or WT_CACHE_DIR to another folder",
        path.display()
    )]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },

    #[error("`{value}` is not a valid {what}: expected 64 lowercase hex characters")]
    InvalidDigest { what: &'static str, value: String },

    #[error(
        "blob {digest} is not in the cache: store it with put_blob before recording an action that names it"
    )]
    MissingBlob { digest: String },

    #[error("blob {digest} in the cache is corrupt: {reason}; rebuild to store it again")]
    Corrupt { digest: String, reason: String },

    #[error("remote cache URL `{url}` is not supported: {reason}")]
    InvalidRemote { url: String, reason: String },
}

impl CacheError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        CacheError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
