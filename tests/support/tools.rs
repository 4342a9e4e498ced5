//! The tools `scripts/bootstrap.sh` installs, for tests and benches that run the real binary.

use std::path::Path;

/// `PATH` with the checkout's `.tools/bin` (uv, ruff) first.
pub fn path_with_tools(root: &Path) -> std::ffi::OsString {
    let mut paths = vec![root.join(".tools/bin")];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap()
}
