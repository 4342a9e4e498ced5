//! Compiling a workflow into its standalone workspace folder.
//!
//! The output folder is replaced as a whole: files are written to a sibling temp folder which
//! is then swapped in, so an interrupted compile never leaves a half-written workspace, and a
//! compile whose output is byte-identical to what is on disk touches nothing.

use crate::codegen::{CodegenInput, Dependencies, DockerContext};
use crate::env::pypi::ResolvedPypi;
use crate::env::runtime;
use crate::fingerprint::{Fingerprint, fingerprint};
use crate::spec::model::Requirement;
use crate::spec::resolved::Workflow;
use anyhow::{Context, Result};
use indexmap::IndexMap;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Default prefix of release names.
pub const DEFAULT_PREFIX: &str = "wt";

/// `wt-<id with hyphens>-workflow`.
pub fn release_name(prefix: &str, id: &str) -> String {
    format!("{prefix}-{}-workflow", id.replace('_', "-"))
}

/// Where `wt compile` writes by default: next to the spec.
pub fn default_out_dir(spec_dir: &Path, release: &str) -> PathBuf {
    spec_dir.join(release)
}

/// A workflow's generated files, ready to be written.
pub struct Compiled {
    pub release: String,
    pub package: String,
    pub fingerprint: Fingerprint,
    pub files: BTreeMap<String, String>,
    pub params: serde_json::Value,
    pub rjsf: serde_json::Value,
}

/// Generates every file of the workspace that will live in `out_dir`. `pypi` are the spec's
/// PyPI requirements resolved against its folder (their paths are written relative to
/// `out_dir`, so the output does not depend on where the repository is checked out).
pub fn generate(
    wf: &Workflow,
    pypi: &[ResolvedPypi],
    out_dir: &Path,
    platforms: &[&str],
) -> Result<Compiled> {
    let release = release_name(DEFAULT_PREFIX, &wf.spec.id.value);
    let package = release.replace('-', "_");
    let params = crate::schema::params_schema(wf);
    let rjsf = crate::schema::rjsf_schema(wf);
    for (name, doc) in [("params.json", &params), ("rjsf.json", &rjsf)] {
        let problems = crate::schema::check_schema(doc);
        if let Some(first) = problems.first() {
            anyhow::bail!(
                "the generated {name} is not a valid JSON Schema ({} problem(s); first: {} at {:?}).\n  = help: a task's registry schema is malformed; check its type annotations",
                problems.len(),
                first.message,
                first.path
            );
        }
    }
    let fp = fingerprint(wf);
    let mut fingerprint_fields = IndexMap::new();
    fingerprint_fields.insert("structural".to_string(), fp.structural.clone());
    fingerprint_fields.insert("cosmetic".to_string(), fp.cosmetic.clone());
    fingerprint_fields.insert(
        "wt_version".to_string(),
        env!("CARGO_PKG_VERSION").to_string(),
    );
    let dependencies = dependencies(wf, pypi, out_dir, platforms);
    let files = crate::codegen::generate(&CodegenInput {
        workflow: wf,
        release_name: &release,
        package_name: &package,
        params_json: &params,
        rjsf_json: &rjsf,
        fingerprint: &fingerprint_fields,
        results_env_var: crate::env_vars::RESULTS,
        dependencies: &dependencies,
    })
    .map_err(|e| anyhow::anyhow!("code generation failed: {e}"))?;
    Ok(Compiled {
        release,
        package,
        fingerprint: fp,
        files,
        params,
        rjsf,
    })
}

