//! Code generation: snapshots of every generated file, ruff cleanliness, determinism.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use indexmap::IndexMap;
use serde_json::json;
use wt::codegen::{CodegenInput, Dependencies, generate};
use wt::spec::model::{
    Literal, MapOp, Skipif, Spanned, Spec, TaskGroup, TaskInstance, Value, Variable, WorkflowEntry,
};
use wt::spec::resolved::{Instance, KnownTask, ResolvedSkipif, Workflow};
use wt::yaml::Span;

// ---------------------------------------------------------------------------------------------
// Building workflows by hand

fn sp<T>(value: T) -> Spanned<T> {
    Spanned::new(value, Span::default())
}

fn known(module: &str, function: &str, alias: &str, io: bool) -> KnownTask {
    KnownTask {
        function_name: function.into(),
        public_module_path: module.into(),
        importable_reference: format!("{module}.{function}"),
        alias: alias.into(),
        io,
        json_schema: json!({"type": "object", "properties": {}}),
        signature: Default::default(),
        title: None,
        description: None,
    }
}

fn int(i: i64) -> Value {
    Value::Literal(Literal::Int(i))
}
fn float(f: f64) -> Value {
    Value::Literal(Literal::Float(f))
}
fn string(s: &str) -> Value {
    Value::Literal(Literal::Str(s.into()))
}
fn task_ref(id: &str) -> Value {
    Value::Var(Variable::TaskReturn(id.into()))
}
fn env(name: &str) -> Value {
    Value::Var(Variable::Env(name.into()))
}
fn dict(entries: Vec<(&str, Value)>) -> Value {
    Value::Dict(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), sp(v)))
            .collect(),
    )
}
fn list(items: Vec<Value>) -> Value {
    Value::List(items.into_iter().map(sp).collect())
}

/// A task instance calling `task` (an importable reference) with `partial` bindings.
fn inst(id: &str, task: &str, partial: Vec<(&str, Value)>) -> TaskInstance {
    TaskInstance {
        id: sp(id.into()),
        name: String::new(),
        task: sp(task.into()),
        partial: partial
            .into_iter()
            .map(|(k, v)| (sp(k.to_string()), sp(v)))
            .collect(),
        map: None,
        mapvalues: None,
        skipif: None,
        lints: Default::default(),
        span: Span::default(),
    }
}

fn fan_out(argnames: &[&str], argvalues: &[&str], is_list: bool) -> Option<MapOp> {
    Some(MapOp {
        argnames: argnames.iter().map(|a| sp(a.to_string())).collect(),
        argvalues: argvalues
            .iter()
            .map(|id| sp(Variable::TaskReturn(id.to_string())))
            .collect(),
        argvalues_is_list: is_list,
        span: Span::default(),
    })
}

fn skipif(conditions: &[&str], unpack_depth: i64) -> Option<Skipif> {
    Some(Skipif {
        conditions: conditions.iter().map(|c| sp(c.to_string())).collect(),
        unpack_depth,
        span: Span::default(),
    })
}

fn group(title: &str, tasks: Vec<TaskInstance>) -> WorkflowEntry {
    WorkflowEntry::Group(TaskGroup {
        title: sp(title.into()),
        description: format!("{title} tasks."),
        tasks,
        span: Span::default(),
    })
}

/// Resolves every instance's task and skip conditions against `registry` (by importable
/// reference), as validation would.
fn workflow(id: &str, entries: Vec<WorkflowEntry>, registry: &[KnownTask]) -> Workflow {
    let lookup = |reference: &str| {
        registry
            .iter()
            .find(|k| k.importable_reference == reference)
            .unwrap_or_else(|| panic!("unknown task {reference}"))
            .clone()
    };
    let spec = Spec {
        id: sp(id.into()),
        requirements: vec![],
        requirements_span: Default::default(),
        metadata: None,
        rjsf_overrides: Default::default(),
        default_skipif: None,
        workflow: entries,
    };
    let instances = spec
        .flat_instances()
        .into_iter()
        .map(|(def, group)| Instance {
            def: def.clone(),
            group,
            task: lookup(&def.task.value),
            skipif: def.skipif.as_ref().map(|s| ResolvedSkipif {
                conditions: s.conditions.iter().map(|c| lookup(&c.value)).collect(),
                unpack_depth: s.unpack_depth,
            }),
            dependencies: def.dependencies().into_iter().map(|d| d.value).collect(),
        })
        .collect();
    Workflow {
        spec,
        instances,
        findings: Vec::new(),
    }
}

