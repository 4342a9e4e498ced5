//! Discovery: which registered functions the workflow's task libraries provide.
//!
//! Runs `wt-registry --format json` inside the workflow's environment, as a subprocess and from
//! an empty working folder, so task code is imported only there and never into wt. The
//! registry CLI exits 0 even when a task module fails to import (it prints a warning and goes
//! on); wt treats such a partial registry as an error that shows the warning, because a
//! workflow compiled against it would silently miss tasks.
//!
//! The registry schema hides parameters annotated `Field(exclude=True)`, which real task
//! libraries use for every input a workflow binds (dataframes, widgets, upstream results). So
//! discovery also runs wt's own introspection program ([`INTROSPECT_PY`]) in the same
//! environment, which reports every task's full signature and return type: what binding and
//! edge checks read.

use crate::contracts::{RegistryOutput, Signatures};
use crate::env::python_env::PythonEnv;
use anyhow::{Context, Result, bail};
use std::process::Command;

/// Runs `wt-registry --format json` in `env` and checks the result is complete.
pub fn run_registry(env: &PythonEnv) -> Result<RegistryOutput> {
    let exe = env.bin("wt-registry");
    if !exe.is_file() {
        bail!(
            "the environment has no `wt-registry` executable ({}).\n  = help: task libraries must depend on the `wt-registry` package",
            exe.display()
        );
    }
    let scratch = tempfile::tempdir().context("could not create a temporary folder")?;
    let out = Command::new(&exe)
        .args(["--format", "json"])
        .current_dir(scratch.path())
        .env(crate::env_vars::PYTHONDONTWRITEBYTECODE, "1")
        .env_remove(crate::env_vars::PYTHONPATH)
        .output()
        .with_context(|| format!("could not run {}", exe.display()))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!(
            "task discovery failed (wt-registry exited with {}):\n{}",
            out.status,
            stderr.trim_end()
        );
    }
    // The registry's own messages only: a library may print Python warnings while it imports
    // (deprecations, pydantic's notes) without losing a task.
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("Warning: Could not import") || l.starts_with("Error:"))
        .collect();
    if !warnings.is_empty() {
        bail!(
            "a task library could not be imported during discovery, so its tasks would be missing:\n{}\n  = help: fix the import error above (run the module with the environment's python to see the full traceback: {})",
            stderr.trim_end(),
            env.python().display()
        );
    }
    let registry: RegistryOutput = serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "wt-registry printed output that is not a registry: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })?;
    Ok(registry)
}

/// The introspection program, run with the environment's interpreter (see its docstring).
pub const INTROSPECT_PY: &str = include_str!("introspect.py");

/// Runs [`INTROSPECT_PY`] in `env` and checks it describes every task of `registry`.
pub fn run_introspection(env: &PythonEnv, registry: &RegistryOutput) -> Result<Signatures> {
    // Run isolated and with -B: the environment, and the sources of editable libraries, get
    // no new bytecode; PYTHONDONTWRITEBYTECODE carries that to any process a library starts.
    let (_scratch, mut cmd) =
        crate::env::python_env::program_command(&env.python(), "wt_introspect.py", INTROSPECT_PY)?;
    let out = cmd
        .env(crate::env_vars::PYTHONDONTWRITEBYTECODE, "1")
        .output()
        .with_context(|| format!("could not run {}", env.python().display()))?;
    if !out.status.success() {
        bail!(
            "reading the signatures of the registered tasks failed ({}):\n{}\n  = help: wt runs its introspection program with {} after `wt-registry`; the message above names the task or module at fault",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end(),
            env.python().display()
        );
    }
    let signatures: Signatures = serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "the introspection program printed output that is not a signature list: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })?;
    if let Some(missing) = registry
        .entries
        .keys()
        .find(|fqn| !signatures.tasks.contains_key(*fqn))
    {
        bail!(
            "the introspection program did not describe `{missing}`, which wt-registry reports.\n  = help: a task registered outside the `wt_registry` entry points cannot be introspected; declare its module under that entry-point group"
        );
    }
    Ok(signatures)
}
