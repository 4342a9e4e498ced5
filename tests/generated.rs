//! Snapshots of every generated file of every example workflow, and checks that the generated
//! Python is what `ruff format` would write and passes `ruff check`.
//!
//! The registry and signatures are the ones discovery reports for the example task library
//! (tests/fixtures/example-*.json, checked against real discovery by tests/e2e.rs), so these
//! tests need no Python environment.

use crate::support::{codegen_only, fs, test_python};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use codegen_only::{registry, signatures};

const EXAMPLES: &[&str] = &[
    "add_then_double",
    "fan_out",
    "safe_sqrt",
    "station_report",
    "animal_tracks",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Generates an example's workspace as `wt compile` would, into its default folder name.
fn generate(name: &str) -> BTreeMap<String, String> {
    let spec_path = root().join("workflows").join(name).join("spec.yaml");
    let text = std::fs::read_to_string(&spec_path).unwrap();
    codegen_only::generate(&text, spec_path.parent().unwrap(), wt::config::PLATFORMS)
}

#[test]
fn every_generated_file_matches_its_snapshot() {
    for name in EXAMPLES {
        for (path, content) in generate(name) {
            // Copies of runtime/wt_runtime (tests/codegen.rs checks them byte for byte).
            let module = path.split_once('/').map_or("", |(_, rest)| rest);
            if wt::codegen::render::RUNTIME_MODULES
                .iter()
                .any(|(m, _)| *m == module)
            {
                continue;
            }
            // The Airflow DAG: the builder of runtime/airflow, copied, then this workflow.
            let content = match path.strip_prefix("airflow/") {
                Some(_) => {
                    let builder =
                        std::fs::read_to_string(root().join("runtime/airflow/wt_dag.py")).unwrap();
                    let head = format!("# {}\n{builder}", wt::codegen::HEADER);
                    content
                        .strip_prefix(&head)
                        .unwrap_or_else(|| panic!("{path} starts with the DAG builder"))
                        .to_string()
                }
                None => content,
            };
            let snapshot = format!("{name}@{}", path.replace('/', "__"));
            insta::assert_snapshot!(snapshot, content);
        }
    }
}

/// Parameters hidden with `Field(exclude=True)` never reach the forms, not even as `required`
/// names, in any example.
#[test]
fn hidden_parameters_stay_out_of_the_schemas() {
    let mut checked = 0;
    for name in EXAMPLES {
        let text = std::fs::read_to_string(root().join(format!("workflows/{name}/spec.yaml")));
        let wf = wt::check::check_text(
            "spec.yaml",
            &text.unwrap(),
            &registry(),
            &signatures(),
            &Default::default(),
        )
        .unwrap()
        .workflow;
        let files = generate(name);
        let pkg = format!("wt_{name}_workflow");
        let params: serde_json::Value =
            serde_json::from_str(&files[&format!("{pkg}/params.json")]).unwrap();
        for inst in &wf.instances {
            let Some(form) = params["properties"].get(&inst.def.id.value) else {
                continue;
            };
            for p in inst.task.signature.parameters.iter().filter(|p| p.hidden) {
                checked += 1;
                assert!(
                    form["properties"].get(&p.name).is_none(),
                    "{name}: {}",
                    p.name
                );
                assert!(
                    !form["required"]
                        .as_array()
                        .unwrap()
                        .contains(&p.name.as_str().into()),
                    "{name}: {} is required",
                    p.name
                );
            }
        }
    }
    assert!(
        checked >= 2,
        "the examples hide parameters of form instances"
    );
}

/// `params.example.json` is a valid configuration of every example (their placeholders are of
/// the right type), with each default as params.json says.
#[test]
fn the_example_configs_are_valid_parameters() {
    for name in EXAMPLES {
        let files = generate(name);
        let package = format!("wt_{}_workflow", name);
        let params: serde_json::Value =
            serde_json::from_str(&files[&format!("{package}/params.json")]).unwrap();
        let example: serde_json::Value =
            serde_json::from_str(&files["params.example.json"]).unwrap();
        let violations = wt::schema::validate(&example, &params);
        assert!(violations.is_empty(), "{name}: {violations:?}");
    }
}

#[test]
fn generation_is_byte_identical_across_runs() {
    for name in EXAMPLES {
        assert_eq!(
            generate(name),
            generate(name),
            "{name} differs between two runs"
        );
    }
}

fn ruff() -> PathBuf {
    std::env::var_os("WT_RUFF")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".tools/bin/ruff"))
}

