//! The Airflow target: every example's generated DAG (`airflow/<package>_dag.py`) run by real
//! Apache Airflow 3 (`dag.test`, installed by scripts/install-airflow.sh; each run in an
//! AIRFLOW_HOME of its own, with a copy of one migrated SQLite database) in `local` mode,
//! giving the same result.json as `wt run`; mapped task instances for every fan-out; a failing
//! task's error; parameters refused before any task; and the `kubernetes` variant loading with
//! its pods' image, command and resources.

use crate::support::{output, runs};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use runs::{example, wt};

/// Loads the DAG folder's one DAG; with a conf, runs it with `dag.test` and prints a summary.
const DAG_TEST: &str = r#"
import json, sys
from airflow.dag_processing.dagbag import DagBag

bag = DagBag(dag_folder=sys.argv[1])
errors = {k: str(v) for k, v in bag.import_errors.items()}
if errors or len(sys.argv) < 3:
    dag = next(iter(bag.dags.values()), None)
    pods = {}
    for t in (dag.tasks if dag else []):
        kw = dict(getattr(t, "partial_kwargs", None) or {})
        get = lambda name: kw.get(name, getattr(t, name, None))
        if type(t).__name__ in ("KubernetesPodOperator", "MappedOperator") and get("image"):
            resources = get("container_resources")
            env = get("env_vars")
            if isinstance(env, list):
                env = {e.name: e.value for e in env}
            pods[t.task_id] = {
                "env": env,
                "image": get("image"), "namespace": get("namespace"), "cmds": get("cmds"),
                "pull": get("image_pull_policy"), "mapped": type(t).__name__ == "MappedOperator",
                "requests": resources.requests if resources else None,
            }
    print("WT-SUMMARY " + json.dumps({"import_errors": errors, "pods": pods}))
    sys.exit(0)
dag = next(iter(bag.dags.values()))
run = dag.test(run_conf=json.loads(sys.argv[2]))
tasks = sorted([ti.task_id, ti.map_index, str(ti.state)] for ti in run.get_task_instances())
print("WT-SUMMARY " + json.dumps({"state": str(run.state), "tasks": tasks}))
"#;

/// Airflow's interpreter and a migrated SQLite database, made once for all the tests; each DAG
/// load or run gets an AIRFLOW_HOME of its own with a copy of it, so runs go side by side.
struct Airflow {
    python: PathBuf,
    database: PathBuf,
}

