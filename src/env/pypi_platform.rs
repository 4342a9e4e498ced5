//! What a conda platform is to PyPI: the target uv resolves wheels for, and the PEP 508 marker
//! values requirements are evaluated with. Both describe the same machine, so they sit together.

use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};
use rattler_conda_types::Subdir;

/// uv's `--python-platform` for a platform.
pub fn uv_target(p: Subdir) -> &'static str {
    match p.as_str() {
        "linux-64" => "x86_64-unknown-linux-gnu",
        "linux-aarch64" => "aarch64-unknown-linux-gnu",
        "osx-64" => "x86_64-apple-darwin",
        "osx-arm64" => "aarch64-apple-darwin",
        _ => "x86_64-pc-windows-msvc",
    }
}

/// The PEP 508 marker values of CPython `python_version` (e.g. `3.11.7`) on a conda platform,
/// as wheels of that platform see them. `None` for a platform without fixed values.
pub fn markers(platform: Subdir, python_version: &str) -> Option<MarkerEnvironment> {
    let (machine, sys_platform, system, os_name) = match platform.as_str() {
        "linux-64" => ("x86_64", "linux", "Linux", "posix"),
        "linux-aarch64" => ("aarch64", "linux", "Linux", "posix"),
        "osx-64" => ("x86_64", "darwin", "Darwin", "posix"),
        "osx-arm64" => ("arm64", "darwin", "Darwin", "posix"),
        "win-64" => ("AMD64", "win32", "Windows", "nt"),
        _ => return None,
    };
    let minor = python_version
        .split('.')
        .take(2)
        .collect::<Vec<_>>()
        .join(".");
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: python_version,
        os_name,
        platform_machine: machine,
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system: system,
        platform_version: "",
        python_full_version: python_version,
        python_version: &minor,
        sys_platform,
    })
    .ok()
}
