//! The PyPI half of the lock: uv resolves the workflow's PyPI requirements once per platform
//! into PEP 751 form (`pylock.toml`), which names the one file of each package that platform
//! installs, with its URL and sha256.
//!
//! Resolving per platform (rather than once, universally, with markers) gives exactly the
//! per-platform package lists the lock stores, with no marker evaluation on wt's side.

use super::git_source::GitPin;
use super::tools::Tools;
use anyhow::{Context, Result, bail};
use rattler_conda_types::Subdir;
use serde::Deserialize;
use std::path::Path;

/// One pinned PyPI distribution.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PypiPin {
    pub name: String,
    pub version: String,
    /// Where the file comes from: a wheel or sdist URL, or a git source at a commit (uv's
    /// spelling from [`resolve`]; pixi.lock's once the solve knows the spec's reference, see
    /// [`super::git_source`]).
    pub url: String,
    pub sha256: Option<String>,
}

impl PypiPin {
    /// The line that installs exactly this file with `uv pip install --no-deps`.
    pub fn install_line(&self) -> String {
        match (&self.sha256, GitPin::parse(&self.url)) {
            (Some(h), _) => format!("{} @ {} --hash=sha256:{h}", self.name, self.url),
            (None, Some(git)) => format!("{} @ {}", self.name, git.install_url()),
            (None, None) => format!("{} @ {}", self.name, self.url),
        }
    }

    /// What the file's metadata is known by: its sha256, or for a git source (no file to
    /// hash) its URL, which names a commit.
    pub fn metadata_key(&self) -> &str {
        self.sha256.as_deref().unwrap_or(&self.url)
    }
}

/// What to resolve.
pub struct PypiRequest<'a> {
    /// `requirements.in` lines.
    pub lines: &'a [String],
    /// Local projects: resolved (their dependencies are pinned) but not emitted.
    pub local: &'a [String],
    /// The interpreter uv runs on (it may differ from the one resolved for, below).
    pub interpreter: &'a Path,
    /// The version of the interpreter the environment runs (the lock's conda `python`).
    pub python_version: &'a str,
    /// Re-read the local projects' metadata instead of trusting uv's cache of it. The first
    /// platform's resolution does; the others, run after it, reuse what it cached.
    pub refresh_local: bool,
    /// Exact versions to keep (an environment resolved within its solve group's pins).
    pub constraints: &'a [PypiPin],
}

/// Resolves `req` for `platform`, preferring the versions in `preferences` (an earlier lock).
/// An error carries uv's own explanation.
pub fn resolve(
    tools: &Tools,
    cache: &Path,
    req: &PypiRequest,
    platform: Subdir,
    preferences: &[PypiPin],
) -> Result<Vec<PypiPin>> {
    let dir = tempfile::tempdir().context("could not create a temporary folder")?;
    let input = dir.path().join("requirements.in");
    std::fs::write(&input, req.lines.join("\n") + "\n")?;
    // uv reads an existing output file as the pins to keep.
    let output = dir.path().join("pylock.wt.toml");
    if !preferences.is_empty() {
        std::fs::write(&output, preferences_document(preferences))?;
    }
    let mut cmd = tools.uv(cache);
    cmd.args(["pip", "compile"]);
    let pinned: Vec<String> = req
        .constraints
        .iter()
        .filter(|p| !p.url.starts_with("git+") && !p.version.is_empty())
        .map(|p| format!("{}=={}", p.name, p.version))
        .collect();
    if !pinned.is_empty() {
        let constraints = dir.path().join("constraints.txt");
        std::fs::write(&constraints, pinned.join("\n") + "\n")?;
        cmd.arg("--constraint").arg(&constraints);
    }
    cmd.args(["--quiet", "--no-header", "--python"])
        .arg(req.interpreter)
        .args(["--python-version", req.python_version])
        .args([
            "--python-platform",
            super::pypi_platform::uv_target(platform),
        ])
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .current_dir(dir.path());
    for name in req.local {
        // Leave local projects out of the output.
        cmd.args(["--no-emit-package", name]);
        if req.refresh_local && !tools.offline {
            cmd.args(["--refresh-package", name]);
        }
    }
    let out = cmd.output().context("could not run uv")?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stderr).trim_end());
    }
    let text = std::fs::read_to_string(&output).context("uv wrote no pylock.toml")?;
    parse_pylock(&text)
}

