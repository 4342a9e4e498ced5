//! The tests' own Python (`WT_TEST_PYTHON`, set by the Makefile to the interpreter
//! `scripts/install-test-python.sh` installs with the runtime packages, pytest, obstore and moto).
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::Command;

/// The interpreter; the test fails (never skips) without it.
pub fn python() -> PathBuf {
    PathBuf::from(
        std::env::var_os("WT_TEST_PYTHON")
            .expect("WT_TEST_PYTHON is not set: run `make test-tools` (the Makefile exports it)"),
    )
}

/// stdout of `python -c code args…`, which must succeed (else the test fails with its stderr).
pub fn run_python<I, S>(code: &str, args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = Command::new(python())
        .arg("-c")
        .arg(code)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
