//! The execution modes: `parallel` (local worker processes) and `async` (real Lithops,
//! localhost backend) give the sequential result for every example, the same error for a
//! failing `map` element, overlap independent work with no barrier after a map, and leave no
//! worker process behind (checked after every run, through the environment each run's
//! processes inherit).

use crate::support::{naps, runs};

use runs::{Run, example, run_example, write_library};
use serde_json::{Value, json};
use std::path::Path;

/// An example run: workflow, parameters, extra `wt run` arguments, environment.
struct Example {
    name: &'static str,
    config: Value,
    extra: &'static [&'static str],
    envs: &'static [(&'static str, &'static str)],
}

/// Every example with its parameters (and environment), as `make demo` runs them.
fn examples() -> Vec<Example> {
    let example = |name, config| Example {
        name,
        config,
        extra: &[],
        envs: &[],
    };
    vec![
        example("add_then_double", json!({"total": {"a": 3, "b": 3}})),
        example(
            "fan_out",
            json!({"pairs": {"bases": [1, 2, 3]}, "scores": {"names": ["ab", "c"]}, "summary": {"count": 2}}),
        ),
        example("safe_sqrt", json!({"difference": {"a": 3, "b": 6}})),
        example("safe_sqrt", json!({"difference": {"a": 3, "b": -7}})),
        Example {
            extra: &["--mock-io"],
            envs: &[("REPORT_OWNER", "ops")],
            ..example(
                "station_report",
                json!({"config": {"station": {"name": "North ridge", "elevation_m": 1200}, "tags": ["alpine"]}, "readings": {"count": 3}}),
            )
        },
        example(
            "animal_tracks",
            json!({"fixes": {"animals": ["ada", "bo"]}, "lengths": {"unit_scale": 2}}),
        ),
    ]
}

/// Runs `spec` in `mode`; async runs keep Lithops' state in a temp folder of their own.
fn run_in(mode: &str, spec: &Path, config: &Value, extra: &[&str], envs: &[(&str, &str)]) -> Run {
    let lithops_tmp = tempfile::tempdir().unwrap();
    let tmp = lithops_tmp.path().to_str().unwrap().to_string();
    // Enough workers for every job that can be ready at once in these workflows.
    let mut args = vec!["--execution-mode", mode, "--workers", "8"];
    args.extend_from_slice(extra);
    let mut envs = envs.to_vec();
    envs.push(("TMPDIR", &tmp));
    let run = run_example(spec, config, &args, &envs);
    // The run's own marker: every process it started inherited this TMPDIR.
    let left = processes_with_env("TMPDIR", &tmp);
    assert!(
        left.is_empty(),
        "{mode}: processes left behind:\n{}",
        left.join("\n")
    );
    run
}

/// Pids of the processes whose environment holds `NAME=value…` (a prefix: an async run's own
/// TMPDIR is a folder inside the one it was given): what a run started (every worker
/// inherits the run's environment).
fn processes_with_env(name: &str, value: &str) -> Vec<String> {
    let wanted = format!("{name}={value}");
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        if !pid.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        if environ
            .split(|b| *b == 0)
            .any(|kv| kv.starts_with(wanted.as_bytes()))
        {
            let cmd = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            out.push(format!(
                "{pid} {}",
                String::from_utf8_lossy(&cmd).replace('\0', " ")
            ));
        }
    }
    out
}

#[test]
fn parallel_and_async_results_equal_sequential_for_every_example() {
    for Example {
        name,
        config,
        extra,
        envs,
    } in examples()
    {
        let spec = example(name);
        let runs: Vec<(String, Run)> = ["sequential", "parallel", "async"]
            .into_iter()
            .map(|mode| (mode.to_string(), run_in(mode, &spec, &config, extra, envs)))
            .collect();
        let (_, sequential) = &runs[0];
        assert_eq!(sequential.code, 0, "{name}: {}", sequential.stderr);
        for (mode, run) in &runs[1..] {
            assert_eq!(run.code, 0, "{name} {mode}: {}", run.stderr);
            assert_eq!(
                run.result_json, sequential.result_json,
                "{name}: {mode} differs from sequential"
            );
        }
    }
}

/// One failing `map` element: the same error text in every mode, the worker's traceback in
/// `trace`, exit 1.
#[test]
fn a_failing_map_element_fails_the_run_alike_in_every_mode() {
    let dir = tempfile::tempdir().unwrap();
    let spec = runs::write_roots_spec(dir.path());
    let config = json!({"values": {"count": 3, "start": -1.0}});
    let mut errors = Vec::new();
    for mode in ["sequential", "parallel", "async"] {
        let run = run_in(mode, &spec, &config, &[], &[]);
        assert_eq!(run.code, 1, "{mode}: {}", run.stderr);
        let result = run.result_json.expect("result.json");
        let trace = result["trace"].as_str().unwrap();
        assert!(trace.contains("square_root"), "{mode}: {trace}");
        // Tracing absent leaves no trace of its absence.
        assert!(!trace.contains("opentelemetry"), "{mode}: {trace}");
        errors.push(result["error"].clone());
    }
    assert_eq!(
        errors[0],
        json!("Task instance 'roots' raised ValueError('cannot take the square root of -1')")
    );
    assert_eq!(errors[1], errors[0]);
    assert_eq!(errors[2], errors[0]);
}

