//! Opening a workspace: its root, wt.toml, the cache (local and remote), the rules and how
//! many steps run at once.

use super::Project;
use crate::cache::{Cache, RemoteConfig};
use crate::engine::Engine;
use crate::steps::BuildContext;
use anyhow::Result;
use std::path::{Path, PathBuf};

/// What the command line may say about a build, over wt.toml's settings.
#[derive(Default, Clone)]
pub struct Options {
    /// Cache folder (else `$WT_CACHE_DIR`, else wt.toml's `cache.dir`, else
    /// `<workspace>/cache`).
    pub cache_dir: Option<PathBuf>,
    /// Remote cache URL (else wt.toml's `cache.remote`).
    pub remote_cache: Option<String>,
    pub remote_cache_read_only: bool,
    /// `NAME=VALUE` headers of every remote-cache request.
    pub remote_cache_header: Vec<String>,
    /// Steps run at once (else wt.toml's `build.jobs`, else the CPUs).
    pub jobs: Option<usize>,
    /// No progress output.
    pub quiet: bool,
    /// No network: channels, PyPI and remote caches from local caches only.
    pub offline: bool,
    /// Re-solve every requirement, ignoring existing pins.
    pub update_lock: bool,
}

impl Project {
    /// Opens the workspace containing `start` (a folder or spec file). Outside any workspace
    /// (no `wt.toml` above), the folder of `start` acts as the root.
    pub fn open(options: &Options, start: &Path) -> Result<Project> {
        let in_workspace = crate::workspace::find_root(start);
        let root = in_workspace.clone().unwrap_or_else(|| {
            let abs = crate::workspace::absolute(start);
            if abs.is_file() {
                abs.parent().map(Path::to_path_buf).unwrap_or(abs)
            } else {
                abs
            }
        });
        let config = crate::config::load(&root)?;
        let conda = crate::conda::settings::CondaSettings::from_config(&root, &config)?;
        crate::spec::requirements::set_workspace_channels(conda.channels.clone());
        let cache_dir = match (
            &options.cache_dir,
            std::env::var_os(crate::env_vars::CACHE_DIR).filter(|v| !v.is_empty()),
            &config.cache.dir,
        ) {
            (Some(d), _, _) => crate::workspace::absolute(d),
            (None, Some(d), _) => crate::workspace::absolute(Path::new(&d)),
            (None, None, Some(d)) => root.join(d),
            (None, None, None) if in_workspace.is_some() => root.join("cache"),
            _ => crate::workspace::cache_dir(None, None),
        };
        let remote_url = options
            .remote_cache
            .clone()
            .or_else(|| config.cache.remote.clone());
        // Offline, the remote cache is not consulted at all.
        let remote = remote_url
            .filter(|_| !options.offline)
            .map(|url| RemoteConfig {
                url,
                read_only: options.remote_cache_read_only || config.cache.remote_read_only,
                headers: options.remote_cache_header.clone(),
            });
        let cache = Cache::open(&cache_dir, remote)?;
        let max_cache_size = config
            .cache
            .max_size
            .as_deref()
            .map(crate::cache::parse_size)
            .transpose()
            .map_err(|e| {
                anyhow::anyhow!(
                    "{}: [cache] max-size: {e}",
                    root.join(crate::workspace::WORKSPACE_FILE).display()
                )
            })?;
        let jobs = options
            .jobs
            .or(config.build.jobs)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
        let rules = crate::engine::rules::load()?;
        let mut ctx = BuildContext::new(Engine::new(cache, !options.quiet));
        ctx.offline = options.offline;
        ctx.update_lock = options.update_lock;
        ctx.conda = conda;
        ctx.lints = config.lints.clone();
        Ok(Project {
            root,
            config,
            ctx,
            rules,
            jobs,
            max_cache_size,
            rebuilds: Default::default(),
        })
    }
}