/// The pixi.toml dependency tables: the spec's requirements, then wt's runtime packages
/// (a spec requirement of the same name wins).
fn dependencies(
    wf: &Workflow,
    pypi: &[ResolvedPypi],
    out_dir: &Path,
    platforms: &[&str],
) -> Dependencies {
    let declared: Vec<&str> = wf
        .spec
        .requirements
        .iter()
        .map(|r| r.name().value.as_str())
        .collect();
    // A channel of conda.anaconda.org by its name, as pixi.toml usually names them; any other
    // by its URL.
    let pixi_name = |ch: &crate::spec::model::Channel| {
        if ch.base_url == format!("https://conda.anaconda.org/{}/", ch.name) {
            ch.name.clone()
        } else {
            ch.base_url.clone()
        }
    };
    let channels: Vec<String> = runtime::channels(&wf.spec.requirements)
        .iter()
        .map(pixi_name)
        .collect();
    let mut conda = Vec::new();
    for r in &wf.spec.requirements {
        if let Requirement::Conda(c) = r {
            let mut t = toml::map::Map::new();
            t.insert("version".into(), toml::Value::String(c.version.clone()));
            t.insert(
                "channel".into(),
                toml::Value::String(pixi_name(&c.channel.value)),
            );
            conda.push((c.name.value.clone(), toml::Value::Table(t)));
        }
    }
    for (name, version) in runtime::PIXI_CONDA {
        if !declared.contains(name) {
            conda.push((name.to_string(), toml::Value::String(version.to_string())));
        }
    }
    let mut pypi_deps: Vec<(String, toml::Value)> = pypi
        .iter()
        .map(|p| (p.req.name.value.clone(), p.pixi_value(out_dir)))
        .collect();
    for (name, version) in runtime::PYPI {
        if !declared.contains(name) {
            pypi_deps.push((name.to_string(), toml::Value::String(version.to_string())));
        }
    }
    Dependencies {
        docker: docker_context(out_dir, pypi),
        channels,
        // The lock's platforms, in the published order.
        platforms: crate::config::PLATFORMS
            .iter()
            .filter(|p| platforms.contains(p))
            .map(|p| p.to_string())
            .collect(),
        conda,
        pypi: pypi_deps,
    }
}

/// The folder `docker build` must be given: the deepest one holding the workspace and every
/// `path:` library, with each of them relative to it (see [`DockerContext`]). Computed from
/// relative positions only, so it is the same in every checkout location.
fn docker_context(out_dir: &Path, pypi: &[ResolvedPypi]) -> DockerContext {
    let workspace = crate::workspace::normalize(out_dir);
    let libraries: Vec<PathBuf> = pypi
        .iter()
        .filter_map(|p| p.abs_path.clone())
        .filter(|lib| !lib.starts_with(&workspace))
        .collect();
    let mut context = workspace.clone();
    for lib in &libraries {
        while !lib.starts_with(&context) {
            if !context.pop() {
                break;
            }
        }
    }
    let mut libraries: Vec<String> = libraries
        .iter()
        .map(|lib| crate::env::pypi::relative_path(&context, lib))
        .collect();
    libraries.sort();
    libraries.dedup();
    DockerContext {
        context: crate::env::pypi::relative_path(&workspace, &context),
        workspace: crate::env::pypi::relative_path(&context, &workspace),
        libraries,
    }
}

/// What writing the workspace did.
#[derive(Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    Unchanged,
    Written,
}

