//! Where a request may have its results written: under the server's results root, or under a
//! folder the operator allowed (`--allow-results-under`), and nowhere else.
//!
//! A `results_url` is an absolute path chosen by the client, and the run writes `result.json`
//! there with the server's rights. The path is first normalized (`.` and `..` removed), then
//! its deepest existing ancestor is resolved through symlinks, so neither `..` nor a symlink
//! inside an allowed folder leads out of it. `/proc`, `/etc` or a home directory are refused
//! like any other folder outside the roots.

use std::path::{Path, PathBuf};

/// `path` with every symlink of its longest existing prefix resolved (the rest appended as
/// written; it does not exist yet, so it cannot be a link).
fn resolved(path: &Path) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_os_string());
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = std::fs::canonicalize(&existing).unwrap_or(existing);
    out.extend(rest.iter().rev());
    out
}

/// Whether `path` (absolute, normalized) lies under one of `roots`, symlinks resolved.
pub fn allowed(path: &Path, roots: &[PathBuf]) -> bool {
    let target = resolved(path);
    roots
        .iter()
        .any(|root| target.starts_with(resolved(&crate::workspace::normalize(root))))
}

/// The refusal of a location outside `roots`, naming them and how to allow another.
pub fn refusal(path: &Path, roots: &[PathBuf]) -> String {
    let roots: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
    format!(
        "`results_url` {} is outside the folders this server writes results to ({}); the server's operator can allow another with --allow-results-under DIR",
        path.display(),
        roots.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_dot_and_symlinks_do_not_leave_a_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("results");
        std::fs::create_dir_all(&root).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("etc-link")).unwrap();
        let roots = vec![root.clone()];
        assert!(allowed(&root.join("run-1"), &roots));
        assert!(allowed(&root.join("new/deeper"), &roots));
        assert!(!allowed(&root.join("etc-link"), &roots));
        assert!(!allowed(&root.join("etc-link/sub"), &roots));
        assert!(!allowed(Path::new("/etc"), &roots));
        assert!(!allowed(Path::new("/proc/self"), &roots));
        assert!(refusal(Path::new("/etc"), &roots).contains(&root.display().to_string()));
    }
}
