//! The discover step: build the environment from the lock, then run discovery in it.

use super::introspect::{run_introspection, run_registry};
use super::{BuildContext, REGISTRY_FILE, SIGNATURES_FILE, TargetState};
use crate::env::python_env::{PythonEnv, materialize, reinstall_path_sources, run_install};
use anyhow::{Context, Result};
use std::collections::BTreeMap;

/// The environment of a target, built from this machine's part of the lock: its conda
/// packages (Python itself among them) linked in by rattler, its PyPI files installed into that
/// Python by uv exactly as pinned (no resolution, hashes checked), then its `path:`
/// requirements without dependencies (theirs are in the lock), and checked to hold what every
/// installed package requires ([`crate::env::env_check`]). No interpreter of the host is
/// involved. The environment gets the bytecode of everything installed: every process wt
/// starts in it (discovery, runs) sets PYTHONDONTWRITEBYTECODE so that it stays as built, and
/// would otherwise compile every module it imports from source, each time. The bytecode comes
/// from a store shared by the machine's environments ([`crate::env::bytecode`]).
///
/// `path:` libraries are installed editable where they can be
/// ([`crate::env::pypi::ResolvedPypi::installs_editable`]), so the environment is keyed by what
/// goes into it ([`environment_key`]) rather than by their sources: editing a task re-runs
/// discovery in the same environment instead of building a new one.
pub fn environment(ctx: &BuildContext, t: &TargetState, lock: &[u8]) -> Result<PythonEnv> {
    let tools = ctx.tools()?;
    let cache = ctx.cache_root();
    let (platform, conda, pypi) = super::solve::for_this_machine(lock)?;
    let python = conda
        .iter()
        .find(|r| r.package_record.name.as_normalized() == "python")
        .map(|r| r.package_record.version.to_string())
        .with_context(|| {
            format!(
                "the lock of {} has no conda `python` for this machine; lock it again with `wt --update-lock build {}`",
                t.target.label, t.target.label
            )
        })?;
    let key = environment_key(ctx, t, lock)?;
    materialize(cache, &key[..32], |env| {
        crate::conda::install::install(&conda, &env.dir, platform, &python, cache, ctx.offline)?;
        let scratch = tempfile::tempdir()?;
        let pins = scratch.path().join("requirements.txt");
        let lines: Vec<String> = pypi.iter().map(|p| p.install_line()).collect();
        std::fs::write(&pins, lines.join("\n") + "\n")?;
        // Exactly the given files, into the environment's Python.
        let install = || {
            let mut cmd = tools.uv(cache);
            cmd.args(["pip", "install", "--quiet", "--no-deps"])
                .arg("--python")
                .arg(env.python());
            cmd
        };
        let mut cmd = install();
        cmd.arg("-r").arg(&pins);
        run_install(cmd, &t.pypi)?;
        let paths: Vec<&crate::env::pypi::ResolvedPypi> =
            t.pypi.iter().filter(|p| p.abs_path.is_some()).collect();
        if !paths.is_empty() {
            let mut cmd = install();
            reinstall_path_sources(&mut cmd, &t.pypi, ctx.offline);
            for p in &paths {
                cmd.args(p.env_uv_args());
            }
            run_install(cmd, &t.pypi)?;
        }
        let downloads = crate::env::tools::Tools::download_cache(cache);
        crate::env::bytecode::write(&env.python(), &crate::env::bytecode::store(&downloads))?;
        crate::env::env_check::check(tools, cache, &env.python(), &t.target.label.to_string())
    })
}

/// The key of a target's environment: the lock, wt's sources (they decide how it is built),
/// and for each `path:` library its location, whether it is installed editable, its manifests
/// (pyproject.toml, setup.*: its dependencies and entry points) and, for a library installed
/// as a copy, its whole source tree. An editable library's other sources are read live, so
/// they are not part of the key. Environments are local to a machine, so the absolute
/// location is part of it (an editable install points there).
pub fn environment_key(ctx: &BuildContext, t: &TargetState, lock: &[u8]) -> Result<String> {
    use serde_json::json;
    let mut libraries = Vec::new();
    for p in &t.pypi {
        let Some(path) = &p.abs_path else { continue };
        let editable = p.installs_editable();
        let sources = if editable {
            None
        } else {
            Some(ctx.tree_digest(path).with_context(|| {
                format!(
                    "cannot read the source of `{}` at {}",
                    p.req.name.value,
                    path.display()
                )
            })?)
        };
        libraries.push(json!([
            p.req.name.value,
            path.display().to_string(),
            editable,
            sources
        ]));
    }
    Ok(crate::digest::json(&json!({
        "environment": 2,
        "lock": crate::digest::bytes(lock),
        "wt": super::inputs::digest_of("wt-sources", ctx, t)?,
        "manifests": super::inputs::digest_of("path-manifests", ctx, t)?,
        "libraries": libraries,
    })))
}

/// Discovery found no task: located at the spec's `requirements`, which name the libraries
/// that should have registered some.
fn no_tasks(t: &TargetState) -> anyhow::Error {
    let message = if t.head.requirements.is_empty() {
        "no registered tasks were discovered: `requirements` names no task library"
    } else {
        "no registered tasks were discovered: no library of `requirements` registers a task"
    };
    let diagnostic = crate::diag::Diagnostic::new(t.head.requirements_span, message).help(
        "list the task libraries the workflow uses (`- name: my-tasks\n    path: ../my-tasks`); a library registers functions with `@register()` from `wt_registry` and declares its task module under the `wt_registry` entry points of its pyproject.toml:\n      [project.entry-points.\"wt_registry\"]\n      tasks = \"my_package.tasks\"",
    );
    anyhow::anyhow!(crate::diag::Rendered(t.file.render(&[diagnostic])))
}

/// Runs discovery and returns [`REGISTRY_FILE`] and [`SIGNATURES_FILE`].
pub fn run(ctx: &BuildContext, t: &TargetState, lock: &[u8]) -> Result<BTreeMap<String, Vec<u8>>> {
    let env = environment(ctx, t, lock)?;
    let registry = run_registry(&env)?;
    if registry.entries.is_empty() {
        return Err(no_tasks(t));
    }
    let signatures = run_introspection(&env, &registry)?;
    Ok(BTreeMap::from([
        (REGISTRY_FILE.into(), serde_json::to_vec_pretty(&registry)?),
        (
            SIGNATURES_FILE.into(),
            serde_json::to_vec_pretty(&signatures)?,
        ),
    ]))
}
