//! The conda `python` of the tests, which cannot reach conda-forge: a channel built once by
//! `scripts/conda-python.py` from a CPython already on the machine (pyenv's), under
//! `target/conda-python/` (run by the tools' venv, which has the zstandard it writes with), or
//! the one `WT_CONDA_FORGE_MIRROR` already names (`make` builds it into `.tools/`).

use std::path::{Path, PathBuf};

/// The channel folder holding `python` (linux-64).
pub fn channel() -> PathBuf {
    if let Some(dir) = std::env::var_os("WT_CONDA_FORGE_MIRROR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(root.join(".tools/venv/bin/python"))
        .arg(root.join("scripts/conda-python.py"))
        .arg(root.join("target/conda-python"))
        .output()
        .expect("the tools' venv runs: `make tools`");
    assert!(
        out.status.success(),
        "scripts/conda-python.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}
