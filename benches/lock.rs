//! `make bench` (lock part): how long solving and installing take on the bundled example
//! workflows, plus one workflow with a conda requirement from a local channel. Uses the release
//! binary, real uv, rattler and Python. The cold build starts from empty caches (wt's, and
//! uv's downloads under it); the solve and install figures then have uv's downloads warm (as on
//! any machine after the first build).
//!
//! - solve: `wt --update-lock build //...` re-solves every distinct requirement set for the
//!   lock's platforms (the examples share one set; the conda workflow has its own), minus a
//!   no-op build;
//! - install: `wt run` after deleting the built environments (so the environment is created
//!   from the lock: conda packages linked by rattler, PyPI files by uv), minus a `wt run` with
//!   the environment in place.

#[path = "../tests/support/conda_channel.rs"]
mod conda_channel;
#[path = "../tests/support/fs.rs"]
#[allow(dead_code)]
mod fs;

#[path = "../tests/support/tools.rs"]
mod tools;

use std::path::PathBuf;
use std::time::Duration;

const RUNS: usize = 3;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    fs::copy_dir(&root.join("examples"), &ws.join("examples"));
    fs::copy_dir(&root.join("workflows"), &ws.join("workflows"));
    conda_channel::publish(
        &ws.join("channel"),
        &[conda_channel::Pkg::new(
            "greet",
            "1.0",
            &["python >=3.8"],
            "def greeting(name):\n    return f\"Hello, {name}!\"\n",
        )],
    );
    std::fs::write(
        ws.join("wt.toml"),
        "[conda.channels]\nlocal = \"channel\"\n",
    )
    .unwrap();
    let spec = std::fs::read_to_string(ws.join("workflows/add_then_double/spec.yaml"))
        .unwrap()
        .replace("id: add_then_double", "id: add_then_double_conda")
        .replace(
            "requirements:\n",
            "requirements:\n  - {name: greet, version: \">=1\", channel: local}\n",
        );
    std::fs::create_dir_all(ws.join("workflows/with_conda")).unwrap();
    std::fs::write(ws.join("workflows/with_conda/spec.yaml"), spec).unwrap();
    let cache = dir.path().join("cache");
    let wt_cmd = |args: &[&str]| -> Duration { tools::timed_wt(&root, &ws, &cache, args).0 };
    let cold = wt_cmd(&["--quiet", "build", "//..."]);
    println!(
        "cold build of 5 workflows (2 distinct requirement sets): {:.1} s",
        cold.as_secs_f64()
    );
    let noop = tools::median(
        (0..RUNS)
            .map(|_| wt_cmd(&["--quiet", "build", "//..."]))
            .collect(),
    );
    let solve = tools::median(
        (0..RUNS)
            .map(|_| wt_cmd(&["--quiet", "--update-lock", "build", "//..."]).saturating_sub(noop))
            .collect(),
    );
    println!(
        "solve, 2 requirement sets x {} platform(s) (conda via rattler + PyPI via uv): {:.2} s  (median of {RUNS})",
        platform_count(),
        solve.as_secs_f64()
    );
    for (label, spec) in [
        ("PyPI only", "workflows/add_then_double/spec.yaml"),
        ("conda + PyPI", "workflows/with_conda/spec.yaml"),
    ] {
        let config = r#"{"total": {"a": 1, "b": 2}}"#;
        let run = [
            "--quiet",
            "run",
            spec,
            "--config-json",
            config,
            "--results",
            "results",
        ];
        let warm = tools::median((0..RUNS).map(|_| wt_cmd(&run)).collect());
        let install = tools::median(
            (0..RUNS)
                .map(|_| {
                    std::fs::remove_dir_all(cache.join("envs")).unwrap();
                    wt_cmd(&run).saturating_sub(warm)
                })
                .collect(),
        );
        println!(
            "install from the lock ({label}): {:.2} s  (median of {RUNS}; the run itself: {:.2} s)",
            install.as_secs_f64(),
            warm.as_secs_f64()
        );
    }
}

/// How many platforms the locks cover: `WT_CONDA_PLATFORMS` when set (make sets it on machines
/// whose conda mirror has Python for linux-64 only), else wt's default five.
fn platform_count() -> usize {
    std::env::var("WT_CONDA_PLATFORMS")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map_or(5, |v| v.split(',').filter(|p| !p.trim().is_empty()).count())
}
