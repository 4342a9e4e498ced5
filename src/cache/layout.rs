//! The cache folder's layout, each folder named once (as uv's `CacheBucket` names its own):
//!
//! ```text
//! <cache>/
//!   v1/              wt's content-addressed store (`super::local`): cas/ blobs, ac/ action
//!                    entries, verified/ blob signatures of checked entries, tmp/
//!   conda/pkgs/      conda packages, downloaded and extracted (rattler's package cache)
//!   conda/repodata/  channel indexes (rattler's repodata cache)
//!   envs/            Python environments built from locks, by key (`crate::env::python_env`)
//!   uv/              uv's download cache, unless UV_CACHE_DIR says otherwise, and what wt
//!                    derives from downloads: pypi-metadata/ (`crate::env::core_metadata`),
//!                    python-bytecode/ (`crate::env::bytecode`)
//!   memo/            what validating a spec yields (fingerprints, lint findings), by digest of
//!                    what it was computed from
//!   explain/         per target, the inputs each step was last built with (`--explain`)
//!   stamps/          per written workspace, the metadata of its files (`crate::stamp`)
//!   results/         the default store of task results (`wt run --reuse`)
//! ```

use std::path::{Path, PathBuf};

/// The folders of a cache rooted at a path.
#[derive(Debug, Clone, Copy)]
pub struct Layout<'a>(pub &'a Path);

impl Layout<'_> {
    /// Everything conda: packages and repodata.
    pub fn conda(self) -> PathBuf {
        self.0.join("conda")
    }

    pub fn conda_packages(self) -> PathBuf {
        self.conda().join("pkgs")
    }

    pub fn conda_repodata(self) -> PathBuf {
        self.conda().join("repodata")
    }

    pub fn envs(self) -> PathBuf {
        self.0.join("envs")
    }

    pub fn uv(self) -> PathBuf {
        self.0.join("uv")
    }

    pub fn memo(self) -> PathBuf {
        self.0.join("memo")
    }

    pub fn explain(self) -> PathBuf {
        self.0.join("explain")
    }

    pub fn stamps(self) -> PathBuf {
        self.0.join("stamps")
    }

    pub fn results(self) -> PathBuf {
        self.0.join("results")
    }
}
