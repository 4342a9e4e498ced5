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

/// The release binary the benches time (built by `make bench`).
#[allow(dead_code)]
pub fn release_wt(root: &Path) -> std::path::PathBuf {
    let wt = root.join("target/release/wt");
    assert!(
        wt.is_file(),
        "build the release binary first (make bench does)"
    );
    wt
}

/// The median of some timings (the benches' figure).
#[allow(dead_code)]
pub fn median(mut times: Vec<std::time::Duration>) -> std::time::Duration {
    times.sort();
    times[times.len() / 2]
}
