//! `make bench` (execution part): the three execution modes on the same compiled workflow,
//! with the release binary, real Python and real Lithops (localhost).
//!
//! - a DAG of sleeping tasks (tests/support/naps.rs): two independent 0.6 s branches, a 4 x 3 s
//!   `map`, a 2 x 0.6 s `mapvalues` and a task after one branch; 15 s of work in all;
//! - a `map` of 2,000 elements that do nothing, against the sequential run (the goals: under
//!   1.5x for `parallel`, under 10x for `async` on Lithops' localhost backend), and the same
//!   workflow over 0 elements (what a run costs before any element).
//!
//! Every figure is the median of 3 `wt run`s after a first run that built the environment, so
//! it includes wt's (cached) build and the interpreter's start.

#[path = "../tests/support/naps.rs"]
mod naps;
#[path = "../tests/support/runs.rs"]
mod runs;
#[path = "../tests/support/tools.rs"]
mod tools;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 3;
const MODES: [&str; 3] = ["sequential", "parallel", "async"];

/// A folder with the naps library and `spec`; returns the spec's path.
fn write_workflow(dir: &Path, spec: &str) -> PathBuf {
    runs::write_library(dir, "naps", naps::LIBRARY);
    std::fs::write(dir.join("spec.yaml"), spec).unwrap();
    dir.join("spec.yaml")
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let wt = tools::release_wt(&root);
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let run = |spec: &Path, mode: &str, config: &str| -> Duration {
        let lithops_tmp = tempfile::tempdir().unwrap();
        let start = Instant::now();
        let out = Command::new(&wt)
            .args(["--quiet", "run"])
            .arg(spec)
            .args([
                "--execution-mode",
                mode,
                "--workers",
                "8",
                "--config-json",
                config,
            ])
            .arg("--results")
            .arg(dir.path().join("results"))
            .env("WT_CACHE_DIR", &cache)
            .env("PATH", tools::path_with_tools(&root))
            .env("TMPDIR", lithops_tmp.path())
            .output()
            .unwrap();
        let took = start.elapsed();
        assert!(
            out.status.success(),
            "wt run {mode} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        took
    };
    let timed = |spec: &Path, mode: &str, config: &str| -> Duration {
        tools::median((0..RUNS).map(|_| run(spec, mode, config)).collect())
    };

    let dag = write_workflow(&dir.path().join("dag"), naps::SPEC);
    let trivial = write_workflow(&dir.path().join("trivial"), naps::TRIVIAL_MAP_SPEC);
    // The map's four elements nap 3 s each; the other naps take the task's default, 0.6 s.
    let naps = r#"{"mapped": {"seconds": 3}}"#;
    run(&dag, "sequential", naps);
    run(&trivial, "sequential", r#"{"elements": {"n": 0}}"#);

    println!("naps DAG (15 s of sleeping tasks), 2 cores, --workers 8, median of {RUNS}:");
    let sequential = timed(&dag, "sequential", naps);
    println!("  sequential  {:>6.2} s", sequential.as_secs_f64());
    for mode in &MODES[1..] {
        let t = timed(&dag, mode, naps);
        println!(
            "  {mode:<10}  {:>6.2} s  ({:.0}% of sequential)",
            t.as_secs_f64(),
            100.0 * t.as_secs_f64() / sequential.as_secs_f64()
        );
    }
    println!("2,000 trivial map elements (and 0), median of {RUNS}:");
    let mut sequential_wide = None;
    for mode in MODES {
        let wide = timed(&trivial, mode, r#"{"elements": {"n": 2000}}"#);
        let t0 = timed(&trivial, mode, r#"{"elements": {"n": 0}}"#);
        let base = *sequential_wide.get_or_insert(wide);
        println!(
            "  {mode:<10}  2,000 elements {:>6.2} s ({:>4.1}x sequential), 0 elements {:>5.2} s",
            wide.as_secs_f64(),
            wide.as_secs_f64() / base.as_secs_f64(),
            t0.as_secs_f64(),
        );
    }
}
