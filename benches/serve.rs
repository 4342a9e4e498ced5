//! `make bench` (bench-serve): load on `wt serve`, with warm workers and without. Starts two
//! servers in-process on 127.0.0.1:0 serving add_then_double (built with the real engine, uv
//! and CPython, in a temporary copy of the example workspace), fires 200 blocking runs from 20
//! concurrent client threads at each, checks that every answer is 200 with result 12 and that
//! every run left its own result.json (none lost), and prints throughput, latency percentiles
//! and the load's wall time as a multiple of one cold interpreter start. A workflow on a task
//! library that takes 2 s to import shows what a warm worker saves per run.
//!
//! `WT_BENCH_RUNS` / `WT_BENCH_CLIENTS` change the load; `WT_CACHE_DIR` the cache (default:
//! the e2e tests' cache under target/, so environments are usually built already).

#[path = "../tests/support/fs.rs"]
#[allow(dead_code)] // Only copy_dir is used here.
mod fs;
#[path = "../tests/support/served.rs"]
mod served;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const SLOW_LIBRARY: &str = r#"import time

from wt_registry import register

# A task library that takes 2 s to import, as the heavy geospatial ones do.
time.sleep(2)


@register(description="Its argument.")
def same(value: int) -> int:
    return value
"#;

/// The bench workspace: add_then_double on the example library, and `slow_import`, a one-task
/// workflow on a library that takes 2 s to import.
fn workspace(repo: &Path, root: &Path) {
    std::fs::create_dir_all(root).unwrap();
    std::fs::write(root.join("wt.toml"), "[workspace]\n").unwrap();
    fs::copy_dir(
        &repo.join("examples/wt-example-tasks"),
        &root.join("examples/wt-example-tasks"),
    );
    fs::copy_dir(
        &repo.join("workflows/add_then_double"),
        &root.join("workflows/add_then_double"),
    );
    let lib = root.join("libs/slow-import");
    std::fs::create_dir_all(lib.join("slow_import")).unwrap();
    std::fs::write(
        lib.join("pyproject.toml"),
        "[project]\nname = \"slow-import\"\nversion = \"0.0.1\"\nrequires-python = \">=3.10\"\ndependencies = [\"wt-registry\"]\n\n[project.entry-points.\"wt_registry\"]\ntasks = \"slow_import\"\n\n[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n",
    )
    .unwrap();
    std::fs::write(lib.join("slow_import/__init__.py"), SLOW_LIBRARY).unwrap();
    let flow = root.join("workflows/slow_import");
    std::fs::create_dir_all(&flow).unwrap();
    std::fs::write(
        flow.join("spec.yaml"),
        "id: slow_import\nrequirements:\n  - name: slow-import\n    path: ../../libs/slow-import\nworkflow:\n  - id: step\n    task: same\n",
    )
    .unwrap();
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(300)))
        .build()
        .into()
}

/// One blocking run: (status, answer).
fn run_once(agent: &ureq::Agent, base: &str, release: &str, params: Value) -> (u16, Value) {
    match agent
        .post(&format!("{base}/?matchspec={release}"))
        .header("Content-Type", "application/json")
        .send(json!({ "params": params }).to_string())
    {
        Ok(mut r) => {
            let status = r.status().as_u16();
            let text = r.body_mut().read_to_string().unwrap_or_default();
            (status, serde_json::from_str(&text).unwrap_or(Value::Null))
        }
        Err(e) => (0, json!({"error": e.to_string()})),
    }
}

fn add_params(i: usize) -> Value {
    let a = (i % 7) as i64;
    json!({"total": {"a": a, "b": 6 - a}})
}