/// (tag, start, end) of every nap in a run's result.
fn intervals(result: &Value) -> Vec<(String, f64, f64)> {
    let mut out = Vec::new();
    let mut visit = |v: &Value| {
        if let Some([tag, start, end, _pid]) = v.as_array().map(Vec::as_slice)
            && let (Some(tag), Some(start), Some(end)) =
                (tag.as_str(), start.as_f64(), end.as_f64())
        {
            out.push((tag.to_string(), start, end));
        }
    };
    fn walk(v: &Value, visit: &mut dyn FnMut(&Value)) {
        visit(v);
        if let Some(items) = v.as_array() {
            items.iter().for_each(|i| walk(i, visit));
        }
    }
    walk(result, &mut visit);
    out
}

fn overlap(a: &(String, f64, f64), b: &(String, f64, f64)) -> bool {
    a.1 < b.2 && b.1 < a.2
}

/// Independent branches overlap, `map`/`mapvalues` elements run side by side, and a node that
/// depends only on `left` starts before the unrelated map has finished (no barrier).
#[test]
fn independent_work_overlaps_with_no_barrier() {
    let dir = tempfile::tempdir().unwrap();
    write_library(dir.path(), "naps", naps::LIBRARY);
    let spec = dir.path().join("spec.yaml");
    std::fs::write(&spec, naps::SPEC).unwrap();
    // Naps long enough that a worker still starting (a cold interpreter on a machine loaded
    // by the other tests) joins before its sibling's nap is over: `left` starts at once on
    // the driver's lane, `right` once a worker is up. The map's elements start after `left`
    // and nap longer, so that `after_left` is due seconds before the map ends, however late
    // a busy machine starts it.
    let config = json!({
        "left": {"seconds": 4.0},
        "right": {"seconds": 4.0},
        "mapped": {"seconds": 7.0},
        "valued": {"seconds": 2.0},
    });
    for mode in ["parallel", "async"] {
        let run = run_in(mode, &spec, &config, &[], &[]);
        assert_eq!(run.code, 0, "{mode}: {}", run.stderr);
        let naps = intervals(&run.result_json.unwrap()["result"]);
        let get = |tag: &str| naps.iter().find(|n| n.0 == tag).unwrap().clone();
        let mapped: Vec<_> = naps
            .iter()
            .filter(|n| n.0.starts_with('m'))
            .cloned()
            .collect();
        assert_eq!(mapped.len(), 4, "{mode}: {naps:?}");
        assert!(overlap(&get("left"), &get("right")), "{mode}: {naps:?}");
        assert!(
            mapped
                .iter()
                .any(|m| overlap(m, &mapped[0]) && m.0 != mapped[0].0),
            "{mode}: map elements ran one after another: {naps:?}"
        );
        assert!(overlap(&get("v0"), &get("v1")), "{mode}: {naps:?}");
        let last_map_end = mapped.iter().map(|m| m.2).fold(0.0, f64::max);
        assert!(
            get("after_left").1 < last_map_end,
            "{mode}: after_left waited for the unrelated map: {naps:?}"
        );
    }
}

/// A Lithops config that cannot work is refused before anything runs; arguments over
/// `data_limit` fail with a message naming the limit and what to change.
#[test]
fn lithops_config_is_checked_and_data_limit_explained() {
    let dir = tempfile::tempdir().unwrap();
    write_library(dir.path(), "naps", naps::LIBRARY);
    let spec = dir.path().join("spec.yaml");
    std::fs::write(&spec, naps::LARGE_ARGUMENT_SPEC).unwrap();
    let config_file = dir.path().join("lithops.yaml");
    let with_config = |yaml: &str, n: u32| {
        std::fs::write(&config_file, yaml).unwrap();
        let config = json!({"elements": {"n": n}});
        let path = config_file.to_str().unwrap();
        let run = run_in("async", &spec, &config, &["--lithops-config", path], &[]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        run.result_json.unwrap()["error"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let error = with_config(
        "lithops: {backend: gcp_cloudrun, storage: gcp_storage}\n",
        1,
    );
    assert!(
        error.contains("Invalid Lithops config")
            && error.contains("gcp.region")
            && error.contains("gcp_cloudrun.runtime"),
        "{error}"
    );
    let error = with_config(
        "lithops: {backend: localhost, storage: localhost, data_limit: 1}\n",
        60_000,
    );
    assert!(
        error.contains("'counted'") && error.contains("data_limit") && error.contains("(1 MiB)"),
        "{error}"
    );
}