/// A params.json-like document with one integer argument per instance id.
fn params_for(ids: &[&str]) -> serde_json::Value {
    let mut properties = serde_json::Map::new();
    for id in ids {
        properties.insert(
            id.to_string(),
            json!({
                "type": "object",
                "title": "",
                "properties": {"a": {"type": "integer", "title": "A", "default": 1}},
                "required": [],
                "additionalProperties": false,
            }),
        );
    }
    json!({
        "properties": properties,
        "$defs": {},
        "uiSchema": {"ui:order": ids},
        "additionalProperties": false,
    })
}

struct Case {
    name: &'static str,
    workflow: Workflow,
    params: serde_json::Value,
    dependencies: Dependencies,
}

fn deps() -> Dependencies {
    let table = |s: &str| -> toml::Value { toml::from_str::<toml::Table>(s).unwrap()["x"].clone() };
    Dependencies {
        channels: vec![
            "https://repo.prefix.dev/ecoscope-workflows/".into(),
            "conda-forge".into(),
        ],
        platforms: vec![
            "linux-64".into(),
            "linux-aarch64".into(),
            "osx-arm64".into(),
        ],
        conda: vec![
            ("click".into(), ">=8,<9".into()),
            ("pydantic".into(), ">=2,<3".into()),
            ("ruamel.yaml".into(), ">=0.18,<0.19".into()),
            ("python".into(), ">=3.10,<3.14".into()),
            (
                "wt-task".into(),
                table(
                    r#"x = { version = ">=0.1.3,<1", channel = "https://repo.prefix.dev/ecoscope-workflows/" }"#,
                ),
            ),
        ],
        pypi: vec![(
            "custom-tasks".into(),
            table(r#"x = { path = "../custom-tasks", editable = true, extras = ["io"] }"#),
        )],
        docker: wt::codegen::DockerContext {
            context: "..".into(),
            workspace: "workspace".into(),
            libraries: vec!["custom-tasks".into()],
        },
    }
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();

    // add -> double
    let registry = [
        known("custom_tasks.tasks", "add", "add", false),
        known("custom_tasks.tasks", "double", "double", false),
    ];
    let wf = workflow(
        "add_then_double",
        vec![
            WorkflowEntry::Task(TaskInstance {
                name: "Add Two Numbers".into(),
                ..inst("total", "custom_tasks.tasks.add", vec![])
            }),
            WorkflowEntry::Task(inst(
                "doubled",
                "custom_tasks.tasks.double",
                vec![("n", task_ref("total"))],
            )),
        ],
        &registry,
    );
    out.push(Case {
        name: "chain",
        workflow: wf,
        params: params_for(&["total"]),
        dependencies: deps(),
    });

    // map with two argnames, mapvalues, and a map over a list of variables
    let registry = [
        known("custom_tasks.tasks", "make_pairs", "make_pairs", false),
        known("custom_tasks.tasks", "multiply", "multiply", false),
        known("custom_tasks.tasks", "make_keyed", "make_keyed", false),
        known("custom_tasks.labels", "Label", "Label", false),
        known("custom_tasks.tasks", "total_of", "total_of", false),
    ];
    let wf = workflow(
        "fan_out",
        vec![
            WorkflowEntry::Task(inst("pairs", "custom_tasks.tasks.make_pairs", vec![])),
            WorkflowEntry::Task(TaskInstance {
                map: fan_out(&["a", "b"], &["pairs"], false),
                ..inst("products", "custom_tasks.tasks.multiply", vec![])
            }),
            WorkflowEntry::Task(inst("keyed", "custom_tasks.tasks.make_keyed", vec![])),
            WorkflowEntry::Task(TaskInstance {
                mapvalues: fan_out(&["text"], &["keyed"], false),
                ..inst(
                    "labels",
                    "custom_tasks.labels.Label",
                    vec![("upper", Value::Literal(Literal::Bool(true)))],
                )
            }),
            WorkflowEntry::Task(TaskInstance {
                map: fan_out(&["values"], &["products", "labels"], true),
                ..inst("sums", "custom_tasks.tasks.total_of", vec![])
            }),
        ],
        &registry,
    );
    out.push(Case {
        name: "map",
        workflow: wf,
        params: params_for(&["pairs", "keyed"]),
        dependencies: deps(),
    });

    // skipif with unpack_depth
    let registry = [
        known("custom_tasks.tasks", "load_rows", "load_rows", false),
        known("custom_tasks.tasks", "summarize", "summarize", false),
        known(
            "wt_conditions.skip",
            "any_is_empty_df",
            "any_is_empty_df",
            false,
        ),
        known("wt_conditions.skip", "never", "never", false),
    ];
    let wf = workflow(
        "skipping",
        vec![
            WorkflowEntry::Task(TaskInstance {
                skipif: skipif(&["wt_conditions.skip.never"], 1),
                ..inst("rows", "custom_tasks.tasks.load_rows", vec![])
            }),
            WorkflowEntry::Task(TaskInstance {
                skipif: skipif(
                    &[
                        "wt_conditions.skip.any_is_empty_df",
                        "wt_conditions.skip.never",
                    ],
                    2,
                ),
                ..inst(
                    "summary",
                    "custom_tasks.tasks.summarize",
                    vec![("rows", task_ref("rows"))],
                )
            }),
            // An id equal to a function's import name: the import gets renamed.
            WorkflowEntry::Task(TaskInstance {
                skipif: skipif(&["wt_conditions.skip.never"], 1),
                ..inst(
                    "never",
                    "custom_tasks.tasks.summarize",
                    vec![("rows", task_ref("summary"))],
                )
            }),
        ],
        &registry,
    );
    out.push(Case {
        name: "skipif",
        workflow: wf,
        params: params_for(&["rows"]),
        dependencies: deps(),
    });

    // a task group with nested values mixing literals, references and env variables
    let long_module = "custom_tasks.some_rather_long_package_name.and_a_long_submodule_name";
    let registry = [
        known("custom_tasks.tasks", "settings", "settings", false),
        known("custom_tasks.other", "settings", "settings_1", false),
        known(
            long_module,
            "configure_everything_with_a_long_name",
            "configure_everything_with_a_long_name",
            false,
        ),
        known("custom_tasks.tasks", "Report", "Report", false),
    ];
    let nested = dict(vec![
        ("name", string("Tom's \"quoted\" report\nline 2 \\ é ☃")),
        ("ratio", float(0.1)),
        ("big", float(1e16)),
        ("small", float(1e-5)),
        ("limit", float(f64::INFINITY)),
        ("nothing", Value::Literal(Literal::Null)),
        ("flag", Value::Literal(Literal::Bool(false))),
        ("token", env("API_TOKEN")),
        (
            "inputs",
            list(vec![
                task_ref("base"),
                int(-3),
                list(vec![]),
                dict(vec![]),
                list(vec![env("HOME"), task_ref("other")]),
            ]),
        ),
        ("text with ${{ braces }}", string("${{ not a variable")),
    ]);
    let wf = workflow(
        "grouped",
        vec![
            group(
                "Inputs",
                vec![
                    inst(
                        "base",
                        "custom_tasks.tasks.settings",
                        vec![("level", int(3))],
                    ),
                    inst("other", "custom_tasks.other.settings", vec![]),
                ],
            ),
            WorkflowEntry::Task(inst(
                "configured",
                &format!("{long_module}.configure_everything_with_a_long_name"),
                vec![("base", task_ref("base"))],
            )),
            group(
                "Output \"final\" <report>",
                vec![inst(
                    "report",
                    "custom_tasks.tasks.Report",
                    vec![
                        ("config", nested),
                        ("from", task_ref("configured")),
                        ("title", string("Report")),
                    ],
                )],
            ),
        ],
        &registry,
    );
    out.push(Case {
        name: "group",
        workflow: wf,
        params: params_for(&["base", "other"]),
        dependencies: deps(),
    });

    // io tasks (mocked in the mock variant), an io condition and a result nobody reads
    let registry = [
        known("custom_tasks.io", "fetch_rows", "fetch_rows", true),
        known("custom_tasks.io", "remote_is_down", "remote_is_down", true),
        known("custom_tasks.tasks", "log_count", "log_count", false),
        known("custom_tasks.tasks", "summarize", "summarize", false),
    ];
    let wf = workflow(
        "io_tasks",
        vec![
            WorkflowEntry::Task(TaskInstance {
                skipif: skipif(&["custom_tasks.io.remote_is_down"], 1),
                ..inst(
                    "rows",
                    "custom_tasks.io.fetch_rows",
                    vec![("url", env("DATA_URL"))],
                )
            }),
            WorkflowEntry::Task(inst(
                "logged",
                "custom_tasks.tasks.log_count",
                vec![("rows", task_ref("rows"))],
            )),
            WorkflowEntry::Task(inst(
                "summary",
                "custom_tasks.tasks.summarize",
                vec![("rows", task_ref("rows"))],
            )),
        ],
        &registry,
    );
    out.push(Case {
        name: "io",
        workflow: wf,
        params: params_for(&["rows"]),
        dependencies: Dependencies {
            pypi: vec![],
            ..deps()
        },
    });
    out.push(Case {
        name: "empty",
        workflow: workflow("nothing_yet", vec![], &[]),
        params: json!({"properties": {}, "$defs": {}, "uiSchema": {"ui:order": []}, "additionalProperties": false}),
        dependencies: Dependencies {
            channels: vec!["conda-forge".into()],
            platforms: vec!["linux-64".into()],
            conda: vec![],
            pypi: vec![],
            docker: Default::default(),
        },
    });
    out
}

fn names(case: &Case) -> (String, String) {
    let id = &case.workflow.spec.id.value;
    let release = format!("wt-{}-workflow", id.replace('_', "-"));
    let package = release.replace('-', "_");
    (release, package)
}

fn fingerprint() -> IndexMap<String, String> {
    let mut fp = IndexMap::new();
    fp.insert("wt_version".into(), "0.1.0".into());
    fp.insert(
        "params_sha256".into(),
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
    );
    fp.insert("structure_blake3".into(), "1234567890".into());
    fp
}

fn generate_case(case: &Case) -> BTreeMap<String, String> {
    let (release, package) = names(case);
    let rjsf = case.params.clone();
    let fp = fingerprint();
    generate(&CodegenInput {
        workflow: &case.workflow,
        release_name: &release,
        package_name: &package,
        params_json: &case.params,
        rjsf_json: &rjsf,
        fingerprint: &fp,
        results_env_var: "WT_RESULTS",
        dependencies: &case.dependencies,
    })
    .expect("generation succeeds")
}

/// Files whose contents depend on the workflow itself (the others only on names).
/// A module of the generated runtime, copied from `runtime/wt_runtime/`.
fn is_runtime_module(path: &str) -> bool {
    // The Airflow DAG too: the builder of runtime/airflow, then data (tests/generated.rs).
    path.starts_with("airflow/")
        || wt::codegen::render::RUNTIME_MODULES
            .iter()
            .any(|(module, _)| {
                path.split_once('/')
                    .is_some_and(|(_, rest)| rest == *module)
            })
}

/// Every module of the generated runtime is its file in `runtime/wt_runtime/`, under the
/// generated-file header, byte for byte.
#[test]
fn runtime_modules_are_copied_under_the_header() {
    let files = generate_case(&cases()[0]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime/wt_runtime");
    // Every module of the folder is copied (runtime/tests ties keys.py's list to it too).
    let mut in_folder: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".py") && n != "__init__.py")
        .collect();
    in_folder.sort();
    let mut listed: Vec<&str> = wt::codegen::render::RUNTIME_MODULES
        .iter()
        .map(|(m, _)| *m)
        .collect();
    listed.sort();
    assert_eq!(listed, in_folder);
    for (module, _) in wt::codegen::render::RUNTIME_MODULES {
        let source = std::fs::read_to_string(root.join(module)).unwrap();
        let generated = &files[&format!("wt_add_then_double_workflow/{module}")];
        assert_eq!(
            *generated,
            format!("# {}\n{source}", wt::codegen::HEADER),
            "{module}"
        );
    }
}

