//! The safety net under every environment wt builds from a lock: `uv pip check` (uv reads each
//! installed distribution's METADATA and tests every `Requires-Dist` whose markers hold for this
//! interpreter and platform). A lock that lacks a dependency would otherwise fail far from its
//! cause, at an import in discovery or in a task, and pixi would install the same broken set
//! from it; here it stops the build before discovery, naming what is missing and what needs it.

use super::tools::Tools;
use anyhow::{Context, Result, bail};
use std::path::Path;

/// Checks the environment of the interpreter `python`, built from the lock of `label`.
pub fn check(tools: &Tools, cache: &Path, python: &Path, label: &str) -> Result<()> {
    let out = tools
        .uv(cache)
        .args(["pip", "check", "--python"])
        .arg(python)
        .output()
        .context("could not run uv to check the environment")?;
    if out.status.success() {
        return Ok(());
    }
    let report = [out.stdout, out.stderr]
        .iter()
        .map(|o| String::from_utf8_lossy(o).trim_end().to_string())
        .filter(|o| !o.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    bail!(
        "the environment built from the lock of {label} does not hold what its packages require:\n{}\n  = help: lock again with `wt --update-lock build {label}`; if the same packages are missing after that, the lock is wrong: report it with this message",
        indent(&report)
    )
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
