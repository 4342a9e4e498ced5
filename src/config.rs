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
//! max-size = "20G"         # after a build, at most hourly: gc down to this size
//!
//! [run]
//! reuse = true             # `wt run` reuses stored task results (as --reuse)
//! results-store = "s3://team-bucket/wt-results"   # default: <cache>/results
//!
//! [conda]
//! platforms = ["linux-64", "osx-arm64"]   # platforms the lock covers (default: the five below)
//!
//! [conda.channels]
//! internal = "https://conda.example.com/internal"   # specs may write `channel: internal`
//! local = "channels/local"                           # a folder, relative to the workspace root
//!
//! [lints]
//! skip-flow = "deny"       # allow | warn | deny (crate::spec::lints)
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
    #[serde(default)]
    pub conda: CondaConfig,
    #[serde(default)]
    pub run: RunConfig,
    /// Lint levels over each lint's default (a task instance's `lints:` wins over these).
    #[serde(default)]
    pub lints: crate::spec::lints::LintLevels,
}

/// How `wt run` uses the store of task results.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RunConfig {
    /// Reuse stored results by default (`wt run --reuse`).
    #[serde(default)]
    pub reuse: bool,
    /// Where results are stored: a folder (relative to the workspace root) or an object store
    /// URL; default `<cache>/results`.
    pub results_store: Option<String>,
}

/// The platforms a lock covers when wt.toml does not say, in the order generated pixi.toml
/// files list them (the published compiler's order; a workspace's own platforms are listed in
/// this order too).
pub const PLATFORMS: &[&str] = &["linux-64", "linux-aarch64", "osx-arm64", "osx-64", "win-64"];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CondaConfig {
    /// Channel names specs may use besides the built-in shortcuts: name -> URL, or a folder
    /// relative to the workspace root.
    #[serde(default)]
    pub channels: std::collections::BTreeMap<String, String>,
    pub platforms: Option<Vec<String>>,
}

/// Platforms (comma-separated) that stand in for the default five when wt.toml names none: for
/// machines whose conda mirror has Python for fewer platforms (this project's offline CI).
pub const PLATFORMS_ENV: &str = "WT_CONDA_PLATFORMS";

impl CondaConfig {
    /// The configured platforms, else those of `WT_CONDA_PLATFORMS`, else the default five.
    pub fn platforms(&self) -> Vec<String> {
        if let Some(p) = &self.platforms {
            return p.clone();
        }
        match std::env::var(PLATFORMS_ENV) {
            Ok(list) if !list.trim().is_empty() => list
                .split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect(),
            _ => PLATFORMS.iter().map(|p| p.to_string()).collect(),
        }
    }
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
    /// The size `wt build` keeps the cache under (see `crate::cli::gc::auto_gc`).
    pub max_size: Option<String>,
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
