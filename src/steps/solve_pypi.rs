//! The PyPI half of the solve: the files of every environment of the generated pixi.toml, per
//! platform, with what pixi.lock records of each.
//!
//! The environments (`default` and one per feature of [`runtime::FEATURES`]) share one solve
//! group, as pixi.toml declares, so a package has the same version in all of them. uv resolves
//! the group's union once per platform, then each environment alone within the union's
//! versions (as constraints), which gives exactly the files that environment installs.
//!
//! `path:` libraries take part in every resolution (their dependencies are pinned) and are
//! locked as pixi locks them: by their location relative to the workspace (never an absolute
//! path, so the lock stays shareable), with the dependencies their pyproject.toml declares, or
//! a build of them says when it does not list them (see [`library_metadata`]).

use super::{BuildContext, TargetState};
use crate::conda::lock::{LocalSource, Locked};
use crate::diag::indent;
use crate::diag::{Diagnostic, Rendered};
use crate::env::closure::{self, Root};
use crate::env::core_metadata::{self, CoreMetadata};
use crate::env::git_source::{self, GitPin};
use crate::env::library_metadata;
use crate::env::pypi::declared_project_name;
use crate::env::pypi::relative_path;
use crate::env::pypi_lock::{self, PypiPin, PypiRequest};
use crate::env::pypi_platform;
use crate::env::runtime;
use crate::env::tools::Tools;
use crate::spec::model::Requirement;
use crate::workspace::normalize;
use anyhow::{Context, Result, anyhow};
use rattler_conda_types::Subdir;
use rattler_lock::DEFAULT_ENVIRONMENT_NAME;
use std::collections::BTreeMap;
use std::path::Path;

/// The PyPI part of a lock.
pub struct PypiLock {
    /// Files per environment and platform.
    pub environments: BTreeMap<String, BTreeMap<Subdir, Vec<PypiPin>>>,
    /// METADATA of every file, by sha256.
    pub metadata: BTreeMap<String, CoreMetadata>,
    pub sources: Vec<LocalSource>,
}

