//! Python environments built from a lock, keyed by what goes into them.
//!
//! An environment is created once per distinct key (the lock, and how its `path:` libraries are
//! installed: [`crate::steps::discover::environment_key`]) under `<cache>/envs/<key>` and
//! reused afterwards: the caller installs the locked conda
//! packages, Python among them, then the PyPI files into that Python. Creation happens under a
//! file lock, and a `.complete` marker is written last, so concurrent wt processes share one
//! environment and an interrupted creation is redone rather than trusted. (Environments hold
//! absolute paths, so they are built in place rather than in a temp folder and renamed.) A
//! [`PythonEnv`] holds a shared lock on its environment and every use sets the marker's mtime,
//! which is how `wt cache gc` knows what is in use and what was used least recently
//! ([`crate::cache::FileLock`]).

use super::pypi::ResolvedPypi;
use crate::cache::FileLock;
use anyhow::{Context, Result, bail};
use std::fs;
use std::path::{Path, PathBuf};

/// The file whose presence says an environment is complete and whose mtime says when it was
/// last used.
pub const COMPLETE_MARKER: &str = ".complete";

/// A ready environment, safe from gc while this value (or a clone of it) lives.
#[derive(Debug, Clone)]
pub struct PythonEnv {
    pub dir: PathBuf,
    pub key: String,
    pub hold: FileLock,
}

impl PythonEnv {
    pub fn bin(&self, name: &str) -> PathBuf {
        self.dir.join("bin").join(name)
    }

    pub fn python(&self) -> PathBuf {
        self.bin("python")
    }
}

/// A command running one of wt's own Python programs (`source`, embedded in the binary) with
/// `python`: the program is written as `file_name` to a scratch folder, which is also the
/// working directory, and the folder lives as long as the returned guard. `-I` (isolated)
/// ignores PYTHON* variables and the user's site-packages, which also drops
/// PYTHONDONTWRITEBYTECODE: `-B` keeps the program's own bytecode out of the folder, and
/// whatever it imports from the environment as it was built.
pub fn program_command(
    python: &Path,
    file_name: &str,
    source: &str,
) -> Result<(tempfile::TempDir, std::process::Command)> {
    let scratch = tempfile::tempdir().context("could not create a temporary folder")?;
    let program = scratch.path().join(file_name);
    fs::write(&program, source)
        .with_context(|| format!("could not write {}", program.display()))?;
    let mut cmd = std::process::Command::new(python);
    cmd.args(["-I", "-B"])
        .arg(program)
        .current_dir(scratch.path());
    Ok((scratch, cmd))
}

/// uv caches builds of local folders by their pyproject mtime; force `path:` requirements to
/// be rebuilt from their current source. (Offline, uv refuses `--refresh-package`; the
/// reinstall alone still rebuilds from the source tree.)
pub fn reinstall_path_sources(
    cmd: &mut std::process::Command,
    pypi: &[ResolvedPypi],
    offline: bool,
) {
    for p in pypi.iter().filter(|p| p.abs_path.is_some()) {
        cmd.args(["--reinstall-package", &p.req.name.value]);
        if !offline {
            cmd.args(["--refresh-package", &p.req.name.value]);
        }
    }
}

/// Runs a `uv pip install`, turning a failure into an error that names the requirements.
pub fn run_install(mut cmd: std::process::Command, pypi: &[ResolvedPypi]) -> Result<()> {
    let out = cmd.output().context("could not run uv")?;
    if !out.status.success() {
        let names: Vec<String> = pypi.iter().map(|p| p.req.name.value.clone()).collect();
        bail!(
            "installing the workflow's requirements failed ({}):\n{}\n  = help: check the requirement names, versions and paths in spec.yaml",
            names.join(", "),
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    Ok(())
}

/// Returns the environment `<cache>/envs/<key>`, creating it with `install` (into an empty
/// folder) when it is missing or unfinished.
///
/// Environments hold absolute paths (the installer writes the prefix into scripts and
/// configuration files), so one cannot be built in a temp folder and renamed into place.
/// Instead each attempt builds in a folder of its own (`<key>.<pid>.<nanos>`) and, once
/// complete, publishes it by atomically replacing the symlink `<key>` with one pointing at
/// it. A build killed part-way (whose uv child may even go on writing) therefore never touches
/// the published environment, and concurrent wt processes serialise on a file lock.
pub fn materialize(
    cache: &Path,
    key: &str,
    install: impl FnOnce(&PythonEnv) -> Result<()>,
) -> Result<PythonEnv> {
    let envs = crate::cache::Layout(cache).envs();
    fs::create_dir_all(&envs).with_context(|| format!("could not create {}", envs.display()))?;
    let link = envs.join(key);
    let lock_path = envs.join(format!("{key}.lock"));
    let lock_error = || format!("could not lock {}", lock_path.display());
    let published = |link: &Path| link.join(COMPLETE_MARKER).is_file();
    let ready = |hold: FileLock| {
        mark_used(&link);
        PythonEnv {
            dir: link.clone(),
            key: key.to_string(),
            hold,
        }
    };
    let user = FileLock::shared(&lock_path).with_context(lock_error)?;
    if published(&link) {
        return Ok(ready(user));
    }
    drop(user);
    let builder = FileLock::exclusive(&lock_path).with_context(lock_error)?;
    if published(&link) {
        return Ok(ready(builder.downgrade().with_context(lock_error)?));
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let name = format!("{key}.{}.{nanos}", std::process::id());
    let dir = envs.join(&name);
    let env = PythonEnv {
        dir: dir.clone(),
        key: key.to_string(),
        hold: builder.clone(),
    };
    fs::create_dir_all(&dir).with_context(|| format!("could not create {}", dir.display()))?;
    if let Err(e) = install(&env) {
        let _ = fs::remove_dir_all(&dir);
        return Err(e);
    }
    drop(env);
    fs::write(dir.join(COMPLETE_MARKER), b"")?;
    publish(&envs, &link, &name)?;
    Ok(ready(builder.downgrade().with_context(lock_error)?))
}

/// Records a use of the environment at `link` (the marker's mtime), for gc's LRU order. A
/// read-only cache cannot record it, which only makes the environment look older.
fn mark_used(link: &Path) {
    if let Ok(marker) = fs::File::options()
        .write(true)
        .open(link.join(COMPLETE_MARKER))
    {
        let _ = marker.set_modified(std::time::SystemTime::now());
    }
}

/// Points the symlink `link` at `target` (a name inside `envs`), atomically.
fn publish(envs: &Path, link: &Path, target: &str) -> Result<()> {
    let tmp = envs.join(format!(".{target}.link"));
    let _ = fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp).context("could not create the environment link")?;
    if link.is_dir() && !link.is_symlink() {
        fs::remove_dir_all(link)?;
    }
    fs::rename(&tmp, link).context("could not publish the environment")?;
    Ok(())
}

/// A conda version constraint in PEP 440 form: `1.2` -> `==1.2`, `1.2.*` -> `==1.2.*`,
/// `*` -> no constraint; operators pass through.
pub fn conda_version_as_pep440(v: &str) -> String {
    let v = v.trim();
    if v.is_empty() || v == "*" {
        return String::new();
    }
    v.split(',')
        .map(|part| {
            let part = part.trim();
            if part.starts_with(['<', '>', '=', '!', '~']) {
                part.to_string()
            } else {
                format!("=={part}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}
