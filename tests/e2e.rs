//! End to end: the real `wt` binary, real uv, real CPython, the published wt-registry /
//! wt-task / wt-contracts packages. Every example workflow is compiled and run and its result
//! checked; a task library written here from scratch is compiled and run; failures and bad
//! parameters give the documented exit codes.
//!
//! All tests share one cache folder under target/ so environments are built once per machine.

use crate::support::{fs, runs};
use serde_json::{Value, json};

use fs::{copy_dir, read_tree};
use runs::{Run, example, root, run_example, write_library, wt};

fn assert_success(run: &Run, expected: Value) {
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert_eq!(
        serde_json::from_str::<Value>(run.stdout.trim()).unwrap(),
        expected
    );
    assert_eq!(
        run.result_json,
        Some(json!({"result": expected, "error": null, "trace": null}))
    );
}

#[test]
fn add_then_double_prints_12() {
    let run = run_example(
        &example("add_then_double"),
        &json!({"total": {"a": 3, "b": 3}}),
        &[],
        &[],
    );
    assert_success(&run, json!(12));
}

/// Locking, discovery and the run use the Python the lock installs, never one of the host: with
/// no interpreter on `PATH` and `WT_PYTHON` naming none, a workflow still locks (uv resolves
/// on the locked Python), builds and runs. A fresh wt cache makes the solve really run; uv's
/// downloads are shared with the other tests.
#[test]
fn a_machine_without_cpython_locks_builds_and_runs() {
    let uv_only = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(root().join(".tools/bin/uv"), uv_only.path().join("uv")).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let run = run_example(
        &example("add_then_double"),
        &json!({"total": {"a": 1, "b": 2}}),
        &[],
        &[
            ("PATH", uv_only.path().to_str().unwrap()),
            ("WT_PYTHON", "/nowhere/python3"),
            ("WT_CACHE_DIR", cache.path().to_str().unwrap()),
            (
                "UV_CACHE_DIR",
                root().join("target/e2e-cache/uv").to_str().unwrap(),
            ),
        ],
    );
    assert!(run.stderr.contains("solve"), "{}", run.stderr);
    assert_success(&run, json!(6));
}

#[test]
fn fan_out_maps_and_mapvalues() {
    let config = json!({"pairs": {"bases": [1, 2, 3]}, "scores": {"names": ["ab", "c"]}, "summary": {"count": 2}});
    let run = run_example(&example("fan_out"), &config, &[], &[]);
    assert_success(
        &run,
        json!({"count": 2, "scaled": {"ab": 36, "c": 33}, "powers": 14}),
    );
}

#[test]
fn safe_sqrt_skips_on_negative_input() {
    let run = run_example(
        &example("safe_sqrt"),
        &json!({"difference": {"a": 3, "b": 6}}),
        &[],
        &[],
    );
    assert_success(&run, json!("sqrt=3"));
    let run = run_example(
        &example("safe_sqrt"),
        &json!({"difference": {"a": 3, "b": -7}}),
        &[],
        &[],
    );
    assert_success(&run, json!("skipped"));
}

#[test]
fn station_report_groups_env_and_mock_io() {
    let config = json!({"config": {"station": {"name": "North ridge", "elevation_m": 1200}, "tags": ["alpine"]}, "readings": {"count": 2}});
    let expected = |readings: Value, mean: f64, above: Value| {
        json!({
            "station": "North ridge", "unit": "C", "owner": "ops", "mean": mean, "above_high": above,
            "tags": ["alpine"],
            "context": {"source": "readings", "first_tag": "ops", "inputs": [readings, 42, null, "literal ${{ text"]},
        })
    };
    // Real io task: 2 readings from 20.0.
    let run = run_example(
        &example("station_report"),
        &config,
        &[],
        &[("REPORT_OWNER", "ops")],
    );
    assert_success(&run, expected(json!([20.0, 21.0]), 20.5, json!([])));
    // Mocked io task: the example data shipped with the task library.
    let run = run_example(
        &example("station_report"),
        &config,
        &["--mock-io"],
        &[("REPORT_OWNER", "ops")],
    );
    assert_success(
        &run,
        expected(json!([21.0, 22.0, 23.5]), 22.166666666666668, json!([23.5])),
    );
}

