//! `pixi.lock`: the solved conda packages and pinned PyPI files of every platform, in the
//! format pixi reads (rattler_lock): one environment per environment of the generated
//! pixi.toml, each with its channels, PyPI index, platforms and packages.

use super::solve::Solution;
use crate::env::core_metadata::CoreMetadata;
use crate::env::pypi_lock::PypiPin;
use crate::env::runtime::PYPI_INDEX;
use anyhow::{Context, Result, anyhow};
use rattler_conda_types::{RepoDataRecord, Subdir};
use rattler_lock::{
    CondaPackageData, DEFAULT_ENVIRONMENT_NAME, LockFile, PackageHashes, PlatformData,
    PlatformName, PypiDistributionData, PypiIndexes, PypiPackageData, PypiSourceData, UrlOrPath,
    Verbatim,
};
use std::collections::BTreeMap;
use std::str::FromStr;

/// Everything a lock pins.
#[derive(Debug, Default, Clone)]
pub struct Locked {
    /// Channel base URLs, in the order the spec names them.
    pub channels: Vec<String>,
    /// The conda packages, the same in every environment (features add PyPI packages only).
    pub conda: Solution,
    /// The PyPI files of each environment (`default`, then wt's features) per platform.
    pub pypi: BTreeMap<String, BTreeMap<Subdir, Vec<PypiPin>>>,
    /// What each PyPI file's METADATA says, by [`PypiPin::metadata_key`] (the file's sha256; a
    /// git source's URL).
    pub metadata: BTreeMap<String, CoreMetadata>,
    /// `path:` libraries, part of every environment on every platform.
    pub sources: Vec<LocalSource>,
}

/// A `path:` library as pixi locks it: by its location relative to the workspace, with the
/// dependencies its pyproject.toml declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalSource {
    pub name: String,
    /// Relative to the workspace, `/`-separated, as pixi.toml writes it.
    pub path: String,
    pub metadata: CoreMetadata,
}

impl Locked {
    /// The platforms the lock covers.
    pub fn platforms(&self) -> Vec<Subdir> {
        let pypi = self
            .pypi
            .values()
            .flat_map(|by_platform| by_platform.keys());
        let mut all: Vec<Subdir> = self.conda.keys().chain(pypi).copied().collect();
        all.sort_by_key(|p| p.as_str());
        all.dedup();
        all
    }

    /// The PyPI files of the `default` environment on `platform`.
    pub fn default_pypi(&self, platform: Subdir) -> &[PypiPin] {
        self.pypi
            .get(DEFAULT_ENVIRONMENT_NAME)
            .and_then(|by_platform| by_platform.get(&platform))
            .map_or(&[], Vec::as_slice)
    }

    /// The environments of the lock: `default` first, then the others by name.
    fn environments(&self) -> Vec<&str> {
        let others = self
            .pypi
            .keys()
            .map(String::as_str)
            .filter(|e| *e != DEFAULT_ENVIRONMENT_NAME);
        std::iter::once(DEFAULT_ENVIRONMENT_NAME)
            .chain(others)
            .collect()
    }
}

/// Renders the lock text. The same pins always give the same bytes.
pub fn render(locked: &Locked) -> Result<String> {
    let subdirs = locked.platforms();
    let platforms = subdirs
        .iter()
        .copied()
        .map(|p| PlatformData {
            name: PlatformName::from(&p),
            subdir: p,
            virtual_packages: Vec::new(),
        })
        .collect();
    let mut builder = LockFile::builder()
        .with_platforms(platforms)
        .map_err(|e| anyhow!("invalid lock platforms: {e}"))?;
    let sources: Vec<PypiPackageData> = locked
        .sources
        .iter()
        .map(source_data)
        .collect::<Result<_>>()?;
    for env in locked.environments() {
        builder.set_channels(env, locked.channels.iter().map(String::as_str));
        builder.set_pypi_indexes(
            env,
            PypiIndexes {
                indexes: vec![url::Url::parse(PYPI_INDEX).expect("the index URL is valid")],
                find_links: Vec::new(),
            },
        );
        for p in &subdirs {
            builder
                .add_environment_platform(env, p.as_str())
                .map_err(|e| anyhow!("{e}"))?;
        }
        for (p, records) in &locked.conda {
            for r in records {
                let mut r = r.clone();
                // Indexers stamp the time a package was indexed; it says nothing about the
                // package.
                r.package_record.indexed_timestamp = None;
                builder
                    .add_conda_package(env, p.as_str(), CondaPackageData::from(r))
                    .map_err(|e| anyhow!("{e}"))?;
            }
        }
        let no_pins = BTreeMap::new();
        let by_platform = locked.pypi.get(env).unwrap_or(&no_pins);
        for p in &subdirs {
            for pin in by_platform.get(p).into_iter().flatten() {
                let metadata = locked.metadata.get(pin.metadata_key());
                builder
                    .add_pypi_package(env, p.as_str(), pypi_data(pin, metadata)?.into())
                    .map_err(|e| anyhow!("{e}"))?;
            }
            for source in &sources {
                builder
                    .add_pypi_package(env, p.as_str(), source.clone())
                    .map_err(|e| anyhow!("{e}"))?;
            }
        }
    }
    Ok(builder.finish().render_to_string()?)
}

