//! `wt.toml`: the workspace's settings. Every key is optional.
//!
//! ```toml
//! [build]
//! out-dir = "build"        # write workspaces under <root>/build/<label path>/ instead of next to each spec
//! jobs = 4                 # parallel steps (default: number of CPUs)
//!
//! [cache]
//! dir = "cache"            # relative to the workspace root
//! remote = "http://127.0.0.1:8080/wt"   # Bazel HTTP remote cache
//! remote-read-only = false
//! ```

use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub workspace: Option<toml::Table>,
    #[serde(default)]
    pub build: BuildConfig,
    #[serde(default)]
    pub cache: CacheConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BuildConfig {
    pub out_dir: Option<String>,
    pub jobs: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CacheConfig {
    pub dir: Option<String>,
    pub remote: Option<String>,
    #[serde(default)]
    pub remote_read_only: bool,
}

/// Reads `<root>/wt.toml` (an absent file is the default configuration).
pub fn load(root: &Path) -> Result<Config> {
    let path = root.join(crate::workspace::WORKSPACE_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text)
            .with_context(|| format!("{} is not a valid wt.toml", path.display())),
        Err(_) => Ok(Config::default()),
    }
}
