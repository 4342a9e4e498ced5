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
//! path, so the lock stays shareable), with the dependencies their pyproject.toml declares.

use super::solve::{declared_project_name, indent};
use super::{BuildContext, TargetState};
use crate::conda::lock::{LocalSource, Locked};
use crate::diag::{Diagnostic, Rendered};
use crate::env::core_metadata::{self, CoreMetadata};
use crate::env::pypi::relative_path;
use crate::env::pypi_lock::{self, PypiPin, PypiRequest};
use crate::env::runtime;
use crate::env::tools::Tools;
use crate::spec::model::Requirement;
use crate::workspace::normalize;
use anyhow::{Context, Result, anyhow};
use rattler_conda_types::Subdir;
use rattler_lock::DEFAULT_ENVIRONMENT_NAME;
use std::collections::BTreeMap;

/// The files of each environment on one platform.
type PlatformPins = BTreeMap<String, Vec<PypiPin>>;

/// The PyPI part of a lock.
pub struct PypiLock {
    /// Files per environment and platform.
    pub environments: BTreeMap<String, BTreeMap<Subdir, Vec<PypiPin>>>,
    /// METADATA of every file, by sha256.
    pub metadata: BTreeMap<String, CoreMetadata>,
    pub sources: Vec<LocalSource>,
}

/// Resolves every environment for every platform, for the Python locked there, preferring the
/// versions of `previous`.
pub fn lock(
    ctx: &BuildContext,
    t: &TargetState,
    pythons: &BTreeMap<Subdir, String>,
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
    let mut environments: Vec<(String, Vec<String>)> =
        vec![(DEFAULT_ENVIRONMENT_NAME.to_string(), base.clone())];
    for f in runtime::FEATURES {
        let mut lines = base.clone();
        lines.extend(runtime::feature_lines(f));
        environments.push((f.name.to_string(), lines));
    }
    let mut union = base.clone();
    union.extend(runtime::FEATURES.iter().flat_map(runtime::feature_lines));
    let local: Vec<String> = t
        .pypi
        .iter()
        .filter(|p| p.abs_path.is_some())
        .map(|p| p.req.name.value.clone())
        .collect();
    let resolve_platform = |p: Subdir, refresh: bool| -> Result<PlatformPins> {
        let resolve =
            |lines: &[String], refresh_local: bool, constraints: &[PypiPin], preferred| {
                let request = PypiRequest {
                    lines,
                    local: &local,
                    python_version: &pythons[&p],
                    refresh_local,
                    constraints,
                };
                pypi_lock::resolve(tools, ctx.cache_root(), &request, p, preferred)
            };
        let preferred = previous_pins(previous, p);
        let group = resolve(&union, refresh, &[], &preferred)?;
        // The environments alone, at once: they only narrow the group's pins.
        std::thread::scope(|scope| {
            let handles: Vec<_> = environments
                .iter()
                .map(|(name, lines)| {
                    let group = &group;
                    scope.spawn(move || (name.clone(), resolve(lines, false, group, &[])))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    let (name, pins) = h.join().expect("a PyPI resolution thread panicked");
                    Ok((name, pins?))
                })
                .collect()
        })
    };
    // The first platform alone (it refreshes the local projects' metadata once), then the
    // others in parallel, from uv's warm cache.
    let platforms = &ctx.conda.platforms;
    let mut results: Vec<(Subdir, Result<PlatformPins>)> = Vec::new();
    if let Some((&first, rest)) = platforms.split_first() {
        results.push((first, resolve_platform(first, true)));
        std::thread::scope(|scope| {
            let handles: Vec<_> = rest
                .iter()
                .map(|&p| scope.spawn(move || (p, resolve_platform(p, false))))
                .collect();
            for h in handles {
                results.push(h.join().expect("a PyPI resolution thread panicked"));
            }
        });
    }
    let mut by_env: BTreeMap<String, BTreeMap<Subdir, Vec<PypiPin>>> = BTreeMap::new();
    for (p, result) in results {
        let resolved = result.map_err(|e| pypi_failure(ctx, t, p, &e))?;
        for (env, pins) in resolved {
            by_env.entry(env).or_default().insert(p, pins);
        }
    }
    let all_pins = by_env.values().flat_map(|m| m.values()).flatten();
    let metadata = core_metadata::for_pins(
        all_pins,
        &Tools::download_cache(ctx.cache_root()),
        ctx.offline,
    )
    .with_context(|| {
        format!(
            "{}: locking the PyPI packages' dependencies",
            t.target.label
        )
    })?;
    Ok(PypiLock {
        environments: by_env,
        metadata,
        sources: local_sources(t)?,
    })
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

/// The `path:` libraries, located relative to the workspace (as in pixi.toml).
fn local_sources(t: &TargetState) -> Result<Vec<LocalSource>> {
    let mut out = Vec::new();
    for p in &t.pypi {
        let Some(dir) = &p.abs_path else { continue };
        let metadata = CoreMetadata::from_pyproject(dir)?.unwrap_or_default();
        out.push(LocalSource {
            name: declared_project_name(dir).unwrap_or_else(|| p.req.name.value.clone()),
            path: relative_path(&normalize(&t.out_dir), dir),
            metadata,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
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
    let named = t.spec.requirements.iter().find_map(|r| match r {
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
