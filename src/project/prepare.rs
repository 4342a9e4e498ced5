//! A target's build state before any step ran: its spec read and parsed, its `path:` PyPI
//! libraries checked, and where its workspace goes.

use crate::compile::{DEFAULT_PREFIX, release_name};
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::env::pypi::ResolvedPypi;
use crate::label::Target;
use crate::load::SpecFile;
use crate::spec::model::Requirement;
use crate::steps::TargetState;
use std::path::{Path, PathBuf};

/// Where a target's workspace goes: `--out`, else `<root>/<out-dir>/<label path>/<release>`
/// when wt.toml sets `build.out-dir`, else next to the spec.
fn out_dir(
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
        warnings: Default::default(),
    })
}
