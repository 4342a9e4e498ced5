//! PyPI requirements as uv install arguments and as pixi.toml tables.

use crate::spec::model::PypiRequirement;
use crate::workspace::normalize;
use std::path::{Path, PathBuf};

/// A PyPI requirement with its `path:` resolved against the spec's folder.
#[derive(Debug, Clone)]
pub struct ResolvedPypi {
    pub req: PypiRequirement,
    /// Absolute path of a `path:` source.
    pub abs_path: Option<PathBuf>,
}

impl ResolvedPypi {
    pub fn new(req: &PypiRequirement, spec_dir: &Path) -> ResolvedPypi {
        let abs_path = req
            .path
            .as_ref()
            .map(|p| normalize(&spec_dir.join(&p.value)));
        ResolvedPypi {
            req: req.clone(),
            abs_path,
        }
    }

    fn extras(&self) -> String {
        if self.req.extras.is_empty() {
            String::new()
        } else {
            format!("[{}]", self.req.extras.join(","))
        }
    }

    /// Whether wt's own environments install this `path:` library editable: the environment
    /// then follows the library's source, so editing a task needs no new environment. Not when
    /// the spec says `editable: false`, nor for a library that compiles code (an editable
    /// install would keep running the old build). pixi.toml keeps what the spec says.
    pub fn installs_editable(&self) -> bool {
        self.abs_path
            .as_deref()
            .is_some_and(|p| self.req.editable != Some(false) && !compiles_code(p))
    }

    /// Arguments for `uv pip install` into wt's own environments: [`Self::uv_args`], editable
    /// where [`Self::installs_editable`].
    pub fn env_uv_args(&self) -> Vec<String> {
        match &self.abs_path {
            Some(path) if self.installs_editable() => {
                vec!["-e".into(), format!("{}{}", path.display(), self.extras())]
            }
            _ => self.uv_args(),
        }
    }

    /// Arguments for `uv pip install` (docs/compatibility.md, “Requirements”).
    pub fn uv_args(&self) -> Vec<String> {
        let r = &self.req;
        let name = &r.name.value;
        if let Some(path) = &self.abs_path {
            let spec = format!("{}{}", path.display(), self.extras());
            return if r.editable == Some(true) {
                vec!["-e".into(), spec]
            } else {
                vec![spec]
            };
        }
        if let Some(git) = &r.git {
            let at = r
                .rev
                .as_ref()
                .or(r.branch.as_ref())
                .or(r.tag.as_ref())
                .map(|v| format!("@{v}"))
                .unwrap_or_default();
            let sub = r
                .subdirectory
                .as_ref()
                .map(|s| format!("#subdirectory={s}"))
                .unwrap_or_default();
            return vec![format!("{name}{} @ git+{git}{at}{sub}", self.extras())];
        }
        if let Some(url) = &r.url {
            return vec![format!("{name}{} @ {url}", self.extras())];
        }
        let version = r.version.as_deref().filter(|v| *v != "*").unwrap_or("");
        vec![format!("{name}{}{version}", self.extras())]
    }

    /// The canonical description used in cache keys: everything but the absolute path (whose
    /// content is keyed by its tree digest instead).
    pub fn key_text(&self) -> String {
        let r = &self.req;
        format!(
            "{}|git={:?}|rev={:?}|branch={:?}|tag={:?}|path={}|editable={:?}|url={:?}|sub={:?}|extras={:?}|version={:?}",
            r.name.value,
            r.git,
            r.rev,
            r.branch,
            r.tag,
            r.path.is_some(),
            r.editable,
            r.url,
            r.subdirectory,
            r.extras,
            r.version
        )
    }

    /// The `[pypi-dependencies]` value, with a `path` relative to the generated workspace.
    pub fn pixi_value(&self, workspace_dir: &Path) -> toml::Value {
        let r = &self.req;
        let mut t = toml::map::Map::new();
        fn put(t: &mut toml::map::Map<String, toml::Value>, k: &str, v: &Option<String>) {
            if let Some(v) = v {
                t.insert(k.into(), toml::Value::String(v.clone()));
            }
        }
        put(&mut t, "git", &r.git);
        put(&mut t, "rev", &r.rev);
        put(&mut t, "branch", &r.branch);
        put(&mut t, "tag", &r.tag);
        if let Some(abs) = &self.abs_path {
            let rel = relative_path(&normalize(workspace_dir), abs);
            t.insert("path".into(), toml::Value::String(rel));
        }
        if let Some(e) = r.editable {
            t.insert("editable".into(), toml::Value::Boolean(e));
        }
        put(&mut t, "url", &r.url);
        put(&mut t, "subdirectory", &r.subdirectory);
        if !r.extras.is_empty() {
            t.insert(
                "extras".into(),
                toml::Value::Array(r.extras.iter().cloned().map(toml::Value::String).collect()),
            );
        }
        if t.is_empty() {
            return toml::Value::String(r.version.clone().unwrap_or_else(|| "*".into()));
        }
        if r.git.is_none() && r.url.is_none() && self.abs_path.is_none() {
            put(&mut t, "version", &r.version);
        }
        toml::Value::Table(t)
    }
}

/// `to` relative to the folder `from` (both absolute, normalized), with `/` separators.
pub fn relative_path(from: &Path, to: &Path) -> String {
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); f.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// Source files a build compiles (C, C++, Cython, Rust, Fortran, CUDA): a library holding any
/// is built, not just copied, when installed.
const COMPILED: &[&str] = &[
    "c", "cc", "cpp", "cxx", "pyx", "pxd", "rs", "f", "f90", "f95", "cu",
];

/// Whether the library at `root` compiles code when installed.
pub fn compiles_code(root: &Path) -> bool {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0 || !crate::digest::ignored(&e.file_name().to_string_lossy())
        })
        .filter_map(Result::ok)
        .any(|e| {
            e.file_type().is_file()
                && (e.file_name() == "Cargo.toml"
                    || e.path()
                        .extension()
                        .is_some_and(|x| COMPILED.contains(&x.to_string_lossy().as_ref())))
        })
}

/// `[project] name` of the pyproject.toml in `dir`, when there is one.
pub fn declared_project_name(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("pyproject.toml")).ok()?;
    let doc: toml::Value = toml::from_str(&text).ok()?;
    Some(doc.get("project")?.get("name")?.as_str()?.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_path(Path::new("/a/b/c"), Path::new("/a/x")),
            "../../x"
        );
        assert_eq!(relative_path(Path::new("/a"), Path::new("/a/x/y")), "x/y");
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
    }
}
