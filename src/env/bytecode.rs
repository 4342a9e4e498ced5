//! The bytecode of an environment's installed Python files, compiled once per machine.
//!
//! Every process wt starts in an environment (discovery, `wt run`, `wt serve`'s runs) sets
//! PYTHONDONTWRITEBYTECODE so that the environment stays as built, so an environment must hold
//! the bytecode of what it imports. uv's `--compile-bytecode` compiled the whole site-packages
//! of each new environment, 2.6 to 3.4 s of CPU for wt's runtime alone, although most
//! environments of a machine hold the same files. [`BYTECODE_PY`], run by the environment's
//! interpreter, compiles each source once into a store beside uv's downloads (keyed by the
//! interpreter's magic number and the source's sha256) and links it into every environment
//! holding the same source; see its docstring.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// The program that writes an environment's bytecode (see its docstring).
pub const BYTECODE_PY: &str = include_str!("bytecode.py");

/// Where compiled bytecode is kept: beside the downloads it is compiled from, so it is shared
/// and lives as they do ([`super::tools::Tools::download_cache`]).
pub fn store(downloads: &Path) -> PathBuf {
    downloads.join("python-bytecode")
}

/// Writes the bytecode of every Python file in the site-packages of `python` (an
/// environment's interpreter) that has none, from `store` where another environment already
/// compiled the same source.
pub fn write(python: &Path, store: &Path) -> Result<()> {
    let (_scratch, mut cmd) =
        super::python_env::program_command(python, "wt_bytecode.py", BYTECODE_PY)?;
    let out = cmd
        .arg(store)
        .output()
        .with_context(|| format!("could not run {}", python.display()))?;
    if !out.status.success() {
        bail!(
            "compiling the environment's bytecode failed ({}):\n{}\n  = help: the store of compiled bytecode is {}; removing it only costs compiling again",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end(),
            store.display()
        );
    }
    tracing::debug!(
        python = %python.display(),
        "bytecode: {}",
        String::from_utf8_lossy(&out.stdout).trim()
    );
    Ok(())
}
