//! The files one environment needs out of its solve group's: the packages reached from the
//! environment's own requirements through each package's `Requires-Dist`, with markers
//! evaluated for the platform, the locked Python and the extras asked for. This is the walk
//! pixi does to accept a lock, so an environment computed by it is exactly what pixi expects,
//! and it costs no resolution beyond the group's.

use super::core_metadata::CoreMetadata;
use super::pypi_lock::PypiPin;
use anyhow::{Result, anyhow};
use pep508_rs::{ExtraName, MarkerEnvironment, PackageName, Requirement};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::str::FromStr;

/// A starting point of the walk: a package asked for by name (with extras), or the
/// dependencies a `path:` library declares (the library itself is not among the group's files).
pub enum Root<'a> {
    Package {
        name: &'a str,
        extras: &'a [String],
    },
    Declared {
        metadata: &'a CoreMetadata,
        extras: &'a [String],
    },
}

/// The group's pins the environment needs. `None` when the walk cannot tell: a reached file's
/// metadata is unknown (a git source, an sdist whose PKG-INFO does not vouch for it), or a
/// requirement the markers select is not among the group's files (uv evaluated it otherwise).
/// Then only a resolution of the environment can.
pub fn environment_pins(
    group: &[PypiPin],
    metadata: &BTreeMap<String, CoreMetadata>,
    roots: &[Root],
    markers: &MarkerEnvironment,
) -> Result<Option<Vec<PypiPin>>> {
    let by_name: BTreeMap<PackageName, &PypiPin> = group
        .iter()
        .map(|p| Ok((name(&p.name)?, p)))
        .collect::<Result<_>>()?;
    let mut queue: VecDeque<(PackageName, BTreeSet<ExtraName>)> = VecDeque::new();
    let extra_names = |extras: &[String]| -> Result<Vec<ExtraName>> {
        extras
            .iter()
            .map(|e| ExtraName::from_str(e).map_err(|e| anyhow!("{e}")))
            .collect()
    };
    for root in roots {
        match root {
            Root::Package { name: n, extras } => {
                queue.push_back((name(n)?, extra_names(extras)?.into_iter().collect()));
            }
            Root::Declared { metadata, extras } => {
                let active = extra_names(extras)?;
                for r in requirements(metadata)? {
                    if r.marker.evaluate(markers, &active) {
                        queue.push_back((r.name, r.extras.into_iter().collect()));
                    }
                }
            }
        }
    }
    let mut seen: BTreeMap<PackageName, BTreeSet<ExtraName>> = BTreeMap::new();
    while let Some((package, extras)) = queue.pop_front() {
        // A package is (re)visited when first reached and when reached with a new extra.
        if seen
            .get(&package)
            .is_some_and(|known| extras.is_subset(known))
        {
            continue;
        }
        let Some(pin) = by_name.get(&package) else {
            return Ok(None);
        };
        let active = seen.entry(package.clone()).or_default();
        active.extend(extras);
        let active: Vec<ExtraName> = active.iter().cloned().collect();
        let Some(declared) = metadata.get(pin.metadata_key()) else {
            return Ok(None);
        };
        for r in requirements(declared)? {
            if r.marker.evaluate(markers, &active) {
                queue.push_back((r.name, r.extras.into_iter().collect()));
            }
        }
    }
    Ok(Some(
        group
            .iter()
            .filter(|p| name(&p.name).is_ok_and(|n| seen.contains_key(&n)))
            .cloned()
            .collect(),
    ))
}

fn name(text: &str) -> Result<PackageName> {
    PackageName::from_str(text).map_err(|e| anyhow!("invalid PyPI package name `{text}`: {e}"))
}

fn requirements(declared: &CoreMetadata) -> Result<Vec<Requirement>> {
    declared
        .requires_dist
        .iter()
        .map(|r| Requirement::from_str(r).map_err(|e| anyhow!("cannot read `{r}`: {e}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::pypi_platform::markers;
    use rattler_conda_types::Subdir;

    fn pin(name: &str, sha: &str) -> PypiPin {
        PypiPin {
            name: name.into(),
            version: "1.0".into(),
            url: format!("https://x/{name}-1.0-py3-none-any.whl"),
            sha256: Some(sha.into()),
        }
    }

    #[test]
    fn follows_markers_and_extras() {
        let group = vec![
            pin("app", "a"),
            pin("core", "c"),
            pin("gcp-lib", "g"),
            pin("win-only", "w"),
            pin("unused", "u"),
        ];
        let meta = |deps: &[&str]| CoreMetadata {
            requires_dist: deps.iter().map(|d| d.to_string()).collect(),
            requires_python: None,
        };
        let metadata = BTreeMap::from([
            (
                "a".to_string(),
                meta(&[
                    "core>=1",
                    "gcp-lib ; extra == 'gcp'",
                    "win-only ; sys_platform == 'win32'",
                ]),
            ),
            ("c".to_string(), meta(&[])),
            ("g".to_string(), meta(&[])),
            ("w".to_string(), meta(&[])),
            ("u".to_string(), meta(&[])),
        ]);
        let linux = markers(Subdir::Linux64, "3.11.7").unwrap();
        let names = |extras: &[String], m: &MarkerEnvironment| -> Vec<String> {
            let roots = [Root::Package {
                name: "app",
                extras,
            }];
            environment_pins(&group, &metadata, &roots, m)
                .unwrap()
                .unwrap()
                .into_iter()
                .map(|p| p.name)
                .collect()
        };
        assert_eq!(names(&[], &linux), ["app", "core"]);
        assert_eq!(names(&["gcp".into()], &linux), ["app", "core", "gcp-lib"]);
        let windows = markers(Subdir::Win64, "3.11.7").unwrap();
        assert_eq!(names(&[], &windows), ["app", "core", "win-only"]);
        // A reached file without metadata: the walk cannot tell.
        let mut partial = metadata.clone();
        partial.remove("c");
        let roots = [Root::Package {
            name: "app",
            extras: &[],
        }];
        assert_eq!(
            environment_pins(&group, &partial, &roots, &linux).unwrap(),
            None
        );
    }
}
