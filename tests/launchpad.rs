//! The launchpad (`GET /ui`) for real: a real `wt serve` on 127.0.0.1 over the example
//! workflows plus a small library of failing and secret-reading tasks, driven by a real
//! headless Chromium (Debian's, through playwright-core) from `ui/tests/launchpad.test.mjs`.
//! Also: the committed bundle is what its sources build to, and the page's HTTP answers carry
//! their ETag, gzip and Content-Security-Policy.
//!
//! Needs `ui/node_modules` (`npm ci` in ui/) and `chromium`; `make test` installs both.

use crate::support::{fs, wt_serve};

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const TASKS: &str = r#"import datetime
import os
import time
from typing import Literal

from wt_registry import register


@register(description="Always raises, with the message given.")
def fail(msg: str) -> int:
    raise ValueError(msg)


@register(description="The value of an environment variable (a secret, when the run sets one).")
def reveal(name: str) -> str:
    value = os.environ.get(name, "")
    print(f"the value is {value}")
    return value


@register(description="Its text, and a suffix.")
def echo(text: str, suffix: str = "") -> str:
    return text + suffix


@register(description="The numbers below n.")
def numbers_below(n: int) -> list[int]:
    return list(range(n))


@register(description="x squared, slowly.")
def slow_square(x: int, seconds: float = 0.5) -> int:
    time.sleep(seconds)
    return x * x


@register(description="A unit from a list and a day from a calendar.")
def choose(unit: Literal["C", "F"] = "F", day: datetime.date = datetime.date(2026, 1, 31)) -> str:
    return f"{day.isoformat()} in {unit}"
"#;

/// The example workflows, plus `failing`, `reveal`, `choose`, `slow_fan_out` and `owner` over
/// a library written here.
fn workspace(root: &Path) {
    write(&root.join("wt.toml"), "[workspace]\n");
    fs::copy_dir(&repo().join("examples"), &root.join("examples"));
    fs::copy_dir(&repo().join("workflows"), &root.join("workflows"));
    write(
        &root.join("libs/launchpad-tasks/pyproject.toml"),
        "[project]\nname = \"launchpad-tasks\"\nversion = \"0.0.1\"\nrequires-python = \">=3.10\"\ndependencies = [\"wt-registry\"]\n\n[project.entry-points.\"wt_registry\"]\ntasks = \"launchpad_tasks\"\n\n[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n",
    );
    write(
        &root.join("libs/launchpad-tasks/launchpad_tasks/__init__.py"),
        TASKS,
    );
    write(
        &root.join("workflows/slow_fan_out/spec.yaml"),
        "id: slow_fan_out\nrequirements:\n  - name: launchpad-tasks\n    path: ../../libs/launchpad-tasks\nmetadata:\n  name: A slow fan-out\n  description: Squares, slowly, for the launchpad's live view.\n  license: BSD-3-Clause\n  maintainers:\n    - name: wt\n      email: wt@example.org\nworkflow:\n  - id: numbers\n    name: Numbers\n    task: numbers_below\n  - id: squares\n    name: Squares\n    task: slow_square\n    map:\n      argnames: x\n      argvalues: ${{ workflow.numbers.return }}\n",
    );
    write(
        &root.join("workflows/owner/spec.yaml"),
        "id: owner\nrequirements:\n  - name: launchpad-tasks\n    path: ../../libs/launchpad-tasks\nmetadata:\n  name: The owner\n  description: Says who owns the report, a setting.\n  license: BSD-3-Clause\n  maintainers:\n    - name: wt\n      email: wt@example.org\nworkflow:\n  - id: say\n    name: Say\n    task: echo\n    partial:\n      text: ${{ env.LAUNCHPAD_OWNER }}\n",
    );
    for (id, task, name) in [
        ("failing", "fail", "Always fails"),
        ("reveal", "reveal", "Reveal a secret"),
        ("choose", "choose", "Choose a unit and a day"),
    ] {
        write(
            &root.join("workflows").join(id).join("spec.yaml"),
            &format!(
                "id: {id}\nrequirements:\n  - name: launchpad-tasks\n    path: ../../libs/launchpad-tasks\nmetadata:\n  name: {name}\n  description: {name}, for the launchpad's tests.\n  license: BSD-3-Clause\n  maintainers:\n    - name: wt\n      email: wt@example.org\nworkflow:\n  - id: step\n    task: {task}\n"
            ),
        );
    }
}

fn node(args: &[&str]) -> Command {
    let mut cmd = Command::new("node");
    cmd.args(args).current_dir(repo().join("ui"));
    cmd
}

#[test]
fn the_page_works_in_a_real_browser() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ws");
    workspace(&root);
    let results = dir.path().join("results");
    let (mut server, base) = wt_serve::spawn_wt_serve(&root, "//...", &results, &[]);
    let mut cmd = node(&["--test", "--test-reporter=spec", "tests/"]);
    cmd.env("WT_BASE", &base);
    if let Ok(shots) = std::env::var("WT_UI_SCREENSHOTS") {
        cmd.env("WT_UI_SCREENSHOTS", shots);
    }
    let out = cmd
        .output()
        .expect("node runs (make test installs ui/node_modules)");
    let _ = server.kill();
    let _ = server.wait();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{report}");
    assert!(out.status.success(), "the browser tests failed:\n{report}");
}

#[test]
fn the_committed_bundle_is_what_its_sources_build() {
    let out = tempfile::tempdir().unwrap();
    let status = node(&["build.mjs", out.path().to_str().unwrap()])
        .status()
        .expect("node runs (make test installs ui/node_modules)");
    assert!(status.success());
    let built = fs::read_tree(out.path());
    let committed = fs::read_tree(&repo().join("ui/dist"));
    let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&built), names(&committed));
    for ((name, a), (_, b)) in built.iter().zip(&committed) {
        assert!(
            a == b,
            "ui/dist/{name} differs from a rebuild: run `cd ui && npm ci && node build.mjs` and commit ui/dist"
        );
    }
}

#[test]
fn page_answers_carry_etag_gzip_and_a_content_security_policy() {
    let results = tempfile::tempdir().unwrap();
    let config = wt::server::ServerConfig::new(results.path().to_path_buf());
    let base = wt::server::serve_in_background(Vec::new(), config).unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let page = agent.get(&format!("{base}/ui")).call().unwrap();
    assert_eq!(page.status(), 200);
    let header = |r: &ureq::http::Response<ureq::Body>, name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let csp = header(&page, "content-security-policy");
    assert!(csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"));
    assert!(header(&page, "content-type").starts_with("text/html"));
    let script = agent
        .get(&format!("{base}/ui/launchpad.js"))
        .header("Accept-Encoding", "gzip")
        .call()
        .unwrap();
    assert_eq!(header(&script, "content-encoding"), "gzip");
    let etag = header(&script, "etag");
    assert!(etag.starts_with("W/\""), "{etag}");
    let again = agent
        .get(&format!("{base}/ui/launchpad.js"))
        .header("If-None-Match", &etag)
        .call()
        .unwrap();
    assert_eq!(again.status(), 304);
    // The API's own answers are unchanged: CORS open, no page policy.
    let health = agent.get(&format!("{base}/")).call().unwrap();
    assert_eq!(header(&health, "access-control-allow-origin"), "*");
    assert!(header(&health, "content-security-policy").is_empty());
}
