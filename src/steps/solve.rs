//! The solve step: pin every package of the workflow's environment, for every platform of the
//! lock, and write them as `pixi.lock`.
//!
//! Python (from conda-forge) and the conda requirements are solved with rattler against their
//! channels (see `crate::conda`); wt's runtime packages and the PyPI requirements are resolved
//! with uv, per platform, for the Python locked on that platform (see [`super::solve_pypi`]).
//!
//! Unless `--update-lock` is given, the pins of the workspace's existing `pixi.lock` are
//! preferred, so a change to one requirement moves only what it has to.

use super::{BuildContext, TargetState};
use crate::conda::lock::{self, Locked};
use crate::conda::solve::{CondaRequest, SolveFailure};
use crate::diag::Diagnostic;
use crate::diag::Rendered;
use crate::env::pypi_lock::PypiPin;
use crate::env::runtime;
use crate::spec::model::{CondaRequirement, Requirement, Spanned};
use anyhow::{Context, Result, anyhow};
use rattler_conda_types::Subdir;
use std::collections::BTreeMap;

/// Name of the lock file in the workspace.
pub const LOCK_FILE: &str = "pixi.lock";

/// Resolves and returns the lock text.
pub fn run(ctx: &BuildContext, t: &TargetState) -> Result<Vec<u8>> {
    check_path_names(t)?;
    let previous = if ctx.update_lock {
        Locked::default()
    } else {
        existing_lock(t)
    };
    let conda: Vec<CondaRequirement> = t
        .head
        .requirements
        .iter()
        .filter_map(|r| match r {
            Requirement::Conda(c) => Some(c.clone()),
            Requirement::Pypi(_) => None,
        })
        .collect();
    // Python is locked from conda like any conda requirement (the spec may name it itself).
    let mut request = conda.clone();
    if !conda.iter().any(|c| c.name.value == "python") {
        request.push(python_requirement());
    }
    let platforms = &ctx.conda.platforms;
    let solution = crate::conda::solve::solve(&CondaRequest {
        requirements: &request,
        platforms,
        preferred: &previous.conda,
        offline: ctx.offline,
        cache: ctx.cache_root(),
    })
    .map_err(|f| conda_failure(t, &request, conda.len(), f))?;
    let pythons = locked_pythons(&solution)?;
    let resolver = super::resolver_python::for_solution(ctx, &solution)?;
    let pypi = super::solve_pypi::lock(ctx, t, &pythons, &resolver.path, &previous)?;
    let channels: Vec<String> = runtime::channels(&t.head.requirements)
        .into_iter()
        .map(|c| c.base_url)
        .collect();
    let text = lock::render(&Locked {
        channels,
        conda: solution,
        pypi: pypi.environments,
        metadata: pypi.metadata,
        sources: pypi.sources,
    })?;
    Ok(text.into_bytes())
}

/// The `python` every environment gets, from the channel Python comes from.
fn python_requirement() -> CondaRequirement {
    let channel = runtime::python_channel();
    let version = runtime::PIXI_CONDA
        .iter()
        .find(|(n, _)| *n == "python")
        .map_or("*", |(_, v)| v);
    let nowhere = crate::yaml::Span::default();
    CondaRequirement {
        name: Spanned::new("python".to_string(), nowhere),
        version: version.to_string(),
        channel: Spanned::new(channel, nowhere),
        span: nowhere,
    }
}

/// The locked Python version of each platform, which its PyPI packages are resolved for.
fn locked_pythons(solution: &crate::conda::solve::Solution) -> Result<BTreeMap<Subdir, String>> {
    solution
        .iter()
        .map(|(p, records)| {
            records
                .iter()
                .find(|r| r.package_record.name.as_normalized() == "python")
                .map(|r| (*p, r.package_record.version.to_string()))
                .with_context(|| format!("the solve for {p} locked no `python`"))
        })
        .collect()
}

/// The pins of the lock already in the workspace, if there is one wt can read.
fn existing_lock(t: &TargetState) -> Locked {
    std::fs::read_to_string(t.out_dir.join(LOCK_FILE))
        .ok()
        .and_then(|text| lock::parse(&text).ok())
        .unwrap_or_default()
}

/// A `path:` requirement must carry the name its library declares (`[project] name` of its
/// pyproject.toml): uv resolves the library under its own name, so a different one cannot be
/// matched to what uv locks. Reported on the requirement's `name`, before anything is solved.
fn check_path_names(t: &TargetState) -> Result<()> {
    let mut diagnostics = Vec::new();
    for p in &t.pypi {
        let Some(dir) = &p.abs_path else { continue };
        let Some(declared) = crate::env::pypi::declared_project_name(dir) else {
            continue;
        };
        let written = &p.req.name;
        if normalized(&declared) != normalized(&written.value) {
            diagnostics.push(
                Diagnostic::new(
                    written.span,
                    format!(
                        "the library at `{}` is named `{declared}` (its pyproject.toml), not `{}`",
                        p.req.path.as_ref().map_or("", |s| s.value.as_str()),
                        written.value
                    ),
                )
                .underline(&written.value)
                .help(format!("write `name: {declared}`")),
            );
        }
    }
    if diagnostics.is_empty() {
        Ok(())
    } else {
        Err(anyhow!(Rendered(t.file.render(&diagnostics))))
    }
}

