//! Turning targets into build states and build results into workspaces on disk.

use crate::compile::{DEFAULT_PREFIX, release_name};
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::engine::target::TargetState;
use crate::env::pypi::ResolvedPypi;
use crate::label::Target;
use crate::load::SpecFile;
use crate::spec::model::Requirement;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where a target's workspace goes: `--out`, else `<root>/<out-dir>/<label path>/<release>`
/// when wt.toml sets `build.out-dir`, else next to the spec.
pub fn out_dir(
    root: &Path,
    config: &Config,
    target: &Target,
    spec_id: &str,
    explicit: Option<&Path>,
) -> PathBuf {
    let release = release_name(DEFAULT_PREFIX, spec_id);
    if let Some(o) = explicit {
        return crate::workspace::absolute(o);
    }
    let spec_dir = target.spec.parent().unwrap_or(root);
    match &config.build.out_dir {
        Some(dir) => root
            .join(dir)
            .join(spec_dir.strip_prefix(root).unwrap_or(Path::new("")))
            .join(release),
        None => spec_dir.join(release),
    }
}

/// Reads and parses a target's spec. Errors come back rendered with their locations.
pub fn prepare(
    root: &Path,
    config: &Config,
    target: &Target,
    explicit_out: Option<&Path>,
) -> Result<TargetState, String> {
    let file = SpecFile::read(&target.spec).map_err(|e| e.to_string())?;
    let spec = crate::spec::parse::parse_spec(&file.text).map_err(|d| file.render(&d))?;
    let pypi: Vec<ResolvedPypi> = spec
        .requirements
        .iter()
        .filter_map(|r| {
            if let Requirement::Pypi(p) = r {
                Some(ResolvedPypi::new(p, file.dir()))
            } else {
                None
            }
        })
        .collect();
    let missing: Vec<Diagnostic> = pypi
        .iter()
        .filter_map(|p| {
            let abs = p.abs_path.as_ref()?;
            let written = p.req.path.as_ref()?;
            (!abs.join("pyproject.toml").is_file() && !abs.join("setup.py").is_file()).then(|| {
                Diagnostic::new(
                    written.span,
                    format!("PyPI requirement `{}` points at {}, which is not a Python project (no pyproject.toml or setup.py).", p.req.name.value, abs.display()),
                )
                .underline(&written.value)
                .help("Relative paths are resolved against the folder of spec.yaml; fix the path.")
            })
        })
        .collect();
    if !missing.is_empty() {
        return Err(file.render(&missing));
    }
    let out = out_dir(root, config, target, &spec.id.value, explicit_out);
    Ok(TargetState {
        target: target.clone(),
        file,
        spec,
        pypi,
        out_dir: out,
        results: Default::default(),
        workflow: Default::default(),
        fingerprint: Default::default(),
    })
}

/// One way a workspace on disk differs from what its spec produces.
#[derive(Debug, PartialEq, Eq)]
pub enum Difference {
    Missing(String),
    Changed(String),
    Extra(String),
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Difference::Missing(p) => write!(f, "missing  {p}"),
            Difference::Changed(p) => write!(f, "stale    {p}"),
            Difference::Extra(p) => write!(f, "extra    {p}"),
        }
    }
}

/// Compares `dir` with `files` (ignoring pixi's own `.pixi/` and `__pycache__`).
pub fn diff_tree(dir: &Path, files: &BTreeMap<String, Vec<u8>>) -> Vec<Difference> {
    let mut diffs = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    if dir.is_dir() {
        let walker = walkdir::WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0 || !matches!(e.file_name().to_str(), Some(".pixi" | "__pycache__"))
            });
        for entry in walker
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
        {
            let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            match files.get(&rel) {
                None => diffs.push(Difference::Extra(rel.clone())),
                Some(want)
                    if std::fs::read(entry.path()).ok().as_deref() != Some(want.as_slice()) =>
                {
                    diffs.push(Difference::Changed(rel.clone()))
                }
                Some(_) => {}
            }
            seen.insert(rel);
        }
    }
    for name in files.keys() {
        if !seen.contains(name) {
            diffs.push(Difference::Missing(name.clone()));
        }
    }
    diffs
}
