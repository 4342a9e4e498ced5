//! The generated runtime (`runtime/wt_runtime/`, copied into every compiled package) is Python
//! kept to the standards of any Python project: `ruff format` and `ruff check` pass, and its
//! unit tests (`runtime/tests/`, run by pytest with the `WT_TEST_PYTHON` interpreter) pass.
//! wt's own Python programs (`src/steps/introspect.py`, run in each workflow's environment by
//! discovery, and `src/env/bytecode.py`, run in each new environment) are held to the same
//! rules.

use crate::support::test_python;
use std::path::{Path, PathBuf};
use std::process::Command;

fn runtime() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime")
}

fn passes(cmd: &mut Command, what: &str) {
    let out = cmd
        .current_dir(runtime())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_runtime_is_formatted_and_lint_clean() {
    let ruff = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/bin/ruff");
    passes(
        Command::new(&ruff).args(["format", "--check", "--diff", "."]),
        "ruff format",
    );
    passes(Command::new(&ruff).args(["check", "."]), "ruff check");
    let config = runtime().join("pyproject.toml");
    for program in ["src/steps/introspect.py", "src/env/bytecode.py"] {
        let program = Path::new(env!("CARGO_MANIFEST_DIR")).join(program);
        for args in [&["format", "--check", "--diff"][..], &["check"][..]] {
            passes(
                Command::new(&ruff)
                    .args(args)
                    .arg("--config")
                    .arg(&config)
                    .arg(&program),
                &format!("ruff on {}", program.display()),
            );
        }
    }
}

#[test]
fn the_runtime_unit_tests_pass() {
    passes(
        Command::new(test_python::python()).args(["-m", "pytest", "-q", "-p", "no:cacheprovider"]),
        "pytest runtime/tests",
    );
}
