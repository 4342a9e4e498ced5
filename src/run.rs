//! `wt run`: execute a compiled workflow in its environment and collect `result.json`.
//!
//! Parameters are validated in Rust against params.json first, so a bad config is rejected
//! with every violation listed before any Python starts. The workflow then runs as
//! `python -m <package>.cli run` from the workspace folder, exactly as the pixi task and the
//! runner's invokers run it; its `result.json` is read back and reported.

use crate::contracts::{ResultJson, ValidationErrorItem};
use anyhow::{Context, Result, bail};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How a run ended, as the exit code `wt run` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success = 0,
    Failed = 1,
    Invalid = 2,
}

/// Reads `--config-json` text or a `--config-file` (YAML or JSON).
pub fn read_config(json: Option<&str>, file: Option<&Path>) -> Result<Json> {
    match (json, file) {
        (Some(text), None) => serde_json::from_str(text).context("--config-json is not valid JSON"),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config file {}", path.display()))?;
            if text.trim().is_empty() {
                return Ok(Json::Object(Default::default()));
            }
            let node = crate::yaml::parse(&text).map_err(|e| {
                anyhow::anyhow!(
                    "{}:{}:{}: invalid YAML/JSON: {}",
                    path.display(),
                    e.span.line,
                    e.span.col,
                    e.message
                )
            })?;
            Ok(node.to_json())
        }
        _ => bail!("exactly one of --config-json or --config-file must be given"),
    }
}

/// Formats schema violations, one per line, with the JSON path of each; with the `schema`,
/// an unexpected parameter close to one the schema has gets a did-you-mean.
pub fn format_violations(errors: &[ValidationErrorItem]) -> String {
    format_violations_against(errors, None)
}

/// [`format_violations`], with did-you-means from `schema` when given.
pub fn format_violations_against(errors: &[ValidationErrorItem], schema: Option<&Json>) -> String {
    let mut out = format!(
        "error: invalid parameters ({} problem{}):\n",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    for e in errors {
        let path: Vec<String> = e
            .path
            .iter()
            .map(|p| {
                p.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| p.to_string())
            })
            .collect();
        let at = if path.is_empty() {
            "(root)".to_string()
        } else {
            path.join(".")
        };
        let hint = schema.map(|s| misspelt(e, s)).unwrap_or_default();
        out.push_str(&format!("  - at `{at}`: {}{hint}\n", e.message));
    }
    out.push_str("  = help: `wt run` takes the parameters of params.json, keyed by task instance id; see the workspace's params.json\n");
    out
}

/// " Did you mean `x`?" for each unexpected property of an `additionalProperties` violation
/// that is close to a property the schema has at that place.
fn misspelt(e: &ValidationErrorItem, schema: &Json) -> String {
    if e.validator.as_deref() != Some("additionalProperties") {
        return String::new();
    }
    let Some(known) = properties_at(schema, &e.path) else {
        return String::new();
    };
    let Some(given) = e.input.as_object() else {
        return String::new();
    };
    given
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .filter_map(|k| {
            crate::diag::closest(k, known.iter().copied())
                .map(|c| format!(" Did you mean `{c}` for `{k}`?"))
        })
        .collect()
}

/// The property names the schema allows at an instance path (local `$ref`s followed).
fn properties_at<'a>(root: &'a Json, path: &[Json]) -> Option<Vec<&'a str>> {
    let resolve = |node: &'a Json| crate::schema::follow_ref(root, node);
    let mut node = resolve(root);
    for step in path {
        node = match step {
            Json::String(key) => resolve(node.get("properties")?.get(key)?),
            _ => resolve(node.get("items")?),
        };
    }
    Some(
        node.get("properties")?
            .as_object()?
            .keys()
            .map(String::as_str)
            .collect(),
    )
}

/// A results location: a folder path or a `file://` URL.
pub fn results_dir(arg: Option<&str>) -> PathBuf {
    let raw = arg
        .map(str::to_string)
        .or_else(|| {
            std::env::var(crate::env_vars::RESULTS)
                .ok()
                .filter(|v| !v.is_empty())
        })
        .unwrap_or_else(|| "results".into());
    let path = raw.strip_prefix("file://").unwrap_or(&raw);
    crate::workspace::absolute(Path::new(path))
}

/// How a run executes its tasks: the generated CLI's `--execution-mode` and `--workers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ExecutionMode {
    /// One task after another, in one process.
    #[default]
    Sequential,
    /// Independent tasks and `map` elements on local worker processes.
    Parallel,
    /// On Lithops: localhost, or the backend of LITHOPS_CONFIG_FILE.
    Async,
}

impl ExecutionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionMode::Sequential => "sequential",
            ExecutionMode::Parallel => "parallel",
            ExecutionMode::Async => "async",
        }
    }
}

