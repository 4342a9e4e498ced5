//! `pixi.lock`: the solved conda packages and pinned PyPI files of every platform, in the
//! format pixi reads (rattler_lock), for the environment `default`.

use super::solve::Solution;
use crate::env::pypi_lock::PypiPin;
use crate::env::runtime::PYPI_INDEX;
use anyhow::{Context, Result, anyhow};
use rattler_conda_types::{RepoDataRecord, Subdir};
use rattler_lock::{
    CondaPackageData, DEFAULT_ENVIRONMENT_NAME, LockFile, PackageHashes, PlatformData,
    PlatformName, PypiDistributionData, PypiIndexes, UrlOrPath, Verbatim,
};
use std::collections::BTreeMap;
use std::str::FromStr;

/// Everything a lock pins.
#[derive(Debug, Default, Clone)]
pub struct Locked {
    /// Channel base URLs, in the order the spec names them.
    pub channels: Vec<String>,
    pub conda: Solution,
    pub pypi: BTreeMap<Subdir, Vec<PypiPin>>,
}

impl Locked {
    /// The platforms the lock covers.
    pub fn platforms(&self) -> Vec<Subdir> {
        let mut all: Vec<Subdir> = self.conda.keys().chain(self.pypi.keys()).copied().collect();
        all.sort_by_key(|p| p.as_str());
        all.dedup();
        all
    }
}

/// Renders the lock text. The same pins always give the same bytes.
pub fn render(locked: &Locked) -> Result<String> {
    let platforms = locked
        .platforms()
        .into_iter()
        .map(|p| PlatformData {
            name: PlatformName::from(&p),
            subdir: p,
            virtual_packages: Vec::new(),
        })
        .collect();
    let mut builder = LockFile::builder()
        .with_platforms(platforms)
        .map_err(|e| anyhow!("invalid lock platforms: {e}"))?;
    let env = DEFAULT_ENVIRONMENT_NAME;
    builder.set_channels(env, locked.channels.iter().map(String::as_str));
    builder.set_pypi_indexes(
        env,
        PypiIndexes {
            indexes: vec![url::Url::parse(PYPI_INDEX).expect("the index URL is valid")],
            find_links: Vec::new(),
        },
    );
    for p in locked.platforms() {
        builder
            .add_environment_platform(env, p.as_str())
            .map_err(|e| anyhow!("{e}"))?;
    }
    for (p, records) in &locked.conda {
        for r in records {
            let mut r = r.clone();
            // Indexers stamp the time a package was indexed; it says nothing about the package.
            r.package_record.indexed_timestamp = None;
            builder
                .add_conda_package(env, p.as_str(), CondaPackageData::from(r))
                .map_err(|e| anyhow!("{e}"))?;
        }
    }
    for (p, pins) in &locked.pypi {
        for pin in pins {
            builder
                .add_pypi_package(env, p.as_str(), pypi_data(pin)?.into())
                .map_err(|e| anyhow!("{e}"))?;
        }
    }
    Ok(builder.finish().render_to_string()?)
}

fn pypi_data(pin: &PypiPin) -> Result<PypiDistributionData> {
    let url = url::Url::parse(&pin.url)
        .with_context(|| format!("`{}` has an invalid URL `{}`", pin.name, pin.url))?;
    Ok(PypiDistributionData {
        name: pep508_rs::PackageName::from_str(&pin.name)
            .with_context(|| format!("invalid PyPI package name `{}`", pin.name))?,
        version: pep440_rs::Version::from_str(&pin.version)
            .with_context(|| format!("`{}` has an invalid version `{}`", pin.name, pin.version))?,
        location: Verbatim::new(UrlOrPath::Url(url)),
        index_url: None,
        hash: pin
            .sha256
            .as_deref()
            .and_then(rattler_digest::parse_digest_from_hex::<rattler_digest::Sha256>)
            .map(PackageHashes::Sha256),
        requires_dist: Vec::new(),
        requires_python: None,
    })
}

/// Reads a lock written by [`render`] (or by pixi, for the parts wt uses).
pub fn parse(text: &str) -> Result<Locked> {
    let lock = LockFile::from_str_with_base_directory(text, None)
        .map_err(|e| anyhow!("pixi.lock cannot be read: {e}"))?;
    let Some(env) = lock.environment(DEFAULT_ENVIRONMENT_NAME) else {
        return Ok(Locked::default());
    };
    let mut locked = Locked {
        channels: env.channels().iter().map(|c| c.url.clone()).collect(),
        ..Locked::default()
    };
    for platform in env.platforms() {
        let subdir = platform.subdir();
        let records: Vec<RepoDataRecord> = env
            .conda_repodata_records(platform)
            .map_err(|e| anyhow!("pixi.lock has a conda package wt cannot read: {e}"))?
            .unwrap_or_default();
        locked.conda.insert(subdir, records);
        let mut pins = Vec::new();
        for p in env.pypi_packages(platform).into_iter().flatten() {
            let Some(w) = p.as_wheel() else {
                continue;
            };
            pins.push(PypiPin {
                name: w.name.to_string(),
                version: w.version.to_string(),
                url: w.location.inner().to_string(),
                sha256: w.hash.as_ref().and_then(|h| h.sha256()).map(hex::encode),
            });
        }
        pins.sort();
        locked.pypi.insert(subdir, pins);
    }
    Ok(locked)
}