#[derive(Deserialize)]
struct Pylock {
    #[serde(default)]
    packages: Vec<PylockPackage>,
}

#[derive(Deserialize)]
struct PylockPackage {
    name: String,
    version: Option<String>,
    #[serde(default)]
    wheels: Vec<PylockFile>,
    sdist: Option<PylockFile>,
    archive: Option<PylockFile>,
    vcs: Option<PylockVcs>,
}

#[derive(Deserialize)]
struct PylockFile {
    url: Option<String>,
    #[serde(default)]
    hashes: std::collections::BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct PylockVcs {
    url: Option<String>,
    #[serde(rename = "commit-id")]
    commit_id: Option<String>,
    subdirectory: Option<String>,
}

/// The pins of a PEP 751 lock, sorted by name.
pub fn parse_pylock(text: &str) -> Result<Vec<PypiPin>> {
    let lock: Pylock = toml::from_str(text).context("uv wrote a pylock.toml wt cannot read")?;
    let mut pins = Vec::new();
    for p in lock.packages {
        let version = p.version.clone().unwrap_or_default();
        let file = p.wheels.into_iter().next().or(p.sdist).or(p.archive);
        let (url, sha256) = match (file, p.vcs) {
            (Some(f), _) if f.url.is_some() => {
                (f.url.unwrap_or_default(), f.hashes.get("sha256").cloned())
            }
            (_, Some(v)) => (
                GitPin {
                    repository: v.url.unwrap_or_default(),
                    commit: v.commit_id.unwrap_or_default(),
                    subdirectory: v.subdirectory,
                }
                .install_url(),
                None,
            ),
            _ => bail!("uv's lock gives no file for `{}`", p.name),
        };
        pins.push(PypiPin {
            name: p.name,
            version,
            url,
            sha256,
        });
    }
    pins.sort();
    Ok(pins)
}

/// A minimal PEP 751 document holding `pins`, for uv to read as preferences. uv takes only
/// the versions from it (and requires every file to carry a hash), so pins without a hash, such
/// as git sources, are left out.
fn preferences_document(pins: &[PypiPin]) -> String {
    let mut out = String::from("lock-version = \"1.0\"\ncreated-by = \"wt\"\n");
    for p in pins {
        let Some(sha) = &p.sha256 else { continue };
        let hashes = format!(", hashes = {{ sha256 = {} }}", toml_str(sha));
        let kind = if p.url.ends_with(".whl") {
            format!("wheels = [{{ url = {}{hashes} }}]", toml_str(&p.url))
        } else {
            format!("sdist = {{ url = {}{hashes} }}", toml_str(&p.url))
        };
        out.push_str(&format!(
            "\n[[packages]]\nname = {}\nversion = {}\n{kind}\n",
            toml_str(&p.name),
            toml_str(&p.version)
        ));
    }
    out
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wheels_sdists_and_git() {
        let text = r#"
lock-version = "1.0"
created-by = "uv"
[[packages]]
name = "zeta"
version = "1.0"
sdist = { url = "https://x/zeta-1.0.tar.gz", hashes = { sha256 = "bb" } }
[[packages]]
name = "alpha"
version = "2.0"
wheels = [{ url = "https://x/alpha-2.0-py3-none-any.whl", hashes = { sha256 = "aa" } }]
[[packages]]
name = "lib"
version = "0.1"
vcs = { type = "git", url = "https://g/lib", commit-id = "abc" }
"#;
        let pins = parse_pylock(text).unwrap();
        let names: Vec<&str> = pins.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["alpha", "lib", "zeta"]);
        assert_eq!(
            pins[0].install_line(),
            "alpha @ https://x/alpha-2.0-py3-none-any.whl --hash=sha256:aa"
        );
        assert_eq!(pins[1].url, "git+https://g/lib@abc");
        // The preferences document reads back as the same pins (git ones are left out).
        let back = parse_pylock(&preferences_document(&pins)).unwrap();
        assert_eq!(back, vec![pins[0].clone(), pins[2].clone()]);
    }
}