fn is_workflow_specific(path: &str) -> bool {
    path.contains("/dags/run_sequential")
        || matches!(
            path,
            "README.md" | "graph.svg" | "tests/conftest.py" | "pixi.toml"
        )
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn file_tree() {
    let case = &cases()[0];
    let files = generate_case(case);
    let paths: Vec<&str> = files.keys().map(String::as_str).collect();
    let p = "wt_add_then_double_workflow";
    let mut want = vec![
        "airflow/wt_add_then_double_workflow_dag.py".to_string(),
        "Dockerfile.dockerignore".into(),
        "Dockerfile".into(),
        "README.md".into(),
        "VERSION.yaml".into(),
        "graph.svg".into(),
        "hatch_build.py".into(),
        "params.example.json".into(),
        "pixi.toml".into(),
        "pyproject.toml".into(),
        "tests/conftest.py".into(),
        "tests/test_workflow.py".into(),
    ];
    for f in [
        "__init__.py",
        "bindings.py",
        "cli.py",
        "dags/__init__.py",
        "dags/run_graph.py",
        "dags/run_graph_mock_io.py",
        "dags/run_sequential.py",
        "dags/run_sequential_mock_io.py",
        "dispatch.py",
        "entry.py",
        "executors.py",
        "keys.py",
        "lane.py",
        "metadata.py",
        "params.json",
        "response.py",
        "reuse.py",
        "rjsf.json",
        "run_spans.py",
        "scheduler.py",
        "spans.py",
        "spread.py",
        "store.py",
        "warm.py",
    ] {
        want.push(format!("{p}/{f}"));
    }
    want.sort();
    assert_eq!(paths, want);
    for (path, text) in &files {
        if path.ends_with(".json") {
            assert!(text.starts_with('{') && text.ends_with("}\n"), "{path}");
            continue;
        }
        assert!(
            text.contains("AUTOGENERATED BY WT; see fingerprint in README.md for details"),
            "{path} lacks the header"
        );
        // The published runner's tracing variables keep their names (a contract).
        let text = text.replace("ECOSCOPE_WORKFLOWS_OTEL_", "");
        assert!(
            !text.to_lowercase().contains("ecoscope") || path == "pixi.toml",
            "{path}"
        );
    }
}

#[test]
fn snapshots() {
    for case in cases() {
        let files = generate_case(&case);
        for (path, text) in &files {
            // The chain case pins every file; the others the files that vary by workflow.
            // The runtime modules are copies of runtime/wt_runtime (see
            // `runtime_modules_are_copied_under_the_header`).
            if (case.name != "chain" && !is_workflow_specific(path)) || is_runtime_module(path) {
                continue;
            }
            let name = format!("{}@{}", case.name, path.replace('/', "__"));
            insta::assert_snapshot!(name, text);
        }
    }
}

/// `WT_CODEGEN_DUMP=<dir> cargo test --release --test suite codegen::dump` writes every case's workspace
/// under `<dir>/<case>/` for manual inspection.
#[test]
fn dump() {
    let Some(dir) = std::env::var_os("WT_CODEGEN_DUMP") else {
        return;
    };
    for case in cases() {
        let (release, _) = names(&case);
        write_tree(
            &Path::new(&dir).join(case.name).join(release),
            &generate_case(&case),
        );
    }
}

#[test]
fn generation_is_deterministic() {
    for case in cases() {
        assert_eq!(generate_case(&case), generate_case(&case), "{}", case.name);
    }
}

#[test]
fn json_files_keep_key_order_and_indent() {
    let case = &cases()[0];
    let files = generate_case(case);
    let params = &files["wt_add_then_double_workflow/params.json"];
    assert!(params.starts_with("{\n  \"properties\": {\n    \"total\": {"));
    let keys: Vec<String> = serde_json::from_str::<serde_json::Value>(params)
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        keys,
        ["properties", "$defs", "uiSchema", "additionalProperties"]
    );
}

