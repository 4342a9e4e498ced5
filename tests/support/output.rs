//! Reading what the real binary printed.

use std::process::Output;

/// stdout of a run (of wt or any other program) that must have succeeded (else the test fails
/// with its stderr).
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "the command failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
