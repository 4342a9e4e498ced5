//! The dependencies of a library that only its build backend knows, read from the METADATA of
//! a wheel built with uv, as pixi does for such sources: a `path:` library whose pyproject.toml
//! does not list them (they are `dynamic`, or there is no `[project]` table), and a `git`
//! source at its locked commit.
//!
//! The build runs on a copy of the library (without build or tool junk, see
//! [`crate::digest::ignored`]): backends write into the folder they build (setuptools leaves
//! `build/` and `*.egg-info`), and the user's source tree is not wt's to write into.

use super::core_metadata::{self, CoreMetadata};
use super::git_source::GitPin;
use super::tools::Tools;
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;
use walkdir::WalkDir;

/// Builds the library at `dir` into a wheel with uv, on `interpreter`, and returns what its
/// METADATA says.
pub fn built(tools: &Tools, cache: &Path, interpreter: &Path, dir: &Path) -> Result<CoreMetadata> {
    let scratch = tempfile::tempdir().context("could not create a temporary folder")?;
    let source = scratch.path().join("source");
    copy_source(dir, &source)?;
    let text = wheel_metadata(
        tools,
        cache,
        interpreter,
        &source,
        &dir.display().to_string(),
    )?;
    CoreMetadata::parse(&text, false)
        .with_context(|| {
            format!(
                "the METADATA of a build of {} cannot be read",
                dir.display()
            )
        })?
        .context("a wheel's METADATA vouches for its fields")
}

/// The METADATA text of a git source at its commit: the commit is fetched alone (the whole
/// history when the server refuses that) into a scratch repository with the `git` program, as
/// uv does, and built like a `path:` library.
pub fn git_built(tools: &Tools, cache: &Path, interpreter: &Path, pin: &GitPin) -> Result<String> {
    let scratch = tempfile::tempdir().context("could not create a temporary folder")?;
    let repo = scratch.path().join("repo");
    let git = |args: &[&str]| -> Result<()> {
        let out = Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .output()
            .context("could not run git (it reads git sources)")?;
        if !out.status.success() {
            bail!(
                "git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim_end()
            );
        }
        Ok(())
    };
    std::fs::create_dir_all(&repo)?;
    git(&["init", "--quiet"])?;
    git(&["remote", "add", "origin", &pin.repository])?;
    if git(&["fetch", "--quiet", "--depth", "1", "origin", &pin.commit]).is_err() {
        git(&["fetch", "--quiet", "origin"])?;
    }
    git(&["checkout", "--quiet", &pin.commit])?;
    let dir = match &pin.subdirectory {
        Some(sub) => repo.join(sub),
        None => repo.clone(),
    };
    wheel_metadata(tools, cache, interpreter, &dir, &pin.install_url())
}

/// Builds `source` into a wheel and returns its METADATA text; `shown` names it in errors.
fn wheel_metadata(
    tools: &Tools,
    cache: &Path,
    interpreter: &Path,
    source: &Path,
    shown: &str,
) -> Result<String> {
    let scratch = tempfile::tempdir().context("could not create a temporary folder")?;
    let wheels = scratch.path().join("wheels");
    let mut cmd = tools.uv(cache);
    cmd.args(["build", "--wheel", "--quiet", "--python"])
        .arg(interpreter)
        .arg("--out-dir")
        .arg(&wheels)
        .arg(source);
    let out = cmd.output().context("could not run uv")?;
    if !out.status.success() {
        bail!(
            "building {shown} to read its dependencies failed:\n{}",
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    let wheel = std::fs::read_dir(&wheels)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .with_context(|| format!("building {shown} gave no wheel"))?;
    core_metadata::wheel_file_text(&wheel)
}

/// Copies the source tree at `from` to `to`, leaving out build and tool junk; symbolic links
/// stay links.
fn copy_source(from: &Path, to: &Path) -> Result<()> {
    let walker = WalkDir::new(from).into_iter().filter_entry(|e| {
        e.depth() == 0 || !crate::digest::ignored(&e.file_name().to_string_lossy())
    });
    for entry in walker {
        let entry = entry.with_context(|| format!("could not read {}", from.display()))?;
        let rel = entry.path().strip_prefix(from).unwrap_or(entry.path());
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target)
                .with_context(|| format!("could not create {}", target.display()))?;
        } else if entry.file_type().is_file() {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("could not copy {}", entry.path().display()))?;
        } else if entry.file_type().is_symlink() {
            let link = std::fs::read_link(entry.path())?;
            std::os::unix::fs::symlink(&link, &target)
                .with_context(|| format!("could not copy {}", entry.path().display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_leaves_build_junk_behind() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("lib");
        for file in [
            "pyproject.toml",
            "pkg/__init__.py",
            "build/lib/pkg/__init__.py",
            "pkg.egg-info/PKG-INFO",
            "pkg/__pycache__/x.pyc",
        ] {
            let path = lib.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, file).unwrap();
        }
        let copy = dir.path().join("copy");
        copy_source(&lib, &copy).unwrap();
        let mut found: Vec<String> = WalkDir::new(&copy)
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_file())
            .map(|e| e.path().strip_prefix(&copy).unwrap().display().to_string())
            .collect();
        found.sort();
        assert_eq!(found, ["pkg/__init__.py", "pyproject.toml"]);
        assert_eq!(
            std::fs::read_to_string(copy.join("pkg/__init__.py")).unwrap(),
            "pkg/__init__.py"
        );
    }
}
