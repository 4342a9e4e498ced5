//! Running the real `wt` binary on a workflow, as the end-to-end tests do: one shared cache
//! under target/ (environments are built once per machine), results in a temp folder.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn wt() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wt"));
    let tools = root().join(".tools/bin");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![tools];
    paths.extend(std::env::split_paths(&path));
    cmd.env("PATH", std::env::join_paths(paths).unwrap())
        .env("WT_CACHE_DIR", root().join("target/e2e-cache"))
        .env_remove("WT_RESULTS");
    cmd
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub result_json: Option<Value>,
}

pub fn run_example(spec: &Path, config: &Value, extra: &[&str], envs: &[(&str, &str)]) -> Run {
    let out_dir = tempfile::tempdir().unwrap();
    let results = out_dir.path().join("results");
    let mut cmd = wt();
    cmd.arg("run")
        .arg(spec)
        .arg("--config-json")
        .arg(config.to_string())
        .arg("--results")
        .arg(&results)
        .arg("--out")
        .arg(out_dir.path().join("ws"))
        .args(extra);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out: Output = cmd.output().unwrap();
    let result_json = std::fs::read_to_string(results.join("result.json"))
        .ok()
        .map(|t| serde_json::from_str(&t).unwrap());
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        result_json,
    }
}

/// Writes a one-module task library `name` (its module is the name with `_`) into `dir`, its
/// module declared under the `wt_registry` entry points; returns the module's path.
pub fn write_library(dir: &Path, name: &str, source: &str) -> PathBuf {
    let module = name.replace('-', "_");
    let lib = dir.join(name);
    std::fs::create_dir_all(lib.join(&module)).unwrap();
    std::fs::write(
        lib.join("pyproject.toml"),
        format!("[project]\nname = \"{name}\"\nversion = \"0.0.1\"\ndependencies = [\"wt-registry\"]\n[project.entry-points.\"wt_registry\"]\ntasks = \"{module}\"\n[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n"),
    )
    .unwrap();
    let path = lib.join(&module).join("__init__.py");
    std::fs::write(&path, source).unwrap();
    path
}

/// Writes `spec.yaml` into `dir`: `square_root` mapped over readings starting at `start`
/// (`{"values": {"count": 3, "start": -1.0}}` makes its first element fail), over the example
/// task library; returns its path.
pub fn write_roots_spec(dir: &Path) -> PathBuf {
    let spec = dir.join("spec.yaml");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        &spec,
        format!(
            "id: root_flow\nrequirements:\n  - name: wt-example-tasks\n    path: {}\nworkflow:\n  - id: values\n    task: fetch_readings\n  - id: roots\n    task: square_root\n    map:\n      argnames: value\n      argvalues: ${{{{ workflow.values.return }}}}\n",
            root().join("examples/wt-example-tasks").display()
        ),
    )
    .unwrap();
    spec
}

pub fn example(name: &str) -> PathBuf {
    root().join("workflows").join(name).join("spec.yaml")
}
