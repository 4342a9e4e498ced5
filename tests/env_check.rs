//! The check every environment built from a lock passes before discovery: an environment that
//! lacks a dependency of one of its packages (here `typing-inspect`, installed without its
//! own) is refused, naming the package and what it misses; a whole one passes.

use crate::support::test_python;
use std::path::Path;
use std::process::Command;
use wt::env::env_check::check;
use wt::env::tools::Tools;

fn uv(tools: &Tools, cache: &Path, args: &[&str], python: &Path) {
    let out = tools
        .uv(cache)
        .args(args)
        .arg("--python")
        .arg(python)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "uv {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_environment_missing_a_dependency_is_refused_naming_both() {
    let host = test_python::python().display().to_string();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cache = root.join("target/e2e-cache");
    let tools = Tools {
        uv: root.join(".tools/bin/uv"),
        python: host.clone(),
        offline: false,
    };
    let dir = tempfile::tempdir().unwrap();
    let venv = dir.path().join("venv");
    let made = Command::new(&tools.uv)
        .args(["venv", "--quiet", "--python", &host])
        .arg(&venv)
        .env("UV_CACHE_DIR", Tools::download_cache(&cache))
        .status()
        .unwrap();
    assert!(made.success());
    let python = venv.join("bin/python");
    let install = [
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "typing-inspect==0.9.0",
    ];
    uv(&tools, &cache, &install, &python);
    let error = format!(
        "{:#}",
        check(&tools, &cache, &python, "//workflows/x").unwrap_err()
    );
    assert!(
        error.starts_with(
            "the environment built from the lock of //workflows/x does not hold what its packages require:"
        ),
        "{error}"
    );
    assert!(error.contains("typing-inspect"), "{error}");
    assert!(error.contains("mypy-extensions"), "{error}");
    assert!(
        error.contains("wt --update-lock build //workflows/x"),
        "{error}"
    );
    uv(
        &tools,
        &cache,
        &["pip", "install", "--quiet", "typing-inspect==0.9.0"],
        &python,
    );
    check(&tools, &cache, &python, "//workflows/x").unwrap();
}
