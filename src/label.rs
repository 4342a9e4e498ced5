//! Target labels: `//workflows/...`, `//workflows/foo`, `//...`, or plain paths.
//!
//! A label names a folder holding a `spec.yaml`, relative to the workspace root (the nearest
//! ancestor with `wt.toml`), as Bazel labels do. `...` matches every spec below a folder.

use crate::diag::did_you_mean;
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};

/// One workflow to build.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    /// `//workflows/foo`
    pub label: String,
    /// Absolute path of its spec.yaml.
    pub spec: PathBuf,
}

/// Folders never searched for specs: build output, caches, tools, generated workspaces.
fn skipped(name: &str) -> bool {
    name.starts_with('.')
        || matches!(name, "target" | "cache" | "node_modules" | "results")
        || (name.starts_with("wt-") && name.ends_with("-workflow"))
}

/// Every spec under `root`, as targets sorted by label.
pub fn all_targets(root: &Path) -> Vec<Target> {
    let mut out: Vec<Target> = specs_under(root)
        .into_iter()
        .map(|spec| {
            let dir = spec.parent().unwrap_or(root);
            Target {
                label: label_of(root, dir),
                spec,
            }
        })
        .collect();
    out.sort();
    out
}

/// The `spec.yaml` files below `dir` (symlinks are not followed). Folders are read in
/// parallel: listing a workspace's folders is most of what resolving `//...` costs.
fn specs_under(dir: &Path) -> Vec<PathBuf> {
    use rayon::prelude::*;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut folders = Vec::new();
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        if kind.is_dir() && !skipped(&name.to_string_lossy()) {
            folders.push(entry.path());
        } else if kind.is_file() && name == "spec.yaml" {
            found.push(entry.path());
        }
    }
    found.par_extend(folders.par_iter().flat_map_iter(|d| specs_under(d)));
    found
}

/// `//` + the folder relative to the root, with `/` separators.
pub fn label_of(root: &Path, dir: &Path) -> String {
    let rel = dir.strip_prefix(root).unwrap_or(dir);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    format!("//{}", parts.join("/"))
}

/// Resolves patterns to targets (deduplicated, sorted). Patterns starting with `//` are
/// relative to `root`; others are paths relative to the current folder (a spec file, a folder
/// with a spec, or `dir/...`).
pub fn resolve(root: &Path, patterns: &[String]) -> Result<Vec<Target>> {
    let all = all_targets(root);
    let cwd = std::env::current_dir()?;
    let mut chosen: Vec<Target> = Vec::new();
    for pattern in patterns {
        let (base, recursive) = match pattern.strip_suffix("...") {
            Some(b) => (b, true),
            None => (pattern.as_str(), false),
        };
        let prefix = if let Some(rest) = base.strip_prefix("//") {
            format!("//{}", rest.trim_end_matches('/'))
        } else {
            let base = base.trim_end_matches('/');
            let mut p =
                crate::workspace::normalize(&cwd.join(if base.is_empty() { "." } else { base }));
            if p.file_name().is_some_and(|n| n == "spec.yaml") {
                p.pop();
            }
            if !p.starts_with(root) {
                bail!("`{pattern}` is outside the workspace {}", root.display());
            }
            label_of(root, &p)
        };
        let matched: Vec<&Target> = all
            .iter()
            .filter(|t| {
                if recursive {
                    prefix == "//"
                        || t.label == prefix
                        || t.label.starts_with(&format!("{prefix}/"))
                } else {
                    t.label == prefix
                }
            })
            .collect();
        if matched.is_empty() {
            let labels: Vec<&str> = all.iter().map(|t| t.label.as_str()).collect();
            let hint = did_you_mean(&prefix, labels.iter().copied());
            let known = if labels.is_empty() {
                "there are no spec.yaml files in this workspace".to_string()
            } else {
                format!("known targets: {}", labels.join(", "))
            };
            bail!("no workflow matches `{pattern}`.{hint}\n  = help: {known}");
        }
        for t in matched {
            if !chosen.contains(t) {
                chosen.push(t.clone());
            }
        }
    }
    chosen.sort();
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for p in [
            "workflows/a",
            "workflows/b",
            "other/c",
            "workflows/a/wt-a-workflow",
            "cache/x",
        ] {
            std::fs::create_dir_all(d.path().join(p)).unwrap();
            std::fs::write(d.path().join(p).join("spec.yaml"), "id: x\n").unwrap();
        }
        d
    }

    #[test]
    fn patterns() {
        let d = workspace();
        let root = d.path();
        let labels = |p: &[&str]| -> Vec<String> {
            resolve(root, &p.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap()
                .into_iter()
                .map(|t| t.label)
                .collect()
        };
        assert_eq!(
            labels(&["//..."]),
            ["//other/c", "//workflows/a", "//workflows/b"]
        );
        assert_eq!(
            labels(&["//workflows/..."]),
            ["//workflows/a", "//workflows/b"]
        );
        assert_eq!(
            labels(&["//workflows/b", "//workflows/b"]),
            ["//workflows/b"]
        );
        let err = resolve(root, &["//workflows/bb".to_string()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("Did you mean `//workflows/b`?"), "{err}");
    }
}
