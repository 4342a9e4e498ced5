//! Installing locked conda packages into an environment.
//!
//! Packages are downloaded (or read, for `file://` channels) once into a package cache under
//! the wt cache, verified against the lock's sha256, extracted, and linked into the prefix.
//! The locked `python` is one of the packages, so the prefix becomes a Python installation;
//! `noarch: python` packages are linked into its `site-packages` and their scripts into its
//! `bin/`, for the locked Python's version.
//!
//! An install holds the package cache's global lock (the one rattler's own installer takes),
//! so concurrent wt processes never extract the same package at once and `wt cache gc` never
//! removes a package being linked. Each use sets the mtime of the package's metadata file
//! (`<entry>.lock`), gc's measure of when it was last used.

use super::net;
use anyhow::{Context, Result, anyhow};
use rattler::install::{InstallOptions, PythonInfo, link_package_sync};
use rattler_cache::package_cache::PackageCache;
use rattler_conda_types::prefix::Prefix;
use rattler_conda_types::prefix_record::PrefixRecord;
use rattler_conda_types::{RepoDataRecord, Subdir, Version};
use rattler_networking::LazyClient;
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

/// Installs `records` (one platform's locked packages) into `prefix`.
pub fn install(
    records: &[RepoDataRecord],
    prefix: &Path,
    platform: Subdir,
    python_version: &str,
    cache: &Path,
    offline: bool,
) -> Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    let short: Vec<&str> = python_version.split('.').take(2).collect();
    let python = Version::from_str(&short.join("."))
        .with_context(|| format!("invalid Python version `{python_version}`"))?;
    let python_info = PythonInfo::from_version(&python, None, platform)
        .map_err(|e| anyhow!("cannot place Python packages for Python {python_version}: {e}"))?;
    let package_cache = PackageCache::new(crate::cache::Layout(cache).conda_packages());
    let client = LazyClient::from(net::client(offline)?);
    let prefix = Prefix::create(prefix)
        .with_context(|| format!("could not prepare {} for conda packages", prefix.display()))?;
    let _global = net::block_on(package_cache.acquire_global_lock())?
        .map_err(|e| anyhow!("could not lock the conda package cache: {e}"))?;
    let clobbers = Arc::new(Mutex::new(Default::default()));
    for record in records {
        let name = record.package_record.name.as_normalized().to_string();
        let source = super::mirror::fetch_url(&record.url);
        let fetched = net::block_on(package_cache.get_or_fetch_from_url(
            &record.package_record,
            source.clone(),
            client.clone(),
            None,
            None,
        ))?
        .map_err(|e| {
            // The cache's own message ("failed to interact with the package cache layer")
            // hides the cause; the chain has it.
            let mut msg = format!(
                "could not fetch conda package `{name}` from {}: {}",
                record.url,
                net::chain(&e)
            );
            if source.to_file_path().is_ok_and(|file| !file.exists()) {
                // A channel on disk is read offline too: this is not about the network.
                msg.push_str(&format!("\n  = help: {}", gone_help(&source)));
            } else if offline {
                msg.push_str(
                    " (wt is offline: only packages already in the cache can be installed)",
                );
            } else if net::is_untrusted_certificate(&msg) {
                msg.push_str(&format!("\n  = help: {}", net::UNTRUSTED_HELP));
            }
            anyhow!(msg)
        })?;
        mark_used(fetched.path());
        let options = InstallOptions {
            python_info: Some(python_info.clone()),
            platform: Some(platform),
            ..Default::default()
        };
        let (paths, _) = link_package_sync(fetched.path(), &prefix, clobbers.clone(), options)
            .map_err(|e| anyhow!("could not install conda package `{name}`: {e}"))?;
        let record = PrefixRecord::from_repodata_record(record.clone(), paths);
        record
            .write_to_path(
                prefix.path().join("conda-meta").join(record.file_name()),
                true,
            )
            .with_context(|| format!("could not record conda package `{name}`"))?;
    }
    Ok(())
}

/// Why a locked package's file can be missing from a channel on disk, and what to do.
fn gone_help(source: &url::Url) -> String {
    format!(
        "the lock pins {}, which its channel no longer holds (a package removed, or a mirror rebuilt in a new format under a new build string); `wt --update-lock build <target>` locks what the channel holds now",
        source
            .path_segments()
            .and_then(|mut s| s.next_back())
            .unwrap_or(source.as_str())
    )
}

/// Records a use of the extracted package at `entry` for gc's LRU order (best effort: a
/// read-only cache only makes it look older).
fn mark_used(entry: &Path) {
    let mut metadata = entry.as_os_str().to_owned();
    metadata.push(".lock");
    if let Ok(file) = std::fs::File::options().write(true).open(metadata) {
        let _ = file.set_modified(std::time::SystemTime::now());
    }
}
