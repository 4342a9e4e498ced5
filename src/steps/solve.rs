//! The solve step: pin every package the workflow's environment needs.
//!
//! Runs `uv pip compile --universal` over wt's runtime packages and the spec's requirements, so
//! the pins hold on every platform. `path:` requirements take part in the resolution (their
//! dependencies are pinned) but are left out of the lock itself: their content is keyed by
//! digest in the discover step, and their location must not leak into a shareable output.

use crate::engine::BuildContext;
use crate::engine::target::TargetState;
use crate::env::python_env::conda_version_as_pep440;
use crate::env::runtime;
use crate::spec::model::Requirement;
use anyhow::{Context, Result, bail};

/// Resolves and returns the lock text (one `name==version` line per package, with markers).
pub fn run(ctx: &BuildContext, t: &TargetState) -> Result<Vec<u8>> {
    let tools = ctx.tools()?;
    let dir = tempfile::tempdir().context("could not create a temporary folder")?;
    let mut lines: Vec<String> = runtime::PYPI
        .iter()
        .map(|(n, v)| format!("{n}{v}"))
        .collect();
    for r in &t.spec.requirements {
        if let Requirement::Conda(c) = r {
            lines.push(format!(
                "{}{}",
                c.name.value,
                conda_version_as_pep440(&c.version)
            ));
        }
    }
    for p in &t.pypi {
        lines.push(p.uv_args().join(" "));
    }
    let input = dir.path().join("requirements.in");
    std::fs::write(&input, lines.join("\n") + "\n")?;
    let mut cmd = tools.uv(ctx.cache_root());
    cmd.args([
        "pip",
        "compile",
        "--quiet",
        "--universal",
        "--no-header",
        "--no-annotate",
        "--python",
    ])
    .arg(&tools.python)
    .arg(&input)
    .current_dir(dir.path());
    for p in t.pypi.iter().filter(|p| p.abs_path.is_some()) {
        cmd.args(["--no-emit-package", &p.req.name.value]);
    }
    for p in t.pypi.iter().filter(|p| p.abs_path.is_some()) {
        // Re-read local projects' metadata instead of trusting uv's cache of it.
        cmd.args(["--refresh-package", &p.req.name.value]);
    }
    let out = cmd.output().context("could not run uv")?;
    if !out.status.success() {
        bail!(
            "resolving the requirements of {} failed:\n{}\n  = help: check the names and versions under `requirements:` in {}",
            t.target.label,
            String::from_utf8_lossy(&out.stderr).trim_end(),
            t.file.display
        );
    }
    let text = String::from_utf8(out.stdout).context("uv printed a lock that is not UTF-8")?;
    // Keep only requirement lines: no comments that could mention local paths.
    let lock: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    Ok(lock.into_bytes())
}
