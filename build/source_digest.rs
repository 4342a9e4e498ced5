//! The digest of everything `wt` is compiled from, shared by `build.rs` (which embeds it as
//! `SOURCE_DIGEST`) and the test that keeps it complete (tests/source_digest.rs).
//!
//! It is part of the key of every step whose output wt's own code shapes (codegen, discover,
//! package), so a wt that writes anything differently never reuses what an older one wrote,
//! from the local cache or a remote one. It covers the whole crate rather than a list of the
//! modules that seem to matter: a list misses the module nobody thought of (string escapes in
//! `pytext`, the serde mirrors in `contracts`), and a step that re-runs after an unrelated
//! change of wt only costs time.

use std::path::{Path, PathBuf};

/// Folders whose every file goes into the binary or decides how it is built.
pub const SOURCE_DIRS: &[&str] = &[
    "src",
    "templates",
    "runtime/wt_runtime",
    "runtime/airflow",
    "rules",
    "ui/dist",
];

/// Files at the root that do.
pub const SOURCE_FILES: &[&str] = &[
    "build.rs",
    "build/source_digest.rs",
    "Cargo.toml",
    "Cargo.lock",
];

/// Every file digested, relative to `root`, sorted.
pub fn source_files(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = SOURCE_FILES.iter().map(PathBuf::from).collect();
    for dir in SOURCE_DIRS {
        collect(root, Path::new(dir), &mut files);
    }
    files.sort();
    files
}

/// FNV-1a (128 bits) over each file's path relative to `root` and its bytes: identical on
/// every machine and in every checkout folder.
pub fn source_digest(root: &Path) -> String {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for rel in source_files(root) {
        let name = rel.to_string_lossy().replace('\\', "/");
        let bytes = std::fs::read(root.join(&rel)).unwrap_or_default();
        for b in name.bytes().chain([0]).chain(bytes).chain([0]) {
            h ^= u128::from(b);
            h = h.wrapping_mul(0x0000000001000000000000000000013B);
        }
    }
    format!("{h:032x}")
}

fn collect(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root.join(rel)) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        // Editor and interpreter leftovers are not sources (and differ between machines).
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') || name == "__pycache__" {
            continue;
        }
        let child = rel.join(name);
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            collect(root, &child, out);
        } else {
            out.push(child);
        }
    }
}
