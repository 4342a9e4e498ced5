//! Copying example trees into temp workspaces and reading trees back, for the tests that run
//! the real binary on a workspace of their own.

use std::path::Path;

/// Copies `from` to `to`, leaving out generated workspaces and Python build junk.
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let skip = rel.components().any(|c| {
            let n = c.as_os_str().to_string_lossy();
            (n.starts_with("wt-") && n.ends_with("-workflow"))
                || n == "__pycache__"
                || n.ends_with(".egg-info")
        });
        if skip {
            continue;
        }
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir` as (relative path, bytes), sorted.
pub fn read_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}