fn write(dir: &Path, files: &BTreeMap<String, String>) {
    for (rel, content) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
}

#[test]
fn generated_python_is_ruff_formatted_and_clean() {
    let ruff = ruff();
    assert!(
        ruff.is_file(),
        "ruff not found at {} (run scripts/bootstrap.sh or set WT_RUFF)",
        ruff.display()
    );
    let dir = tempfile::tempdir().unwrap();
    for name in EXAMPLES {
        write(&dir.path().join(name), &generate(name));
    }
    // Each workspace is checked with its own pyproject.toml (which names its first-party
    // package for import sorting), as a user running ruff in it would.
    for name in EXAMPLES {
        let ws = dir.path().join(name);
        for args in [
            &["format", "--check", "--diff", "."][..],
            &["check", "."][..],
        ] {
            let out = std::process::Command::new(&ruff)
                .args(args)
                .current_dir(&ws)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "ruff {args:?} failed on {name}:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// Parameters of each example (as the end-to-end tests run them) go through the form and
/// back unchanged, and both forms validate against their schemas.
#[test]
fn params_and_formdata_round_trip_for_every_example() {
    let cases = [
        (
            "add_then_double",
            serde_json::json!({"total": {"a": 3, "b": 3}}),
        ),
        (
            "fan_out",
            serde_json::json!({"pairs": {"bases": [1, 2], "exponent": 3}, "scores": {"names": ["ab"]}, "summary": {"count": 2}}),
        ),
        (
            "safe_sqrt",
            serde_json::json!({"difference": {"a": 3, "b": 6}}),
        ),
        (
            "station_report",
            serde_json::json!({"config": {"station": {"name": "N", "elevation_m": 3.5}, "tags": ["x"]}, "readings": {"count": 2, "start": 1.5}}),
        ),
        (
            "animal_tracks",
            serde_json::json!({"fixes": {"animals": ["ada"]}, "lengths": {"unit_scale": 2.0}}),
        ),
    ];
    for (name, params) in cases {
        let files = generate(name);
        let pkg = format!("wt_{}_workflow", name);
        let params_schema: serde_json::Value =
            serde_json::from_str(&files[&format!("{pkg}/params.json")]).unwrap();
        let rjsf: serde_json::Value =
            serde_json::from_str(&files[&format!("{pkg}/rjsf.json")]).unwrap();
        assert!(
            wt::schema::validate(&params, &params_schema).is_empty(),
            "{name}: params invalid"
        );
        let formdata = wt::schema::params_to_formdata(&params, &rjsf, &params_schema).unwrap();
        assert!(
            wt::schema::validate(&formdata, &rjsf).is_empty(),
            "{name}: formdata invalid"
        );
        let back = wt::schema::formdata_to_params(&formdata, &rjsf, &params_schema).unwrap();
        assert_eq!(back, params, "{name}: round trip changed the parameters");
        if name == "station_report" {
            assert!(
                formdata.get("Setup").is_some(),
                "grouped tasks nest under their group title: {formdata}"
            );
        }
    }
}

/// The image the generated Dockerfile builds holds every `path:` library where pixi.toml (and
/// so pixi.lock) says it is, relative to the workspace: the build is replayed without Docker,
/// copying what each `COPY` names out of the context the header's `docker build` names, then
/// pixi.toml's paths are followed from the `WORKDIR`.
#[test]
fn the_image_holds_every_path_library_where_pixi_toml_says() {
    for name in EXAMPLES {
        let files = generate(name);
        let dockerfile = &files["Dockerfile"];
        let workspace = root()
            .join("workflows")
            .join(name)
            .join(wt::compile::release_name(wt::compile::DEFAULT_PREFIX, name));
        // `#   docker build -t <name> -f Dockerfile <context>` (or `.`: the workspace itself).
        let build = dockerfile
            .lines()
            .find(|l| l.starts_with("#   docker build "))
            .unwrap();
        let context = workspace.join(build.rsplit(' ').next().unwrap());
        let image = tempfile::tempdir().unwrap();
        let mut workdir = None;
        for line in dockerfile.lines() {
            if let Some(args) = line.strip_prefix("COPY [") {
                let args: Vec<String> = serde_json::from_str(&format!("[{args}")).unwrap();
                let (from, to) = (&args[0], args[1].trim_start_matches('/'));
                assert!(
                    !from.contains(".."),
                    "{name}: COPY {from} leaves the context"
                );
                let source = wt::workspace::normalize(&context.join(from));
                let target = image.path().join(to);
                if source == wt::workspace::normalize(&workspace) {
                    // The workspace is not on disk here: its generated files are.
                    write(&target, &files);
                } else {
                    assert!(source.is_dir(), "{name}: COPY {from}: no such folder");
                    fs::copy_dir(&source, &target);
                }
            } else if let Some(dir) = line.strip_prefix("WORKDIR ") {
                workdir = Some(image.path().join(dir.trim_start_matches('/')));
            } else if line == "COPY . ." {
                write(&image.path().join("app"), &files);
            }
        }
        let workdir = workdir.unwrap();
        let manifest: toml::Table = toml::from_str(&files["pixi.toml"]).unwrap();
        let mut libraries = 0;
        for (dep, spec) in manifest["pypi-dependencies"].as_table().unwrap() {
            let Some(path) = spec.get("path").and_then(|p| p.as_str()) else {
                continue;
            };
            let at = wt::workspace::normalize(&workdir.join(path));
            assert!(
                at.starts_with(image.path()) && at.join("pyproject.toml").is_file(),
                "{name}: `{dep}` is at {path} from the workspace, which the image does not hold"
            );
            libraries += 1;
        }
        assert!(
            libraries > 0,
            "{name}: the examples install a task library by path"
        );
        assert!(
            workdir.join("pixi.toml").is_file(),
            "{name}: WORKDIR holds the workspace"
        );
    }
}

/// The deepest literal a spec may hold (`wt::yaml::MAX_DEPTH` levels in all) still compiles
/// as Python, whose parser refuses 200 nested brackets: every generated module is compiled by
/// the `WT_TEST_PYTHON` interpreter.
#[test]
fn the_deepest_literal_a_spec_may_hold_compiles_as_python() {
    // The document, the workflow list, the task, its `partial` and a mapping hold the literal,
    // bound to a parameter that takes any value (`context: dict[str, Any] | None`).
    let depth = wt::yaml::MAX_DEPTH - 5;
    let literal = "[".repeat(depth) + "1" + &"]".repeat(depth);
    let spec = format!(
        "id: deep\nrequirements:\n  - name: wt-example-tasks\n    path: ../../examples/wt-example-tasks\nworkflow:\n  - id: summary\n    task: report\n    partial:\n      context: {{deep: {literal}}}\n"
    );
    let files = codegen_only::generate(&spec, &root().join("workflows/deep"), &["linux-64"]);
    let python: BTreeMap<String, String> = files
        .into_iter()
        .filter(|(path, _)| path.ends_with(".py"))
        .collect();
    let opened = |text: &String| text.matches('[').count();
    assert!(
        python.values().map(opened).max() >= Some(depth),
        "the literal is in the generated code"
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &python);
    test_python::run_python(
        "import sys\nfor p in sys.argv[1:]:\n    compile(open(p).read(), p, 'exec')",
        python.keys().map(|p| dir.path().join(p)),
    );
}