/// How to run: mock io tasks or not, the execution mode, its worker count, (async) the
/// Lithops config file, and the store of task results.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub mock_io: bool,
    pub mode: ExecutionMode,
    pub workers: Option<u32>,
    pub lithops_config: Option<PathBuf>,
    pub results_store: Option<ResultsStore>,
}

/// The store of task results a run keeps its results in, and how it reuses them (the generated
/// CLI's `--results-store`, `--reuse`, `--reuse-io`, `--reuse-max-age`, `--explain`).
#[derive(Debug, Clone, Default)]
pub struct ResultsStore {
    /// A folder or an object store URL.
    pub url: String,
    pub reuse: bool,
    pub reuse_io: bool,
    pub max_age: Option<f64>,
    pub explain: bool,
}

impl ResultsStore {
    /// The generated CLI's arguments for this store.
    pub fn cli_args(&self) -> Vec<String> {
        let mut args = vec!["--results-store".to_string(), self.url.clone()];
        if self.reuse {
            args.push("--reuse".into());
        }
        if self.reuse_io {
            args.push("--reuse-io".into());
        }
        if let Some(age) = self.max_age {
            args.extend(["--reuse-max-age".to_string(), age.to_string()]);
        }
        if self.explain {
            args.push("--explain".into());
        }
        args
    }
}

/// Runs the compiled workflow of `workspace` with `python`, from the current folder, writing
/// into `results`.
pub fn execute(
    python: &Path,
    workspace: &Path,
    package: &str,
    config: &Json,
    results: &Path,
    options: RunOptions,
) -> Result<(Outcome, ResultJson)> {
    std::fs::create_dir_all(results)
        .with_context(|| format!("could not create the results folder {}", results.display()))?;
    let result_file = results.join("result.json");
    let _ = std::fs::remove_file(&result_file);
    let mut config_file = tempfile::Builder::new()
        .prefix("wt-config-")
        .suffix(".json")
        .tempfile()?;
    std::io::Write::write_all(&mut config_file, serde_json::to_string(config)?.as_bytes())?;
    let mut cmd = Command::new(python);
    cmd.args(["-m", &format!("{package}.cli")]).args(
        crate::codegen::cli_args::RunArgs {
            params: crate::codegen::cli_args::Params::File(config_file.path()),
            execution_mode: options.mode.as_str(),
            mock_io: options.mock_io,
            workers: options.workers.map(|n| n as usize),
        }
        .to_args(),
    );
    if let Some(path) = &options.lithops_config {
        cmd.env(
            crate::env_vars::LITHOPS_CONFIG_FILE,
            crate::workspace::absolute(path),
        );
    }
    if let Some(store) = &options.results_store {
        cmd.args(store.cli_args());
    }
    // Lithops' localhost backend keeps its state under TMPDIR; async runs side by side sharing
    // one were seen to hang, so each gets a folder of its own inside the current one.
    let lithops_state = match options.mode {
        ExecutionMode::Async => {
            let dir = tempfile::Builder::new()
                .prefix("wt-run-tmp-")
                .tempdir()
                .context("could not create a temporary folder")?;
            cmd.env("TMPDIR", dir.path());
            Some(dir)
        }
        _ => None,
    };
    // The run starts where the author is, so a relative path in the config means what it says
    // there; the generated package comes from the workspace (and nothing else of PYTHONPATH).
    // PYTHONSAFEPATH (Python >= 3.11) keeps that folder off `sys.path`: a folder there named
    // like a task library would otherwise be imported in its place (as a namespace package,
    // found before the finder of an editable install).
    let status = cmd
        .env(
            crate::env_vars::RESULTS,
            format!("file://{}", results.display()),
        )
        .env(crate::env_vars::PYTHONDONTWRITEBYTECODE, "1")
        .env("PYTHONSAFEPATH", "1")
        .env(
            crate::env_vars::PYTHONPATH,
            crate::workspace::absolute(workspace),
        )
        .status()
        .with_context(|| format!("could not start {}", python.display()))?;
    drop(lithops_state);
    let text = std::fs::read_to_string(&result_file);
    match (status.code(), text) {
        (Some(2), _) => bail!("the workflow rejected its parameters (see above)"),
        (_, Ok(text)) => {
            let result: ResultJson = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a valid result.json", result_file.display()))?;
            let outcome = if result.error.is_some() {
                Outcome::Failed
            } else {
                Outcome::Success
            };
            Ok((outcome, result))
        }
        (code, Err(_)) => bail!(
            "the workflow exited with {} without writing {}",
            code.map_or("a signal".into(), |c| format!("code {c}")),
            result_file.display()
        ),
    }
}
