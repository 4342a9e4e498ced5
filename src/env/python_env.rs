//! Isolated Python environments built with uv, keyed by what goes into them.
//!
//! An environment is created once per distinct set of requirements (plus the digests of
//! `path:` source trees and the interpreter version) under `<cache>/envs/<key>` and reused
//! afterwards. Creation happens under a file lock, and a `.complete` marker is written last, so
//! concurrent wt processes share one environment and an interrupted creation is redone rather
//! than trusted. (Virtual environments hold absolute paths, so they are built in place rather
//! than in a temp folder and renamed.)

use super::pypi::ResolvedPypi;
use super::runtime;
use super::tools::Tools;
use crate::spec::model::CondaRequirement;
use anyhow::{Context, Result, bail};
use std::fs::{self, File};
use std::path::{Path, PathBuf};

/// A ready environment.
#[derive(Debug, Clone)]
pub struct PythonEnv {
    pub dir: PathBuf,
    pub key: String,
}

impl PythonEnv {
    pub fn bin(&self, name: &str) -> PathBuf {
        self.dir.join("bin").join(name)
    }

    pub fn python(&self) -> PathBuf {
        self.bin("python")
    }
}

/// What an environment is made of.
pub struct EnvRequest<'a> {
    pub pypi: &'a [ResolvedPypi],
    /// Installed from PyPI under the same name until conda solving is available.
    pub conda: &'a [CondaRequirement],
}

impl EnvRequest<'_> {
    /// The cache key: interpreter version, wt's runtime packages, every requirement and the
    /// digest of every `path:` source tree.
    pub fn key(&self, python_version: &str) -> Result<String> {
        let mut h = blake3::Hasher::new();
        h.update(b"wt-env-v1\n");
        h.update(python_version.as_bytes());
        for (n, v) in runtime::PYPI {
            h.update(format!("\nruntime {n}{v}").as_bytes());
        }
        for c in self.conda {
            h.update(format!("\nconda {} {}", c.name.value, c.version).as_bytes());
        }
        for p in self.pypi {
            h.update(format!("\npypi {}", p.key_text()).as_bytes());
            if let Some(path) = &p.abs_path {
                let digest = crate::digest::tree(path).with_context(|| {
                    format!(
                        "could not read the source of PyPI requirement `{}` at {}",
                        p.req.name.value,
                        path.display()
                    )
                })?;
                h.update(format!(" tree={digest}").as_bytes());
            }
        }
        Ok(h.finalize().to_hex()[..32].to_string())
    }

    fn install_args(&self) -> Vec<String> {
        let mut args: Vec<String> = runtime::PYPI
            .iter()
            .map(|(n, v)| format!("{n}{v}"))
            .collect();
        for c in self.conda {
            args.push(format!(
                "{}{}",
                c.name.value,
                conda_version_as_pep440(&c.version)
            ));
        }
        for p in self.pypi {
            args.extend(p.uv_args());
        }
        args
    }
}

/// Returns the environment for `request`, creating it if needed.
pub fn ensure(tools: &Tools, cache: &Path, request: &EnvRequest) -> Result<PythonEnv> {
    let python_version = tools.python_version()?;
    let key = request.key(&python_version)?;
    let envs = cache.join("envs");
    fs::create_dir_all(&envs).with_context(|| format!("could not create {}", envs.display()))?;
    let dir = envs.join(&key);
    let env = PythonEnv {
        dir: dir.clone(),
        key,
    };
    let marker = dir.join(".complete");
    if marker.is_file() {
        return Ok(env);
    }
    let lock = File::create(envs.join(format!("{}.lock", env.key)))?;
    lock.lock()
        .context("could not lock the environment folder")?;
    if marker.is_file() {
        return Ok(env);
    }
    if dir.exists() {
        fs::remove_dir_all(&dir).with_context(|| {
            format!(
                "could not remove the unfinished environment {}",
                dir.display()
            )
        })?;
    }
    let out = tools
        .uv(cache)
        .args(["venv", "--quiet", "--seed", "--python", &tools.python])
        .arg(&dir)
        .output()
        .context("could not run uv")?;
    if !out.status.success() {
        bail!(
            "uv could not create a virtual environment:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut cmd = tools.uv(cache);
    cmd.args(["pip", "install", "--quiet", "--python"])
        .arg(env.python());
    for p in request.pypi.iter().filter(|p| p.abs_path.is_some()) {
        // uv caches builds of local folders by pyproject mtime; force a rebuild from source.
        cmd.args([
            "--reinstall-package",
            &p.req.name.value,
            "--refresh-package",
            &p.req.name.value,
        ]);
    }
    cmd.args(request.install_args());
    let out = cmd.output().context("could not run uv")?;
    if !out.status.success() {
        let _ = fs::remove_dir_all(&dir);
        let names: Vec<String> = request
            .pypi
            .iter()
            .map(|p| p.req.name.value.clone())
            .collect();
        bail!(
            "installing the workflow's requirements failed ({}):\n{}\n  = help: check the requirement names, versions and paths in spec.yaml",
            names.join(", "),
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    fs::write(&marker, b"")?;
    Ok(env)
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
