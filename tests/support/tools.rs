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

/// Runs the release binary `wt ARGS` in the workspace `ws` with the cache `cache` and the
/// checkout's tools on `PATH`, as a user would; panics, with its stderr, when it fails.
/// Returns how long it took and what it wrote.
#[allow(dead_code)]
pub fn timed_wt(
    root: &Path,
    ws: &Path,
    cache: &Path,
    args: &[&str],
) -> (std::time::Duration, std::process::Output) {
    let start = std::time::Instant::now();
    let out = std::process::Command::new(release_wt(root))
        .args(args)
        .current_dir(ws)
        .env("WT_CACHE_DIR", cache)
        .env("PATH", path_with_tools(root))
        .output()
        .unwrap();
    let took = start.elapsed();
    assert!(
        out.status.success(),
        "wt {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (took, out)
}