/// Resolves every environment for every platform, for the Python locked there, preferring the
/// versions of `previous`; uv runs on `interpreter` (see [`super::resolver_python`]).
pub fn lock(
    ctx: &BuildContext,
    t: &TargetState,
    pythons: &BTreeMap<Subdir, String>,
    interpreter: &Path,
    previous: &Locked,
) -> Result<PypiLock> {
    let tools = ctx.tools()?;
    let mut base: Vec<String> = runtime::PYPI
        .iter()
        .map(|(n, v)| format!("{n}{v}"))
        .collect();
    for p in &t.pypi {
        base.push(p.uv_args().join(" "));
    }
    // `default` (no feature), then one environment per feature.
    let environments: Vec<(&str, Option<&runtime::Feature>)> =
        std::iter::once((DEFAULT_ENVIRONMENT_NAME, None))
            .chain(runtime::FEATURES.iter().map(|f| (f.name, Some(f))))
            .collect();
    let mut union = base.clone();
    union.extend(runtime::FEATURES.iter().flat_map(runtime::feature_lines));
    let local: Vec<String> = t
        .pypi
        .iter()
        .filter(|p| p.abs_path.is_some())
        .map(|p| p.req.name.value.clone())
        .collect();
    let resolve = |p: Subdir,
                   lines: &[String],
                   refresh_local: bool,
                   constraints: &[PypiPin],
                   preferred: &[PypiPin]|
     -> Result<Vec<PypiPin>> {
        let request = PypiRequest {
            lines,
            local: &local,
            interpreter,
            python_version: &pythons[&p],
            refresh_local,
            constraints,
        };
        let mut pins = pypi_lock::resolve(tools, ctx.cache_root(), &request, p, preferred)
            .map_err(|e| pypi_failure(ctx, t, p, &e))?;
        for pin in &mut pins {
            spell_git_as_pixi(t, pin);
        }
        Ok(pins)
    };
    // The solve group, per platform: the first platform alone (it refreshes the local
    // projects' metadata once), then the others in parallel, from uv's warm cache.
    let platforms = &ctx.conda.platforms;
    let mut groups: BTreeMap<Subdir, Vec<PypiPin>> = BTreeMap::new();
    if let Some((&first, rest)) = platforms.split_first() {
        groups.insert(
            first,
            resolve(first, &union, true, &[], &previous_pins(previous, first))?,
        );
        let rest: Vec<(Subdir, Result<Vec<PypiPin>>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = rest
                .iter()
                .map(|&p| {
                    let union = &union;
                    let resolve = &resolve;
                    scope.spawn(move || {
                        (
                            p,
                            resolve(p, union, false, &[], &previous_pins(previous, p)),
                        )
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a PyPI resolution thread panicked"))
                .collect()
        });
        for (p, pins) in rest {
            groups.insert(p, pins?);
        }
    }
    let downloads = Tools::download_cache(ctx.cache_root());
    let mut metadata = core_metadata::for_pins(groups.values().flatten(), &downloads, ctx.offline)
        .with_context(|| {
            format!(
                "{}: locking the PyPI packages' dependencies",
                t.target.label
            )
        })?;
    metadata.extend(git_metadata(ctx, groups.values().flatten(), interpreter)?);
    let sources = local_sources(ctx, t, interpreter)?;
    // Each environment: the group's files its requirements reach (pixi's walk); where the walk
    // cannot tell (a file's metadata unknown), uv resolves it within the group's versions.
    let mut by_env: BTreeMap<String, BTreeMap<Subdir, Vec<PypiPin>>> = BTreeMap::new();
    for (&p, group) in &groups {
        for &(name, feature) in &environments {
            let walked = match pypi_platform::markers(p, &pythons[&p]) {
                Some(markers) => walk(t, feature, &sources, group, &metadata, &markers)?,
                None => None,
            };
            let pins = match walked {
                Some(pins) => pins,
                None => {
                    let mut lines = base.clone();
                    lines.extend(feature.map(runtime::feature_lines).unwrap_or_default());
                    resolve(p, &lines, false, group, &[])?
                }
            };
            by_env.entry(name.to_string()).or_default().insert(p, pins);
        }
    }
    let mut sources: Vec<LocalSource> = sources.into_iter().map(|l| l.source).collect();
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(PypiLock {
        environments: by_env,
        metadata,
        sources,
    })
}

/// The walk from an environment's requirements (wt's runtime, the spec's PyPI requirements,
/// its `feature`'s packages) through the group's files; `None` where it cannot tell.
fn walk(
    t: &TargetState,
    feature: Option<&runtime::Feature>,
    libraries: &[LocalLibrary],
    group: &[PypiPin],
    metadata: &BTreeMap<String, CoreMetadata>,
    markers: &pep508_rs::MarkerEnvironment,
) -> Result<Option<Vec<PypiPin>>> {
    if libraries.iter().any(|l| !l.declared) {
        return Ok(None);
    }
    let mut roots: Vec<Root> = runtime::PYPI
        .iter()
        .map(|(name, _)| Root::Package { name, extras: &[] })
        .collect();
    // `local_sources` lists the libraries in the order of `t.pypi`.
    let mut libraries = libraries.iter();
    for p in &t.pypi {
        let extras = &p.req.extras;
        roots.push(match p.abs_path {
            Some(_) => Root::Declared {
                metadata: &libraries.next().expect("one per path").source.metadata,
                extras,
            },
            None => Root::Package {
                name: &p.req.name.value,
                extras,
            },
        });
    }
    let feature: Vec<(&str, Vec<String>)> = feature
        .map_or(&[][..], |f| f.pypi)
        .iter()
        .map(|(name, _, extras)| (*name, extras.iter().map(|e| e.to_string()).collect()))
        .collect();
    for (name, extras) in &feature {
        roots.push(Root::Package { name, extras });
    }
    closure::environment_pins(group, metadata, &roots, markers)
}

/// A git source as pixi.lock spells it, with the reference the spec's requirement of that name
/// asks for (see [`git_source`]); other pins are left as they are.
fn spell_git_as_pixi(t: &TargetState, pin: &mut PypiPin) {
    if pin.sha256.is_some() {
        return;
    }
    let Some(git) = GitPin::parse(&pin.url) else {
        return;
    };
    let requirement =
        t.pypi.iter().map(|p| &p.req).find(|r| {
            r.git.is_some() && normalize_name(&r.name.value) == normalize_name(&pin.name)
        });
    pin.url = git_source::locked_url(&git, requirement);
}

/// PEP 503's normal form of a package name.
fn normalize_name(name: &str) -> String {
    name.to_lowercase().replace(['_', '.'], "-")
}

/// The METADATA of each git source, from a build of its commit (kept once made). A source
/// that does not build here, or is not known offline, is left out: the walk then hands its
/// environments to uv.
fn git_metadata<'a>(
    ctx: &BuildContext,
    pins: impl IntoIterator<Item = &'a PypiPin>,
    interpreter: &Path,
) -> Result<BTreeMap<String, CoreMetadata>> {
    let mut out = BTreeMap::new();
    for pin in pins {
        let Some(git) = GitPin::parse(&pin.url).filter(|_| pin.sha256.is_none()) else {
            continue;
        };
        if out.contains_key(&pin.url) {
            continue;
        }
        let tools = ctx.tools()?;
        let downloads = Tools::download_cache(ctx.cache_root());
        let built = core_metadata::for_git_source(&downloads, pin, ctx.offline, || {
            library_metadata::git_built(tools, ctx.cache_root(), interpreter, &git)
        });
        if let Ok(Some(m)) = built {
            out.insert(pin.url.clone(), m);
        }
    }
    Ok(out)
}

/// The pins an earlier lock had on `p`, in any environment (they share versions).
fn previous_pins(previous: &Locked, p: Subdir) -> Vec<PypiPin> {
    let mut pins: Vec<PypiPin> = previous
        .pypi
        .values()
        .filter_map(|by_platform| by_platform.get(&p))
        .flatten()
        .cloned()
        .collect();
    pins.sort();
    pins.dedup();
    pins
}

/// A `path:` library: its lock record, and whether its dependencies are known (else the
/// record has none and the walk cannot use it).
struct LocalLibrary {
    source: LocalSource,
    declared: bool,
}

/// The `path:` libraries in the order of `t.pypi`, located relative to the workspace (as in
/// pixi.toml), each read once. Dependencies that pyproject.toml does not list are what a build
/// of the library says; a library that does not build here (one that needs a compiler, say)
/// is locked without them, and its environments are resolved by uv instead of walked.
fn local_sources(
    ctx: &BuildContext,
    t: &TargetState,
    interpreter: &Path,
) -> Result<Vec<LocalLibrary>> {
    let mut out = Vec::new();
    for p in &t.pypi {
        let Some(dir) = &p.abs_path else { continue };
        let declared = match CoreMetadata::from_pyproject(dir)? {
            Some(declared) => Some(declared),
            None => library_metadata::built(ctx.tools()?, ctx.cache_root(), interpreter, dir).ok(),
        };
        out.push(LocalLibrary {
            source: LocalSource {
                name: declared_project_name(dir).unwrap_or_else(|| p.req.name.value.clone()),
                path: relative_path(&normalize(&t.out_dir), dir),
                metadata: declared.clone().unwrap_or_default(),
            },
            declared: declared.is_some(),
        });
    }
    Ok(out)
}

/// A uv failure as an error on the spec's PyPI requirements that uv's message names.
fn pypi_failure(
    ctx: &BuildContext,
    t: &TargetState,
    p: Subdir,
    e: &anyhow::Error,
) -> anyhow::Error {
    let text = format!("{e:#}");
    let lower = text.to_lowercase();
    let offline = if ctx.offline {
        "; wt is offline: only packages already in uv's cache can be resolved"
    } else {
        ""
    };
    // uv's message names the packages it could not resolve; locate the first spec
    // requirement it names (a local library whose dependencies fail is named by uv too).
    let named = t.head.requirements.iter().find_map(|r| match r {
        Requirement::Pypi(req) if lower.contains(&req.name.value.to_lowercase()) => Some(req),
        _ => None,
    });
    if let Some(req) = named {
        let d = Diagnostic::new(
            req.name.span,
            format!(
                "the PyPI requirement `{}` cannot be resolved for {p}{offline}:\n{}",
                req.name.value,
                indent(&text)
            ),
        )
        .help("check the name, version and source of this requirement, and the dependencies it declares");
        return anyhow!(Rendered(t.file.render(&[d])));
    }
    anyhow!(
        "resolving the PyPI packages of {} for {p} failed{offline}:\n{}\n  = help: check the PyPI requirements in {}",
        t.target.label,
        indent(&text),
        t.file.display
    )
}