#[test]
fn invalid_parameters_exit_2_listing_every_violation() {
    let run = run_example(
        &example("add_then_double"),
        &json!({"total": {"a": "three"}, "extra": 1}),
        &[],
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("'three' is not of type 'integer'"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("'b' is a required property"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("extra"), "{}", run.stderr);
    assert!(run.result_json.is_none());

    // A misspelt parameter, or task instance, gets the one it is close to.
    let run = run_example(
        &example("add_then_double"),
        &json!({"totl": {"a": 1, "bb": 2}}),
        &[],
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("Did you mean `total` for `totl`?"),
        "{}",
        run.stderr
    );
    let run = run_example(
        &example("add_then_double"),
        &json!({"total": {"a": 1, "bb": 2}}),
        &[],
        &[],
    );
    assert!(
        run.stderr.contains("Did you mean `b` for `bb`?"),
        "{}",
        run.stderr
    );
}

/// An unset `${{ env.X }}` stops the run before any task: exit 2, each reference located.
#[test]
fn unset_env_var_exits_2_before_any_task_runs() {
    let config = json!({"config": {"station": {"name": "N"}}, "readings": {"count": 1}});
    let run = run_example(&example("station_report"), &config, &[], &[]);
    assert_eq!(
        run.code, 2,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert_eq!(run.result_json, None, "nothing ran, so nothing was written");
    for place in ["spec.yaml:43:", "spec.yaml:46:"] {
        assert!(run.stderr.contains(place), "{}", run.stderr);
    }
    assert!(
        run.stderr
            .contains("Environment variable `REPORT_OWNER` is not set"),
        "{}",
        run.stderr
    );
}

/// A library that hides its bound inputs with `Field(exclude=True)`, as real libraries do,
/// bound by `partial`, `map` (two argnames) and `mapvalues`.
#[test]
fn animal_tracks_binds_hidden_inputs() {
    let run = run_example(
        &example("animal_tracks"),
        &json!({"fixes": {"animals": ["ada", "bo"]}, "lengths": {"unit_scale": 2}}),
        &[],
        &[],
    );
    assert_success(
        &run,
        json!({"title": "Tracks", "lengths": {"ada": 4.0, "bo": 8.0}, "layers": ["ada", "bo"]}),
    );
}

/// The registry and signatures fixtures that the snapshot tests use are what discovery
/// really reports for the example library.
#[test]
fn fixtures_are_what_discovery_reports() {
    for (flag, fixture) in [
        ("--json", "example-registry.json"),
        ("--signatures", "example-signatures.json"),
    ] {
        let out = wt()
            .args(["tasks", flag])
            .arg(example("fan_out"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Value = serde_json::from_slice(&out.stdout).unwrap();
        let path = root().join("tests/fixtures").join(fixture);
        let want: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(
            got, want,
            "{fixture} is stale: regenerate it with `wt tasks {flag}`"
        );
    }
}

/// A return type pydantic cannot express is "any type" (`null`), not a failure; a task module
/// that cannot be imported by the introspection program is a clear error.
#[test]
fn introspection_of_unexpressible_types_and_its_failures() {
    let dir = tempfile::tempdir().unwrap();
    let source = "from wt_registry import register\n\n\nclass Frame:\n    pass\n\n\n@register()\ndef make_frame(rows: int) -> Frame:\n    return Frame()\n";
    let module = write_library(dir.path(), "frame-lib", source);
    let spec = dir.path().join("spec.yaml");
    std::fs::write(
        &spec,
        "id: frames\nrequirements:\n  - name: frame-lib\n    path: frame-lib\nworkflow:\n  - id: frame\n    task: make_frame\n",
    )
    .unwrap();
    let build = wt().arg("compile").arg(&spec).output().unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let out = wt()
        .args(["tasks", "--signatures"])
        .arg(&spec)
        .output()
        .unwrap();
    let sigs: Value = serde_json::from_slice(&out.stdout).unwrap();
    let task = &sigs["tasks"]["frame_lib.make_frame"];
    assert_eq!(task["return_schema"], Value::Null, "{sigs}");
    assert_eq!(task["parameters"][0]["schema"], json!({"type": "integer"}));

    // Importable by wt-registry only: the introspection program's import fails, and says so.
    let guarded = format!(
        "import sys\n\nif not sys.argv[0].endswith(\"wt-registry\"):\n    raise ImportError(\"only for wt-registry\")\n{source}"
    );
    std::fs::write(&module, guarded).unwrap();
    let build = wt().arg("compile").arg(&spec).output().unwrap();
    let stderr = String::from_utf8_lossy(&build.stderr);
    assert!(!build.status.success(), "{stderr}");
    assert!(
        stderr.contains("reading the signatures of the registered tasks failed")
            && stderr.contains("cannot import task module frame_lib")
            && stderr.contains("only for wt-registry"),
        "{stderr}"
    );
}

/// A task library and spec written from scratch, outside this repository's examples.
#[test]
fn a_new_task_library_compiles_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("libs/text-tasks");
    std::fs::create_dir_all(lib.join("text_tasks")).unwrap();
    std::fs::write(
        lib.join("pyproject.toml"),
        r#"[project]
name = "text-tasks"
version = "0.0.1"
requires-python = ">=3.10"
dependencies = ["wt-registry"]

[project.entry-points."wt_registry"]
tasks = "text_tasks"

[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"
"#,
    )
    .unwrap();
    std::fs::write(
        lib.join("text_tasks/__init__.py"),
        r#"from wt_registry import register


@register(description="Split a sentence into words.")
def split_words(sentence: str) -> list[str]:
    return sentence.split()


@register()
def shout(word: str, marks: int = 1) -> str:
    return word.upper() + "!" * marks


@register()
def join_words(words: list[str], sep: str = " ") -> str:
    return sep.join(words)
"#,
    )
    .unwrap();
    let spec_dir = dir.path().join("flows/loud");
    std::fs::create_dir_all(&spec_dir).unwrap();
    std::fs::write(
        spec_dir.join("spec.yaml"),
        r#"id: loud
requirements:
  - name: text-tasks
    path: ../../libs/text-tasks
workflow:
  - id: words
    task: split_words
  - id: loud_words
    task: shout
    partial:
      marks: 2
    map:
      argnames: word
      argvalues: ${{ workflow.words.return }}
  - id: sentence
    task: join_words
    partial:
      words: ${{ workflow.loud_words.return }}
      sep: "-"
"#,
    )
    .unwrap();
    let run = run_example(
        &spec_dir.join("spec.yaml"),
        &json!({"words": {"sentence": "make some noise"}}),
        &[],
        &[],
    );
    assert_success(&run, json!("MAKE!!-SOME!!-NOISE!!"));

    // `wt tasks` lists the new library's functions with their parameters.
    let out = wt()
        .arg("tasks")
        .arg(spec_dir.join("spec.yaml"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.contains("text_tasks.shout") && text.contains("marks") && text.contains("default 1"),
        "{text}"
    );

    // Editing the library's source is picked up by the next run, in the same environment (the
    // library is installed editable there), also for an edit of the same size right after.
    let interpreter = || {
        let out = wt()
            .arg("python")
            .arg(spec_dir.join("spec.yaml"))
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let before = interpreter();
    let src = lib.join("text_tasks/__init__.py");
    let edit = |from: &str, to: &str| {
        let edited = std::fs::read_to_string(&src).unwrap().replace(from, to);
        std::fs::write(&src, edited).unwrap();
        run_example(
            &spec_dir.join("spec.yaml"),
            &json!({"words": {"sentence": "make some noise"}}),
            &[],
            &[],
        )
    };
    assert_success(
        &edit("word.upper()", "word.title()"),
        json!("Make!!-Some!!-Noise!!"),
    );
    assert_success(
        &edit("word.title()", "word.lower()"),
        json!("make!!-some!!-noise!!"),
    );
    assert_eq!(
        interpreter(),
        before,
        "a source edit needs no new environment"
    );
    // A library that compiles code is installed as a copy, in an environment of its own.
    std::fs::write(lib.join("text_tasks/speedup.c"), "int unused;\n").unwrap();
    assert_success(
        &edit("word.lower()", "word.upper()"),
        json!("MAKE!!-SOME!!-NOISE!!"),
    );
    assert_ne!(interpreter(), before);
}

#[test]
fn spec_errors_are_located_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let lib = root().join("examples/wt-example-tasks");
    let spec = dir.path().join("spec.yaml");
    std::fs::write(
        &spec,
        format!(
            "id: broken\nrequirements:\n  - name: wt-example-tasks\n    path: {}\nworkflow:\n  - id: first\n    task: dobule\n",
            lib.display()
        ),
    )
    .unwrap();
    let out = wt().arg("compile").arg(&spec).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("spec.yaml:7:11"), "{stderr}");
    assert!(stderr.contains("Did you mean `double`?"), "{stderr}");
    assert!(
        !dir.path().join("wt-broken-workflow").exists(),
        "nothing is written for a bad spec"
    );
}

#[test]
fn task_library_import_errors_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    write_library(dir.path(), "bad-lib", "import does_not_exist_anywhere\n");
    let spec = dir.path().join("spec.yaml");
    std::fs::write(
        &spec,
        "id: bad\nrequirements:\n  - name: bad-lib\n    path: bad-lib\nworkflow: []\n",
    )
    .unwrap();
    let out = wt().arg("tasks").arg(&spec).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("could not be imported"), "{stderr}");
    assert!(stderr.contains("does_not_exist_anywhere"), "{stderr}");
}

/// The same workflow compiled in two checkouts at different paths gives identical trees.
#[test]
fn output_does_not_depend_on_checkout_location() {
    let trees: Vec<Vec<(String, Vec<u8>)>> = (0..2)
        .map(|i| {
            let dir = tempfile::tempdir().unwrap();
            let checkout = dir
                .path()
                .join(format!("checkout-{i}/deeper{}", "/x".repeat(i)));
            copy_dir(&root().join("examples"), &checkout.join("examples"));
            copy_dir(
                &root().join("workflows/fan_out"),
                &checkout.join("workflows/fan_out"),
            );
            std::fs::write(
                checkout.join("workflows/fan_out/spec.yaml"),
                std::fs::read(example("fan_out")).unwrap(),
            )
            .unwrap();
            let out = wt()
                .arg("compile")
                .arg(checkout.join("workflows/fan_out/spec.yaml"))
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            read_tree(&checkout.join("workflows/fan_out/wt-fan-out-workflow"))
        })
        .collect();
    assert!(!trees[0].is_empty());
    assert_eq!(trees[0], trees[1]);
}

/// A "billion laughs" spec (nine levels of aliases, each nine times the last) is refused at
/// the alias that crosses the expansion bound, under a 1 GiB address-space cap.
#[test]
fn alias_bomb_is_refused_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("id: bomb\nrequirements: []\nworkflow: []\nx0: &a0 [lol]\n");
    for level in 1..=9 {
        let refs = vec![format!("*a{}", level - 1); 9].join(", ");
        text.push_str(&format!("x{level}: &a{level} [{refs}]\n"));
    }
    let spec = dir.path().join("spec.yaml");
    std::fs::write(&spec, text).unwrap();
    let wt_cmd = wt();
    let out = std::process::Command::new("prlimit")
        .arg(format!("--as={}", 1u64 << 30))
        .arg(wt_cmd.get_program())
        .args(["compile"])
        .arg(&spec)
        .envs(wt_cmd.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("aliases expand the document to more than")
            && stderr.contains("spec.yaml:9:"),
        "{stderr}"
    );
}

/// A spec that is not UTF-8 is named with the line and column of its first bad byte.
#[test]
fn invalid_utf8_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    std::fs::write(
        &spec,
        b"id: demo\nrequirements: []\nworkflow:\n  - id: caf\xe9\n",
    )
    .unwrap();
    let out = wt().arg("compile").arg(&spec).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("spec.yaml:4:12: the spec is not valid UTF-8 (byte 0xe9"),
        "{stderr}"
    );
}

