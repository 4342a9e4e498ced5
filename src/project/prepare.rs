//! A target's build state before any step ran: its spec read and parsed, its `path:` PyPI
//! libraries checked, and where its workspace goes.

use crate::compile::{DEFAULT_PREFIX, release_name};
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::env::pypi::ResolvedPypi;
use crate::label::Target;
use crate::load::SpecFile;
use crate::spec::model::{Requirement, SpecHead};
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

/// Reads a target's spec and finds its head (id and requirements): from the memo of an
/// earlier build of the same text, else by parsing it. Errors come back rendered with their
/// locations.
pub fn prepare(
    root: &Path,
    cache: &Path,
    config: &Config,
    target: &Target,
    explicit_out: Option<&Path>,
) -> Result<TargetState, String> {
    let file = SpecFile::read(&target.spec).map_err(|e| e.to_string())?;
    let memo = head_memo(cache, &file.text);
    let remembered = crate::workspace::read_memo::<SpecHead>(&memo);
    let parsed = std::sync::OnceLock::new();
    let head = match remembered {
        Some(head) => head,
        None => {
            let spec = crate::spec::parse::parse_spec(&file.text).map_err(|d| file.render(&d))?;
            let head = spec.head();
            if let Ok(bytes) = serde_json::to_vec(&head) {
                crate::workspace::write_memo(&memo, &bytes);
            }
            let _ = parsed.set(spec);
            head
        }
    };
    let pypi: Vec<ResolvedPypi> = head
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
    let out = out_dir(root, config, target, &head.id.value, explicit_out);
    Ok(TargetState {
        target: target.clone(),
        file,
        head,
        parsed,
        pypi,
        out_dir: out,
        results: Default::default(),
        workflow: Default::default(),
        fingerprint: Default::default(),
        warnings: Default::default(),
    })
}

/// Where the head of a spec of this text is remembered: keyed by the text and by wt's own
/// sources (a wt that parses differently never reads an older one's memo). Only specs that
/// parsed are remembered.
fn head_memo(cache: &Path, text: &str) -> PathBuf {
    let key = crate::digest::bytes(
        format!(
            "spec-head-v1\n{}\n{text}",
            crate::engine::rules::SOURCE_DIGEST
        )
        .as_bytes(),
    );
    crate::cache::Layout(cache)
        .memo()
        .join(format!("head-{}.json", &key[..32]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The second preparation of an unchanged spec takes its head from the memo and parses
    /// nothing; the spec it parses when asked is the one the first preparation parsed.
    #[test]
    fn an_unchanged_spec_is_not_parsed_again() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        let lib = root.join("lib");
        std::fs::create_dir_all(&lib).unwrap();
        std::fs::write(lib.join("pyproject.toml"), "[project]\nname = \"lib\"\n").unwrap();
        let spec = root.join("wf/spec.yaml");
        std::fs::create_dir_all(spec.parent().unwrap()).unwrap();
        std::fs::write(
            &spec,
            "id: wf\nrequirements:\n  - name: lib\n    path: ../lib\nworkflow:\n  - id: a\n    task: t\n    partial:\n      x: 0.1\n",
        )
        .unwrap();
        let target = Target {
            label: "//wf".into(),
            spec,
        };
        let cache = dir.path().join("cache");
        let prepare = || prepare(&root, &cache, &Config::default(), &target, None).unwrap();
        let first = prepare();
        assert!(first.parsed.get().is_some());
        let second = prepare();
        assert!(second.parsed.get().is_none(), "parsed again");
        assert_eq!(second.head, first.head);
        assert_eq!(second.pypi.len(), 1);
        assert_eq!(second.spec(), first.spec());
    }
}