/// Makes `out_dir` hold exactly `files` (pixi's `.pixi/` and `__pycache__` aside): nothing is
/// written when it already does; an existing folder gets the files that differ, each replaced
/// atomically; a new one is written beside and renamed into place. pixi's installed
/// environments (`.pixi/`) are kept.
pub fn write_tree(out_dir: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<WriteOutcome> {
    if out_dir.is_dir() {
        let diffs = diff_tree(out_dir, files);
        if diffs.is_empty() {
            return Ok(WriteOutcome::Unchanged);
        }
        if update_in_place(out_dir, files, &diffs).is_ok() {
            return Ok(WriteOutcome::Written);
        }
    }
    replace_tree(out_dir, files)
}

/// Brings an existing workspace up to date by writing only the files that differ, each one
/// atomically (a temporary file renamed over it), and removing those no longer produced. An
/// edit changes a few files of a workspace, and rewriting all of them costs ten times the
/// file-system operations. A write interrupted half-way leaves every file whole (old or new)
/// and no stamp, so the next build compares the folder and finishes it. Anything unexpected
/// (a folder where a file goes) makes the caller replace the whole tree instead.
fn update_in_place(
    out_dir: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    diffs: &[Difference],
) -> std::io::Result<()> {
    for diff in diffs {
        match diff {
            Difference::Missing(rel) | Difference::Changed(rel) => {
                crate::workspace::write_atomically(&out_dir.join(rel), &files[rel])?;
            }
            Difference::Extra(rel) => {
                let path = out_dir.join(rel);
                std::fs::remove_file(&path)?;
                // Folders left empty go too (`remove_dir` fails on the first that is not).
                for dir in path.ancestors().skip(1) {
                    if dir == out_dir || std::fs::remove_dir(dir).is_err() {
                        break;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Writes the workspace into a new folder that then takes the old one's place (keeping
/// pixi's installed environment, `.pixi`).
fn replace_tree(out_dir: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<WriteOutcome> {
    let parent = out_dir.parent().context("output folder has no parent")?;
    std::fs::create_dir_all(parent)
        .with_context(|| format!("could not create {}", parent.display()))?;
    let name = out_dir
        .file_name()
        .context("output folder has no name")?
        .to_string_lossy();
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    for (rel, content) in files {
        let path = tmp.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::write(&path, content)
            .with_context(|| format!("could not write {}", path.display()))?;
    }
    let installed = out_dir.join(".pixi");
    if installed.exists() {
        std::fs::rename(&installed, tmp.join(".pixi"))?;
    }
    if out_dir.exists() {
        std::fs::rename(out_dir, &old)
            .with_context(|| format!("could not move aside {}", out_dir.display()))?;
    }
    std::fs::rename(&tmp, out_dir)
        .with_context(|| format!("could not move {} into place", out_dir.display()))?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(WriteOutcome::Written)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::{PypiRequirement, Spanned};

    fn library(at: &str) -> ResolvedPypi {
        let nowhere = crate::yaml::Span::default();
        let req = PypiRequirement {
            name: Spanned::new("lib".to_string(), nowhere),
            git: None,
            rev: None,
            branch: None,
            tag: None,
            path: Some(Spanned::new(at.to_string(), nowhere)),
            editable: None,
            url: None,
            subdirectory: None,
            extras: Vec::new(),
            version: None,
            span: nowhere,
        };
        ResolvedPypi::new(&req, Path::new("/repo/workflows/a"))
    }

    #[test]
    fn the_docker_context_holds_the_workspace_and_its_libraries() {
        let ws = Path::new("/repo/workflows/a/wt-a-workflow");
        assert_eq!(docker_context(ws, &[]), DockerContext::default());
        // A library inside the workspace needs no wider context.
        assert_eq!(
            docker_context(ws, &[library("wt-a-workflow/vendored")]),
            DockerContext::default()
        );
        let got = docker_context(ws, &[library("../../libs/x"), library("../y")]);
        assert_eq!(got.context, "../../..");
        assert_eq!(got.workspace, "workflows/a/wt-a-workflow");
        assert_eq!(got.libraries, ["libs/x", "workflows/y"]);
    }

    /// An existing workspace gets only what differs: stale and missing files written, files no
    /// longer produced removed (with the folders they leave empty), the rest untouched, and
    /// pixi's environment kept.
    #[test]
    fn an_existing_workspace_is_updated_in_place() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("ws");
        let files = |pairs: &[(&str, &str)]| -> BTreeMap<String, Vec<u8>> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
                .collect()
        };
        let first = files(&[("README.md", "a"), ("pkg/dag.py", "b"), ("old/x.py", "c")]);
        assert_eq!(write_tree(&out, &first).unwrap(), WriteOutcome::Written);
        std::fs::create_dir_all(out.join(".pixi/envs")).unwrap();
        let inode = |rel: &str| std::fs::metadata(out.join(rel)).unwrap().ino();
        let kept = inode("README.md");

        let second = files(&[("README.md", "a"), ("pkg/dag.py", "B"), ("pkg/new.py", "d")]);
        assert_eq!(write_tree(&out, &second).unwrap(), WriteOutcome::Written);
        assert!(diff_tree(&out, &second).is_empty());
        assert_eq!(inode("README.md"), kept, "an unchanged file was rewritten");
        assert!(!out.join("old").exists());
        assert!(out.join(".pixi/envs").is_dir());
        let leftovers: Vec<_> = std::fs::read_dir(out.join("pkg"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n.to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        assert_eq!(write_tree(&out, &second).unwrap(), WriteOutcome::Unchanged);

        // A folder where a file goes: the whole tree is replaced instead.
        std::fs::remove_file(out.join("README.md")).unwrap();
        std::fs::create_dir_all(out.join("README.md/x")).unwrap();
        assert_eq!(write_tree(&out, &second).unwrap(), WriteOutcome::Written);
        assert!(diff_tree(&out, &second).is_empty());
        assert!(out.join(".pixi/envs").is_dir());
    }
}