/// A server on the built workflows, warm workers on or off; its base URL and results folder.
fn start(workflows: &[wt::server::ServedWorkflow], warm: bool, dir: &Path) -> (String, PathBuf) {
    let results = dir.join(if warm { "results-warm" } else { "results-cold" });
    let mut config = wt::server::ServerConfig::new(results.clone());
    config.warm_workers = warm;
    let base = served::start(workflows.to_vec(), config);
    (base, results)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The load: `runs` blocking runs of add_then_double from `clients` threads, every answer
/// checked (200, result 12) and every run's result.json counted. Returns the wall time.
fn load(base: &str, results: &Path, runs: usize, clients: usize, label: &str) -> Duration {
    let agent = agent();
    let release = "wt-add-then-double-workflow";
    // Warm-up (the warm worker is ready after it), then the latency of one run alone.
    let (status, body) = run_once(&agent, base, release, add_params(3));
    assert_eq!((status, &body["result"]), (200, &json!(12)), "{body}");
    let single = median(
        (0..5)
            .map(|i| {
                let t = Instant::now();
                let (status, body) = run_once(&agent, base, release, add_params(i));
                assert_eq!((status, &body["result"]), (200, &json!(12)), "{body}");
                t.elapsed()
            })
            .collect(),
    );
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    let samples: Vec<(Duration, u16, Value)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= runs {
                            break out;
                        }
                        let t = Instant::now();
                        let (status, body) = run_once(&agent, base, release, add_params(i));
                        out.push((t.elapsed(), status, body));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let wall = start.elapsed();

    // Every run answered 12, and every run wrote its own result.json.
    assert_eq!(samples.len(), runs, "runs were lost");
    let failures: Vec<String> = samples
        .iter()
        .filter(|(_, status, body)| *status != 200 || body["result"] != json!(12))
        .map(|(_, status, body)| format!("{status} {body}"))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {runs} runs failed, e.g. {}",
        failures.len(),
        failures[0]
    );
    let written = std::fs::read_dir(results)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().join("result.json").is_file())
        .count();
    assert_eq!(written, runs + 6, "result.json files (runs + warm-up)");

    let mut latencies: Vec<Duration> = samples.iter().map(|s| s.0).collect();
    latencies.sort();
    let pct = |p: f64| {
        latencies[((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1]
    };
    println!("{label}:");
    println!(
        "  one run alone      {:>8.0} ms (median of 5)",
        single.as_secs_f64() * 1000.0
    );
    println!("  wall time          {:>8.2} s", wall.as_secs_f64());
    println!(
        "  throughput         {:>8.2} runs/s",
        runs as f64 / wall.as_secs_f64()
    );
    for (name, p) in [("p50", 0.50), ("p90", 0.90), ("p99", 0.99), ("max", 1.0)] {
        println!(
            "  latency {name}        {:>8.0} ms",
            pct(p).as_secs_f64() * 1000.0
        );
    }
    println!("  all {runs} results were 12; {written} result.json files written");
    wall
}

/// One cold interpreter start of the workflow: a new Python importing what a run imports
/// (median of 5).
fn cold_start(wf: &wt::server::ServedWorkflow) -> Duration {
    median(
        (0..5)
            .map(|_| {
                let t = Instant::now();
                let status = std::process::Command::new(&wf.python)
                    .args([
                        "-c",
                        &format!(
                            "import {0}.cli, {0}.dispatch, {0}.dags.run_sequential",
                            wf.package
                        ),
                    ])
                    .current_dir(&wf.workspace)
                    .env("PYTHONDONTWRITEBYTECODE", "1")
                    .status()
                    .unwrap();
                assert!(status.success());
                t.elapsed()
            })
            .collect(),
    )
}

/// Median latency of 3 runs of slow_import, one after the other.
fn slow_runs(base: &str) -> Duration {
    let agent = agent();
    let release = "wt-slow-import-workflow";
    let (status, body) = run_once(&agent, base, release, json!({"step": {"value": 1}}));
    assert_eq!((status, &body["result"]), (200, &json!(1)), "{body}");
    median(
        (0..3)
            .map(|i| {
                let t = Instant::now();
                let (status, body) = run_once(&agent, base, release, json!({"step": {"value": i}}));
                assert_eq!((status, &body["result"]), (200, &json!(i)), "{body}");
                t.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let runs = env_usize("WT_BENCH_RUNS", 200);
    let clients = env_usize("WT_BENCH_CLIENTS", 20).max(1);
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ws");
    workspace(&repo, &root);
    let cache = std::env::var_os("WT_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("target/e2e-cache"));
    let started = Instant::now();
    let workflows = served::build(&root, &cache);
    println!(
        "built and prepared {} workflow(s) in {:.1} s",
        workflows.len(),
        started.elapsed().as_secs_f64()
    );
    let add = workflows
        .iter()
        .find(|w| w.release == "wt-add-then-double-workflow")
        .unwrap();
    let cold = cold_start(add);
    let slots = wt::server::ServerConfig::new(PathBuf::new()).max_concurrent_runs;
    println!(
        "wt serve: {runs} blocking runs of add_then_double, {clients} concurrent clients, {slots} process slots, {} CPUs",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "one cold interpreter start (python importing the workflow): {:.0} ms",
        cold.as_secs_f64() * 1000.0
    );
    let (warm_base, warm_results) = start(&workflows, true, dir.path());
    let (cold_base, cold_results) = start(&workflows, false, dir.path());
    for (label, base, results) in [
        ("warm workers (runs are forks)", &warm_base, &warm_results),
        (
            "--no-warm-workers (a new interpreter per run)",
            &cold_base,
            &cold_results,
        ),
    ] {
        let wall = load(base, results, runs, clients, label);
        println!(
            "  the load took {:.1} cold starts",
            wall.as_secs_f64() / cold.as_secs_f64()
        );
    }
    println!("a task library that takes 2 s to import (median of 3 runs, one at a time):");
    println!(
        "  warm workers       {:>8.0} ms per run",
        slow_runs(&warm_base).as_secs_f64() * 1000.0
    );
    println!(
        "  --no-warm-workers  {:>8.0} ms per run",
        slow_runs(&cold_base).as_secs_f64() * 1000.0
    );
    server_cost(&warm_base, runs, clients);
}

/// The server's own cost, without Python: conversions answered in Rust.
fn server_cost(base: &str, runs: usize, clients: usize) {
    let agent = agent();
    let requests = runs * 10;
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    let ok: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                s.spawn(|| {
                    let mut ok = 0;
                    while next.fetch_add(1, Ordering::Relaxed) < requests {
                        let r = agent
                            .post(&format!(
                                "{base}/params-to-formdata?matchspec=wt-add-then-double-workflow"
                            ))
                            .send(r#"{"total": {"a": 1, "b": 2}}"#);
                        if r.is_ok_and(|r| r.status() == 200) {
                            ok += 1;
                        }
                    }
                    ok
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    let wall = start.elapsed();
    assert_eq!(ok, requests);
    println!(
        "  {requests} POST /params-to-formdata: {:.0} requests/s",
        requests as f64 / wall.as_secs_f64()
    );
}
