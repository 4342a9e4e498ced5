//! Locating the external programs wt drives: `uv` and a CPython >= 3.10.

use anyhow::{Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The programs used to build Python environments.
#[derive(Debug, Clone)]
pub struct Tools {
    pub uv: PathBuf,
    /// The host interpreter uv's resolver runs with when the lock does not cover this machine
    /// (otherwise the locked Python is installed and used); the resolution is for the locked
    /// Python, so this is no input of any step.
    pub python: String,
    /// Never touch the network (`--offline`): uv answers from its cache or fails.
    pub offline: bool,
}

impl Tools {
    /// `$WT_UV`, else `uv` on `PATH`, else the `.tools/bin/uv` that `scripts/bootstrap.sh`
    /// installs beside the checkout this binary was built in. Python: `$WT_PYTHON` or `python3`.
    pub fn locate() -> Result<Tools> {
        let uv = if let Some(p) = std::env::var_os("WT_UV").filter(|v| !v.is_empty()) {
            PathBuf::from(p)
        } else if let Some(p) = find_on_path("uv") {
            p
        } else if let Some(p) = beside_checkout("uv") {
            p
        } else {
            bail!(
                "`uv` was not found.\n  = help: run `scripts/bootstrap.sh` in the wt checkout (it installs uv from PyPI), `pip install uv`, or set WT_UV to its path"
            );
        };
        let python = std::env::var("WT_PYTHON")
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "python3".into());
        Ok(Tools {
            uv,
            python,
            offline: false,
        })
    }

    /// Where downloads are cached: uv's cache, under the wt cache unless the user chose one
    /// with `UV_CACHE_DIR`. What wt derives from downloaded files (their METADATA) is kept
    /// there too, so it lives and is shared exactly as long as the downloads.
    pub fn download_cache(cache: &Path) -> PathBuf {
        match std::env::var_os(crate::env_vars::UV_CACHE_DIR).filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => crate::cache::Layout(cache).uv(),
        }
    }

    /// A `uv` command with its download/build cache at [`Tools::download_cache`].
    pub fn uv(&self, cache: &Path) -> Command {
        let mut cmd = Command::new(&self.uv);
        cmd.env(crate::env_vars::UV_CACHE_DIR, Self::download_cache(cache));
        cmd.env("UV_NO_PROGRESS", "1")
            .env_remove("VIRTUAL_ENV")
            .env_remove("UV_PROJECT_ENVIRONMENT");
        if self.offline {
            cmd.env("UV_OFFLINE", "1");
        }
        cmd
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn beside_checkout(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    exe.ancestors()
        .map(|d| d.join(".tools").join("bin").join(name))
        .find(|p| p.is_file())
}