#[test]
fn invalid_names_are_rejected() {
    let case = &cases()[0];
    let fp = fingerprint();
    let input = |package: &'static str, env_var: &'static str| CodegenInput {
        workflow: &case.workflow,
        release_name: "wt-add-then-double-workflow",
        package_name: package,
        params_json: &case.params,
        rjsf_json: &case.params,
        fingerprint: &fp,
        results_env_var: env_var,
        dependencies: &case.dependencies,
    };
    assert!(generate(&input("not-a-package", "WT_RESULTS")).is_err());
    assert!(generate(&input("class", "WT_RESULTS")).is_err());
    assert!(generate(&input("ok_pkg", "WT RESULTS")).is_err());
    assert!(generate(&input("ok_pkg", "WT_RESULTS")).is_ok());
}

fn ruff() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../main/.tools/bin/ruff");
    let fixed = PathBuf::from("/work/main/.tools/bin/ruff");
    [path, fixed].into_iter().find(|p| p.is_file())
}

fn write_tree(dir: &Path, files: &BTreeMap<String, String>) {
    for (path, text) in files {
        let target = dir.join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, text).unwrap();
    }
}

#[test]
fn generated_python_is_ruff_clean() {
    let Some(ruff) = ruff() else {
        eprintln!(
            "SKIPPED: ruff not found at /work/main/.tools/bin/ruff (run scripts/bootstrap.sh)"
        );
        return;
    };
    for case in cases() {
        let dir = tempfile::tempdir().unwrap();
        write_tree(dir.path(), &generate_case(&case));
        for args in [
            &["format", "--check", "--diff", "--no-cache", "."][..],
            &["check", "--no-cache", "."][..],
        ] {
            let out = Command::new(&ruff)
                .args(args)
                .current_dir(dir.path())
                .env("RUFF_NO_CACHE", "true")
                .output()
                .expect("ruff runs");
            assert!(
                out.status.success(),
                "ruff {args:?} failed for case {}:\n{}\n{}",
                case.name,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// The literals the renderer writes mean, to a real Python, exactly the values they stand for,
/// and floats are spelled as Python's repr spells them (minus the `+` ruff drops).
#[test]
fn python_literals_round_trip_through_python() {
    let Some(python) = ["python3", "python"].into_iter().find(|p| {
        Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }) else {
        eprintln!("SKIPPED: no python3 on PATH to evaluate the generated literals");
        return;
    };
    use wt::codegen::python::{py_float, py_str};
    let mut floats = vec![
        0.1,
        1e16,
        1e15,
        1e-5,
        1e-4,
        -0.0,
        0.0,
        1.0,
        5e-324,
        f64::MAX,
        f64::MIN_POSITIVE,
    ];
    floats.extend([
        2.5e-8,
        123456789.125,
        1.0 / 3.0,
        -7.0e22,
        9007199254740993.0,
        0.30000000000000004,
    ]);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..300 {
        // xorshift: arbitrary bit patterns cover every exponent range.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let f = f64::from_bits(x);
        if f.is_finite() {
            floats.push(f);
        }
    }
    let strings = [
        "plain",
        "it's",
        "say \"hi\"",
        "both ' and \"",
        "\"\"'",
        "back\\slash",
        "tab\tnew\nline\r",
        "é ü 日本 ☃ 🎉",
        "\u{0}\u{1}\u{7f}\u{80}\u{a0}\u{ad}\u{200b}\u{2028}\u{202e}\u{feff}",
        "\u{e000}\u{10ffff}\u{fffe}",
        "${{ workflow.x.return }}",
        "",
    ];
    let mut script = String::from("import json, math, sys\nbad = []\n");
    for f in &floats {
        script.push_str(&format!(
            "v = {lit}\nw = float.fromhex({hex:?})\nif not (v == w and math.copysign(1, v) == math.copysign(1, w)) or repr(w).replace('e+', 'e') != {lit_str}: bad.append(({lit_str}, repr(w)))\n",
            lit = py_float(*f),
            hex = hex_float(*f),
            lit_str = py_str(&py_float(*f)),
        ));
    }
    for s in strings {
        script.push_str(&format!(
            "if {lit} != json.loads({json}): bad.append({lit})\n",
            lit = py_str(s),
            json = py_str(&serde_json::to_string(s).unwrap()),
        ));
    }
    script.push_str("print(bad)\nsys.exit(1 if bad else 0)\n");
    let out = Command::new(python)
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `f` in the notation `float.fromhex` reads, so Python gets the exact bits.
fn hex_float(f: f64) -> String {
    let bits = f.to_bits();
    let sign = if bits >> 63 == 1 { "-" } else { "" };
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let mantissa = bits & ((1u64 << 52) - 1);
    if exp == 0 {
        format!("{sign}0x0.{mantissa:013x}p-1022")
    } else {
        format!("{sign}0x1.{mantissa:013x}p{}", exp - 1023)
    }
}

/// Runs generated workspaces for real when `WT_TEST_PYTHON` names a Python that has the
/// runtime packages (click, pydantic, ruamel.yaml, wt-task, wt-contracts, pytest): the
/// generated pytest suite, and the CLI's result.json and exit codes, against a small task
/// library written here.
#[test]
fn generated_workspace_runs() {
    let Some(python) = std::env::var_os("WT_TEST_PYTHON") else {
        eprintln!(
            "SKIPPED: set WT_TEST_PYTHON to a Python with click, pydantic, ruamel.yaml, wt-task, wt-contracts and pytest"
        );
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let lib = root.path().join("lib");
    let library: &[(&str, &str)] = &[
        ("custom_tasks/__init__.py", ""),
        (
            "custom_tasks/tasks.py",
            "def add(a: int, b: int) -> int:\n    return a + b\n\n\ndef double(n: int) -> int:\n    return 2 * n\n\n\n\
             def log_count(rows: list) -> int:\n    return len(rows)\n\n\n\
             def summarize(rows: list) -> dict:\n    return {\"n\": len(rows), \"sum\": sum(rows)}\n",
        ),
        (
            "custom_tasks/io/__init__.py",
            "def fetch_rows(url: str) -> list:\n    raise RuntimeError('offline')\n\n\n\
             def remote_is_down(*values) -> bool:\n    return False\n",
        ),
        (
            "custom_tasks/io/fetch-rows.example-return.json",
            "[1, 2, 3]\n",
        ),
        (
            "custom_tasks/io/remote-is-down.example-return.json",
            "false\n",
        ),
    ];
    for (path, text) in library {
        let target = lib.join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, text).unwrap();
    }
    let params = json!({
        "properties": {
            "total": {
                "type": "object",
                "title": "Add Two Numbers",
                "properties": {
                    "a": {"type": "integer", "title": "A"},
                    "b": {"type": "integer", "title": "B", "default": 2},
                },
                "required": ["a"],
                "additionalProperties": false,
            }
        },
        "$defs": {},
        "uiSchema": {"ui:order": ["total"]},
        "additionalProperties": false,
    });
    let all = cases();
    for case in all.iter().filter(|c| c.name == "chain" || c.name == "io") {
        let (release, package) = names(case);
        let dir = root.path().join(&release);
        let case_params = if case.name == "chain" {
            params.clone()
        } else {
            json!({"properties": {}})
        };
        let fp = fingerprint();
        let files = generate(&CodegenInput {
            workflow: &case.workflow,
            release_name: &release,
            package_name: &package,
            params_json: &case_params,
            rjsf_json: &case_params,
            fingerprint: &fp,
            results_env_var: "WT_RESULTS",
            dependencies: &case.dependencies,
        })
        .unwrap();
        write_tree(&dir, &files);
        let run = |args: &[&str], results: &Path| {
            Command::new(&python)
                .args(args)
                .current_dir(&dir)
                .env("PYTHONPATH", &lib)
                .env("WT_RESULTS", results)
                .env("DATA_URL", "https://example.invalid/rows")
                .output()
                .unwrap()
        };
        let out = run(
            &["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
            root.path(),
        );
        assert!(
            out.status.success(),
            "pytest in {release}:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );

        let cli = format!("{package}.cli");
        let results = root
            .path()
            .join(format!("results-{}", case.name))
            .join("nested");
        let result_json = || std::fs::read_to_string(results.join("result.json")).unwrap();
        if case.name == "chain" {
            let ok = run(
                &[
                    "-m",
                    &cli,
                    "run",
                    "--execution-mode",
                    "sequential",
                    "--config-json",
                    r#"{"total": {"a": 3, "b": 3}}"#,
                ],
                &results,
            );
            assert_eq!(
                ok.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&ok.stderr)
            );
            assert_eq!(result_json(), r#"{"result":12,"error":null,"trace":null}"#);
            let failed = run(
                &[
                    "-m",
                    &cli,
                    "run",
                    "--execution-mode",
                    "sequential",
                    "--config-json",
                    r#"{"total": {"a": 3}}"#,
                ],
                &results,
            );
            assert_eq!(failed.status.code(), Some(1));
            assert!(
                result_json().starts_with(r#"{"result":null,"error":"Task instance 'total'"#),
                "{}",
                result_json()
            );
            let invalid = run(
                &[
                    "-m",
                    &cli,
                    "run",
                    "--execution-mode",
                    "sequential",
                    "--config-json",
                    r#"{"total": {"a": "x", "c": 1}}"#,
                ],
                &results,
            );
            assert_eq!(invalid.status.code(), Some(2));
            let stderr = String::from_utf8_lossy(&invalid.stderr);
            assert!(stderr.contains("2 validation error(s)"), "{stderr}");
        } else {
            let mocked = run(
                &[
                    "-m",
                    &cli,
                    "run",
                    "--execution-mode",
                    "sequential",
                    "--mock-io",
                    "--config-json",
                    "{}",
                ],
                &results,
            );
            assert_eq!(
                mocked.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&mocked.stderr)
            );
            assert_eq!(
                result_json(),
                r#"{"result":{"n":3,"sum":6},"error":null,"trace":null}"#
            );
            let real = run(
                &[
                    "-m",
                    &cli,
                    "run",
                    "--execution-mode",
                    "sequential",
                    "--config-json",
                    "{}",
                ],
                &results,
            );
            assert_eq!(real.status.code(), Some(1));
            assert!(
                result_json().contains("RuntimeError('offline')"),
                "{}",
                result_json()
            );
        }
    }
}
