//! `make bench` (reuse part): what a results store saves and what it costs, with the release
//! binary and real Python.
//!
//! - a workflow whose io task sleeps 2 s, followed by a 1 s task and a `map` of 4 × 0.5 s:
//!   a run without a store, a first run with `--reuse`, a second (the io task runs again, its
//!   identical output cuts off the rest), and one with `--reuse-io` (nothing runs);
//! - the largest process of a `parallel` run whose `map` of 24 elements each returns 8 MiB
//!   (and a second `map` measures each), by value (the driver gathers every element) and by
//!   reference (a results store: the driver holds digests).
//!
//! Times are medians of 3 `wt run`s after a first run that built the environment, so they
//! include wt's (cached) build and the interpreter's start.

#[path = "../tests/support/runs.rs"]
mod runs;
#[path = "../tests/support/tools.rs"]
mod tools;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const LIBRARY: &str = r#"import time

from wt_registry import register


@register(tags=["io"])
def download(n: int) -> list[int]:
    time.sleep(2)
    return list(range(n))


@register()
def clean(values: list[int]) -> list[int]:
    time.sleep(1)
    return [v * 2 for v in values]


@register()
def model(x: int) -> int:
    time.sleep(0.5)
    return x + 1


@register()
def chunk(i: int) -> bytes:
    return bytes([i % 256]) * (8 * 2**20)


@register()
def size(data: bytes) -> int:
    return len(data)


@register()
def indices(n: int) -> list[int]:
    return list(range(n))
"#;

const SLOW_SPEC: &str = "id: slow
requirements:
  - name: bench-tasks
    path: bench-tasks
workflow:
  - id: raw
    task: download
  - id: cleaned
    task: clean
    partial:
      values: ${{ workflow.raw.return }}
  - id: models
    task: model
    map:
      argnames: x
      argvalues: ${{ workflow.cleaned.return }}
";

const WIDE_SPEC: &str = "id: wide
requirements:
  - name: bench-tasks
    path: bench-tasks
workflow:
  - id: which
    task: indices
  - id: chunks
    task: chunk
    map:
      argnames: i
      argvalues: ${{ workflow.which.return }}
  - id: sizes
    task: size
    map:
      argnames: data
      argvalues: ${{ workflow.chunks.return }}
";

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let wt = tools::release_wt(&root);
    let dir = tempfile::tempdir().unwrap();
    runs::write_library(dir.path(), "bench-tasks", LIBRARY);
    for (name, spec) in [("slow", SLOW_SPEC), ("wide", WIDE_SPEC)] {
        std::fs::write(dir.path().join(format!("{name}.yaml")), spec).unwrap();
    }
    let cache = dir.path().join("cache");
    let command = |spec: &str, config: &str, extra: &[&str]| -> Command {
        let mut cmd = Command::new(&wt);
        cmd.args(["--quiet", "run"])
            .arg(dir.path().join(spec))
            .args(["--config-json", config])
            .arg("--results")
            .arg(dir.path().join("results"))
            .args(extra)
            .env("WT_CACHE_DIR", &cache)
            .env("PATH", tools::path_with_tools(&root));
        cmd
    };
    let run = |spec: &str, config: &str, extra: &[&str]| -> Duration {
        let start = Instant::now();
        let out = command(spec, config, extra).output().unwrap();
        let took = start.elapsed();
        assert!(
            out.status.success(),
            "wt run {spec} {extra:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        took
    };

    let slow = r#"{"raw": {"n": 4}}"#;
    let store = dir.path().join("store").display().to_string();
    let with_store = |more: &[&'static str]| -> Vec<String> {
        let mut args = vec!["--results-store".to_string(), store.clone()];
        args.extend(more.iter().map(|s| s.to_string()));
        args
    };
    run("slow.yaml", slow, &[]);
    println!("io task 2 s, then 1 s, then a map of 4 x 0.5 s (sequential), median of 3:");
    let plain = tools::median((0..3).map(|_| run("slow.yaml", slow, &[])).collect());
    println!(
        "  no store                        {:>6.2} s",
        plain.as_secs_f64()
    );
    let first_args = with_store(&[]);
    let first: Vec<&str> = first_args.iter().map(String::as_str).collect();
    let stored = tools::median(
        (0..3)
            .map(|_| {
                let _ = std::fs::remove_dir_all(dir.path().join("store"));
                run("slow.yaml", slow, &first)
            })
            .collect(),
    );
    println!(
        "  first run, storing results      {:>6.2} s",
        stored.as_secs_f64()
    );
    for (label, more) in [
        ("second run, --reuse", &["--reuse"][..]),
        (
            "second run, --reuse --reuse-io",
            &["--reuse", "--reuse-io"][..],
        ),
    ] {
        let args = with_store(more);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let t = tools::median((0..3).map(|_| run("slow.yaml", slow, &args)).collect());
        println!("  {label:<31} {:>6.2} s", t.as_secs_f64());
    }

    let wide = r#"{"which": {"n": 24}}"#;
    println!("map of 24 x 8 MiB results (parallel, 2 workers): the largest process of the run");
    for (label, extra) in [
        ("by value (no store)", vec![]),
        ("by reference (store)", with_store(&[])),
    ] {
        let mut args: Vec<&str> = vec!["--execution-mode", "parallel", "--workers", "2"];
        args.extend(extra.iter().map(String::as_str));
        run("wide.yaml", wide, &args);
        println!(
            "  {label:<21} {:>6} MiB",
            peak_rss_mib(command("wide.yaml", wide, &args))
        );
    }
}

/// The peak resident size of the largest process `cmd` and its descendants ran, measured by
/// a fresh Python whose only children they are (`RUSAGE_CHILDREN`).
fn peak_rss_mib(cmd: Command) -> u64 {
    let mut argv = vec![cmd.get_program().to_string_lossy().into_owned()];
    argv.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    let mut probe = Command::new("python3");
    probe
        .arg("-c")
        .arg(
            "import resource, subprocess, sys\n\
             subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n\
             print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
        )
        .args(&argv);
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => probe.env(k, v),
            None => probe.env_remove(k),
        };
    }
    let out = probe.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kib: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    kib / 1024
}