/// A `path:` requirement named differently from its library is refused on its `name`, before
/// anything is solved.
#[test]
fn a_path_library_under_another_name_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    let lib = root().join("examples/wt-example-tasks");
    std::fs::write(
        &spec,
        format!(
            "id: renamed\nrequirements:\n  - name: Wt_Example.Taskz\n    path: {}\nworkflow: []\n",
            lib.display()
        ),
    )
    .unwrap();
    let out = wt().arg("compile").arg(&spec).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is named `wt-example-tasks` (its pyproject.toml), not `Wt_Example.Taskz`")
            && stderr.contains("spec.yaml:3:11")
            && stderr.contains("write `name: wt-example-tasks`"),
        "{stderr}"
    );
    // The same name in another spelling (PEP 503) is the same library.
    std::fs::write(
        &spec,
        format!(
            "id: renamed\nrequirements:\n  - name: WT_Example.Tasks\n    path: {}\nworkflow: []\n",
            lib.display()
        ),
    )
    .unwrap();
    let out = wt().arg("compile").arg(&spec).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A spec whose `requirements` name no task library: discovery finds no task, and the error
/// points at `requirements` in the spec.
#[test]
fn no_task_library_is_an_error_at_requirements() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("flow/spec.yaml");
    std::fs::create_dir_all(spec.parent().unwrap()).unwrap();
    std::fs::write(
        &spec,
        "id: empty\nrequirements: []\nworkflow:\n  - id: a\n    task: add\n",
    )
    .unwrap();
    let out = wt()
        .arg("compile")
        .arg(&spec)
        .arg("--out")
        .arg(dir.path().join("ws"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr
            .contains("no registered tasks were discovered: `requirements` names no task library"),
        "{stderr}"
    );
    assert!(stderr.contains("spec.yaml:2:15"), "{stderr}");
}