/// A distribution name as PEP 503 compares it: lower case, runs of `-_.` as one `-`.
fn normalized(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// A conda solve failure as errors located on the requirements it concerns; `spec_count` of
/// them are the spec's, the others (Python) wt's own, reported without a location.
fn conda_failure(
    t: &TargetState,
    conda: &[CondaRequirement],
    spec_count: usize,
    f: SolveFailure,
) -> anyhow::Error {
    let ours = match &f {
        SolveFailure::Channel { requirements, .. } => requirements.iter().all(|i| *i >= spec_count),
        SolveFailure::Unknown { requirement, .. } => *requirement >= spec_count,
        _ => false,
    };
    if ours {
        return python_failure(t, &f);
    }
    let at = |i: usize| &conda[i];
    let diagnostics: Vec<Diagnostic> = match f {
        SolveFailure::Channel {
            requirements,
            message,
        } => requirements
            .into_iter()
            .filter(|i| *i < spec_count)
            .map(|i| {
                let r = at(i);
                Diagnostic::new(
                    r.channel.span,
                    format!(
                        "the channel of conda requirement `{}` cannot be read ({}):\n{}",
                        r.name.value,
                        r.channel.value.base_url,
                        crate::diag::indent(&message)
                    ),
                )
                .help(if crate::conda::net::is_untrusted_certificate(&message) {
                    crate::conda::net::UNTRUSTED_HELP
                } else {
                    "check the channel's name or URL and that it is reachable; a local channel needs `noarch/repodata.json`"
                })
            })
            .collect(),
        SolveFailure::Unknown {
            requirement,
            suggestion,
        } => {
            let r = at(requirement);
            vec![
                Diagnostic::new(
                    r.name.span,
                    format!(
                        "conda package `{}` does not exist in channel `{}` ({}).{suggestion}",
                        r.name.value, r.channel.value.name, r.channel.value.base_url
                    ),
                )
                .underline(&r.name.value)
                .help("check the package name, or name the channel that has it with `channel:`"),
            ]
        }
        SolveFailure::Conflict {
            platform,
            explanation,
        } => {
            let involved: Vec<&CondaRequirement> = conda[..spec_count]
                .iter()
                .filter(|r| explanation.contains(r.name.value.as_str()))
                .collect();
            if involved.is_empty() {
                return python_failure(
                    t,
                    &SolveFailure::Conflict {
                        platform,
                        explanation,
                    },
                );
            }
            let first = involved.first().copied().unwrap_or(&conda[0]);
            let lines: Vec<String> = involved
                .iter()
                .map(|r| format!("`{} {}` (line {})", r.name.value, r.version, r.span.line))
                .collect();
            vec![
                Diagnostic::new(
                    first.span,
                    format!(
                        "the conda requirements cannot all be met on {platform}:\n{}",
                        crate::diag::indent(&explanation)
                    ),
                )
                .help(format!(
                    "relax the version of one of {}",
                    if lines.is_empty() {
                        "the conda requirements".to_string()
                    } else {
                        lines.join(", ")
                    }
                )),
            ]
        }
        SolveFailure::Other(message) => {
            return anyhow!("solving the conda requirements of {} failed: {message}", t.target.label);
        }
    };
    anyhow!(Rendered(t.file.render(&diagnostics)))
}

/// Python itself cannot be locked: no channel has it, or it cannot be read.
fn python_failure(t: &TargetState, f: &SolveFailure) -> anyhow::Error {
    let why = match f {
        SolveFailure::Channel { message, .. } => format!(":\n{}", crate::diag::indent(message)),
        SolveFailure::Conflict { explanation, .. } => {
            format!(":\n{}", crate::diag::indent(explanation))
        }
        _ => String::new(),
    };
    anyhow!(
        "{}: Python cannot be locked: no `python` {} in {} ({}){why}\n  = help: Python comes from conda-forge; where it cannot be reached, set {} to a mirror (a channel folder or URL) that has it",
        t.target.label,
        python_requirement().version,
        runtime::PYTHON_CHANNEL,
        python_requirement().channel.value.base_url,
        crate::conda::mirror::ENV
    )
}

/// The current platform's part of a lock: what an environment on this machine installs.
pub fn for_this_machine(
    lock_text: &[u8],
) -> Result<(
    Subdir,
    Vec<rattler_conda_types::RepoDataRecord>,
    Vec<PypiPin>,
)> {
    let locked = lock::parse(std::str::from_utf8(lock_text).context("pixi.lock is not UTF-8")?)?;
    let platform = crate::conda::platforms::current()
        .context("this machine's platform cannot run locked environments")?;
    if !locked.platforms().contains(&platform) {
        anyhow::bail!(
            "the lock does not cover this machine's platform `{platform}`\n  = help: add `{platform}` to `platforms` under [conda] in wt.toml"
        );
    }
    Ok((
        platform,
        locked.conda.get(&platform).cloned().unwrap_or_default(),
        locked.default_pypi(platform).to_vec(),
    ))
}