/// A `path:` library's lock record.
fn source_data(source: &LocalSource) -> Result<PypiPackageData> {
    let location = UrlOrPath::from_str(&source.path).map_err(|e| {
        anyhow!(
            "`{}` has an invalid path `{}`: {e}",
            source.name,
            source.path
        )
    })?;
    Ok(PypiSourceData {
        name: package_name(&source.name)?,
        location: Verbatim::new(location),
        requires_dist: requirements(&source.name, &source.metadata)?,
        requires_python: requires_python(&source.name, &source.metadata)?,
        source_data: Default::default(),
    }
    .into())
}

fn package_name(name: &str) -> Result<pep508_rs::PackageName> {
    pep508_rs::PackageName::from_str(name)
        .with_context(|| format!("invalid PyPI package name `{name}`"))
}

/// A package's `Requires-Dist`, parsed (the lock stores them as PEP 508 requirements).
fn requirements(name: &str, metadata: &CoreMetadata) -> Result<Vec<pep508_rs::Requirement>> {
    metadata
        .requires_dist
        .iter()
        .map(|r| {
            pep508_rs::Requirement::from_str(r)
                .with_context(|| format!("`{name}` declares a requirement wt cannot read: `{r}`"))
        })
        .collect()
}

fn requires_python(
    name: &str,
    metadata: &CoreMetadata,
) -> Result<Option<pep440_rs::VersionSpecifiers>> {
    metadata
        .requires_python
        .as_deref()
        .map(|v| {
            pep440_rs::VersionSpecifiers::from_str(v)
                .with_context(|| format!("`{name}` has an invalid Requires-Python `{v}`"))
        })
        .transpose()
}

fn pypi_data(pin: &PypiPin, metadata: Option<&CoreMetadata>) -> Result<PypiDistributionData> {
    let metadata = metadata.cloned().unwrap_or_default();
    let url = url::Url::parse(&pin.url)
        .with_context(|| format!("`{}` has an invalid URL `{}`", pin.name, pin.url))?;
    Ok(PypiDistributionData {
        name: package_name(&pin.name)?,
        version: pep440_rs::Version::from_str(&pin.version)
            .with_context(|| format!("`{}` has an invalid version `{}`", pin.name, pin.version))?,
        location: Verbatim::new(UrlOrPath::Url(url)),
        index_url: None,
        hash: pin
            .sha256
            .as_deref()
            .and_then(rattler_digest::parse_digest_from_hex::<rattler_digest::Sha256>)
            .map(PackageHashes::Sha256),
        requires_dist: requirements(&pin.name, &metadata)?,
        requires_python: requires_python(&pin.name, &metadata)?,
    })
}

/// Reads a lock written by [`render`] (or by pixi, for the parts wt uses).
pub fn parse(text: &str) -> Result<Locked> {
    let lock = LockFile::from_str_with_base_directory(text, None)
        .map_err(|e| anyhow!("pixi.lock cannot be read: {e}"))?;
    let mut locked = Locked::default();
    for (name, env) in lock.environments() {
        if name == DEFAULT_ENVIRONMENT_NAME {
            locked.channels = env.channels().iter().map(|c| c.url.clone()).collect();
        }
        let by_platform = locked.pypi.entry(name.to_string()).or_default();
        for platform in env.platforms() {
            let subdir = platform.subdir();
            if name == DEFAULT_ENVIRONMENT_NAME {
                let records: Vec<RepoDataRecord> = env
                    .conda_repodata_records(platform)
                    .map_err(|e| anyhow!("pixi.lock has a conda package wt cannot read: {e}"))?
                    .unwrap_or_default();
                locked.conda.insert(subdir, records);
            }
            let mut pins = Vec::new();
            for p in env.pypi_packages(platform).into_iter().flatten() {
                let Some(w) = p.as_wheel() else {
                    continue;
                };
                let pin = PypiPin {
                    name: w.name.to_string(),
                    version: w.version.to_string(),
                    url: w.location.inner().to_string(),
                    sha256: w.hash.as_ref().and_then(|h| h.sha256()).map(hex::encode),
                };
                locked.metadata.insert(
                    pin.metadata_key().to_string(),
                    CoreMetadata {
                        requires_dist: w.requires_dist.iter().map(|r| r.to_string()).collect(),
                        requires_python: w.requires_python.as_ref().map(|v| v.to_string()),
                    },
                );
                pins.push(pin);
            }
            pins.sort();
            by_platform.insert(subdir, pins);
        }
    }
    Ok(locked)
}