/// `wt run` runs from the caller's folder: a relative path in the config is read there, not in
/// the generated workspace. That folder is not on `sys.path`: one of its folders named like
/// the task library's module is not imported in its place.
#[test]
fn relative_paths_in_the_config_are_the_callers() {
    let dir = tempfile::tempdir().unwrap();
    write_library(
        &dir.path().join("libs"),
        "file-tasks",
        "from pathlib import Path\n\nfrom wt_registry import register\n\n\n@register()\ndef read_text(path: str) -> str:\n    return Path(path).read_text()\n",
    );
    let flow = dir.path().join("flows/reader");
    std::fs::create_dir_all(&flow).unwrap();
    std::fs::write(
        flow.join("spec.yaml"),
        "id: reader\nrequirements:\n  - name: file-tasks\n    path: ../../libs/file-tasks\nworkflow:\n  - id: read\n    task: read_text\n",
    )
    .unwrap();
    let here = dir.path().join("analysis");
    std::fs::create_dir_all(here.join("data")).unwrap();
    std::fs::create_dir_all(here.join("file_tasks")).unwrap();
    std::fs::write(here.join("data/readings.csv"), "a,b\n1,2\n").unwrap();
    let out = wt()
        .args(["--quiet", "run"])
        .arg(flow.join("spec.yaml"))
        .args([
            "--config-json",
            r#"{"read": {"path": "data/readings.csv"}}"#,
        ])
        .current_dir(&here)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        json!("a,b\n1,2\n")
    );
    let written = std::fs::read_to_string(here.join("results/result.json")).unwrap();
    assert!(
        written.contains("1,2"),
        "results go to ./results of the caller too"
    );
}