fn airflow() -> &'static Airflow {
    static AIRFLOW: OnceLock<Airflow> = OnceLock::new();
    AIRFLOW.get_or_init(|| {
        let python = PathBuf::from(std::env::var_os("WT_TEST_AIRFLOW_PYTHON").expect(
            "WT_TEST_AIRFLOW_PYTHON is not set: run `make test` (scripts/install-airflow.sh installs Airflow)",
        ));
        let home = tempfile::tempdir().unwrap().keep();
        let out = airflow_command(&python, &home)
            .args(["-m", "airflow", "db", "migrate"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        Airflow {
            python,
            database: home.join("airflow.db"),
        }
    })
}

fn airflow_command(python: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(python);
    // Airflow's environment (scripts/install-airflow.sh) is installed without bytecode: the
    // first process writes what it imports, and the others load it instead of compiling
    // Airflow's modules again (a few seconds each).
    cmd.env_remove("PYTHONDONTWRITEBYTECODE")
        .env("AIRFLOW_HOME", home)
        .env(
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
            format!("sqlite:///{}", home.join("airflow.db").display()),
        )
        .env("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
        .env("AIRFLOW__CORE__UNIT_TEST_MODE", "False")
        .env_remove("WT_AIRFLOW_MODE");
    cmd
}

/// The summary the DAG_TEST script printed about the DAG of the workspace `ws`, with what the
/// run logged (its tasks' logs) as `log`.
fn dag_test(ws: &Path, conf: Option<&Value>, env: &[(&str, &str)]) -> Value {
    let af = airflow();
    let home = tempfile::tempdir().unwrap();
    std::fs::copy(&af.database, home.path().join("airflow.db")).unwrap();
    let mut cmd = airflow_command(&af.python, home.path());
    cmd.arg("-c")
        .arg(DAG_TEST)
        .arg(ws.join("airflow"))
        .env("AIRFLOW__CORE__DAGS_FOLDER", ws.join("airflow"))
        .envs(env.iter().copied());
    if let Some(conf) = conf {
        cmd.arg(conf.to_string());
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary = stdout
        .lines()
        .find_map(|l| l.strip_prefix("WT-SUMMARY "))
        .unwrap_or_else(|| {
            panic!(
                "no summary:\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let mut summary: Value = serde_json::from_str(summary).unwrap();
    summary["log"] = json!(format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)));
    summary
}

/// Compiles `spec` into `ws` and returns the interpreter of its environment (`wt python`).
fn workflow_python(spec: &Path, ws: &Path) -> String {
    let out = wt()
        .arg("--quiet")
        .arg("python")
        .arg(spec)
        .arg("--out")
        .arg(ws)
        .output()
        .unwrap();
    output::ok(&out).trim().to_string()
}

/// `wt run`'s result.json for the same workflow and conf.
fn wt_run(spec: &Path, ws: &Path, conf: &Value, env: &[(&str, &str)]) -> Value {
    let results = tempfile::tempdir().unwrap();
    let mut cmd = wt();
    cmd.arg("--quiet")
        .arg("run")
        .arg(spec)
        .arg("--config-json")
        .arg(conf["params"].to_string())
        .arg("--out")
        .arg(ws)
        .arg("--results")
        .arg(results.path())
        .envs(env.iter().copied());
    if conf["mock_io"] == json!(true) {
        cmd.arg("--mock-io");
    }
    cmd.output().unwrap();
    serde_json::from_str(&std::fs::read_to_string(results.path().join("result.json")).unwrap())
        .unwrap()
}

/// Runs `spec` on Airflow (local mode) with `params`; returns the summary and result.json.
fn on_airflow(spec: &Path, ws: &Path, conf: &Value, env: &[(&str, &str)]) -> (Value, Value) {
    let python = workflow_python(spec, ws);
    let results = tempfile::tempdir().unwrap();
    let mut conf = conf.clone();
    conf["results_url"] = json!(results.path());
    let mut env = env.to_vec();
    env.extend([
        ("WT_AIRFLOW_MODE", "local"),
        ("WT_AIRFLOW_PYTHON", python.as_str()),
    ]);
    let summary = dag_test(ws, Some(&conf), &env);
    let written = std::fs::read_to_string(results.path().join("result.json"))
        .unwrap_or_else(|_| panic!("no result.json: {summary}"));
    (summary, serde_json::from_str(&written).unwrap())
}

fn mapped(summary: &Value, task: &str) -> Vec<i64> {
    summary["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t[0] == task && t[2] == "success")
        .map(|t| t[1].as_i64().unwrap())
        .collect()
}

/// Runs `name` on Airflow with `conf` (and environment `env`) and checks that it succeeds with
/// the result.json `wt run` writes for the same parameters; returns the DAG run's summary and
/// that result.
fn runs_on_airflow_as_with_wt_run(name: &str, conf: Value, env: &[(&str, &str)]) -> (Value, Value) {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join(name);
    let (summary, result) = on_airflow(&example(name), &ws, &conf, env);
    assert_eq!(summary["state"], "success", "{name}: {summary}");
    assert_eq!(result, wt_run(&example(name), &ws, &conf, env), "{name}");
    assert!(result["error"].is_null(), "{name}: {result}");
    (summary, result)
}

#[test]
fn add_then_double_runs_on_airflow_as_with_wt_run() {
    let conf = json!({"params": {"total": {"a": 3, "b": 3}}});
    runs_on_airflow_as_with_wt_run("add_then_double", conf, &[]);
}

/// A `map` and a `mapvalues`: one mapped task instance per element.
#[test]
fn fan_out_runs_on_airflow_as_with_wt_run() {
    let conf = json!({"params": {"pairs": {"bases": [1, 2, 3]}, "scores": {"names": ["ab", "c"]}, "summary": {"count": 2}}});
    let (summary, _) = runs_on_airflow_as_with_wt_run("fan_out", conf, &[]);
    assert_eq!(mapped(&summary, "powers"), [0, 1, 2], "{summary}");
    assert_eq!(mapped(&summary, "scaled"), [0, 1], "{summary}");
}

/// A skipped task, as `wt run` words it.
#[test]
fn safe_sqrt_runs_on_airflow_as_with_wt_run() {
    let conf = json!({"params": {"difference": {"a": 3, "b": -7}}});
    let (_, result) = runs_on_airflow_as_with_wt_run("safe_sqrt", conf, &[]);
    assert_eq!(result["result"], "skipped");
}

/// `${{ env.X }}` read by the workers, and mocked IO.
#[test]
fn station_report_runs_on_airflow_as_with_wt_run() {
    let conf = json!({"params": {"config": {"station": {"name": "North ridge", "elevation_m": 1200}, "tags": ["alpine"]}, "readings": {"count": 2}}, "mock_io": true});
    runs_on_airflow_as_with_wt_run("station_report", conf, &[("REPORT_OWNER", "ops")]);
}

#[test]
fn animal_tracks_runs_on_airflow_as_with_wt_run() {
    let conf =
        json!({"params": {"fixes": {"animals": ["ada", "bo"]}, "lengths": {"unit_scale": 2}}});
    runs_on_airflow_as_with_wt_run("animal_tracks", conf, &[]);
}

/// A task that raises fails its Airflow task; result.json carries the error as `wt run` words
/// it; parameters that do not match params.json stop the run before any task.
#[test]
fn failures_and_refused_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let spec = runs::write_roots_spec(&dir.path().join("roots"));
    let ws = dir.path().join("ws");
    let conf = json!({"params": {"values": {"count": 3, "start": -1.0}}});
    let (summary, result) = on_airflow(&spec, &ws, &conf, &[]);
    assert_eq!(summary["state"], "failed", "{summary}");
    assert_eq!(
        result["error"],
        wt_run(&spec, &ws, &conf, &[])["error"],
        "{result}"
    );
    assert!(
        result["trace"].as_str().unwrap().contains("square_root"),
        "{result}"
    );
    // The failed task's log names the task instance and holds the worker's traceback.
    let log = summary["log"].as_str().unwrap();
    assert!(
        log.contains("Task instance 'roots' raised ValueError"),
        "{log}"
    );
    assert!(log.contains("in square_root"), "{log}");

    let bad = json!({"params": {"values": {"count": "three"}}});
    let (summary, result) = on_airflow(&spec, &ws, &bad, &[]);
    assert_eq!(summary["state"], "failed", "{summary}");
    let states: Vec<&Value> = summary["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t[0] == "values")
        .map(|t| &t[2])
        .collect();
    assert_eq!(states, [&json!("upstream_failed")], "{summary}");
    assert!(
        result["error"]
            .as_str()
            .unwrap()
            .contains("Invalid configuration"),
        "{result}"
    );
}

/// The default mode: every step a Kubernetes pod of the workflow's image, configured by the
/// WT_AIRFLOW_* settings; the DAG loads with no import error (no cluster needed).
#[test]
fn the_kubernetes_variant_loads_with_its_pods() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("fan_out");
    workflow_python(&example("fan_out"), &ws);
    let summary = dag_test(
        &ws,
        None,
        &[
            ("WT_AIRFLOW_IMAGE", "registry.example/wt-fan-out:1"),
            ("WT_AIRFLOW_NAMESPACE", "workflows"),
            ("WT_AIRFLOW_CPU", "2"),
            ("WT_AIRFLOW_MEMORY", "4Gi"),
            ("WT_AIRFLOW_RESULTS_STORE", "s3://bucket/wt"),
        ],
    );
    assert_eq!(summary["import_errors"], json!({}), "{summary}");
    let pods = summary["pods"].as_object().unwrap();
    for step in [
        "check_params",
        "pairs",
        "powers__elements",
        "powers",
        "summary",
        "finish",
    ] {
        let pod = &pods[step];
        assert_eq!(
            pod["image"], "registry.example/wt-fan-out:1",
            "{step}: {pod}"
        );
        assert_eq!(pod["namespace"], "workflows", "{step}");
        assert_eq!(
            pod["cmds"],
            json!([
                "pixi",
                "run",
                "--frozen",
                "-e",
                "default",
                "python",
                "-m",
                "wt_fan_out_workflow.entry"
            ]),
            "{step}"
        );
        assert_eq!(
            pod["requests"],
            json!({"cpu": "2", "memory": "4Gi"}),
            "{step}"
        );
        assert_eq!(pod["pull"], "IfNotPresent", "{step}");
        assert_eq!(
            pod["env"],
            json!({"WT_XCOM_FILE": "/airflow/xcom/return.json"}),
            "{step}"
        );
    }
    assert_eq!(pods["powers"]["mapped"], true);
    assert_eq!(pods["pairs"]["mapped"], false);
}
