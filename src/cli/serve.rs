//! `wt serve [--bind ADDR] [TARGETS]`: builds the targets (default `//...`) like `wt build`,
//! then serves them with the runner HTTP API (see [`crate::server`]).

use super::Cli;
use crate::diag::Rendered;
use crate::project::{Names, Project, Stage, TargetState};
use crate::server::{CloudBatchConfig, ServedWorkflow, ServerConfig};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Target patterns to build and serve: //workflows/..., //workflows/foo, //..., or paths
    /// (default: //...).
    pub targets: Vec<String>,
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub bind: String,
    /// Folder of the results of runs that name no results_url (default: a new temporary folder).
    #[arg(long, value_name = "DIR", env = "WT_SERVE_RESULTS_ROOT")]
    pub results_root: Option<PathBuf>,
    /// Largest request body (larger: 413).
    #[arg(long, default_value = "10MiB", value_name = "SIZE")]
    pub body_limit: String,
    /// Workflow processes running at once; more runs wait (default: 4 per CPU).
    #[arg(long, value_name = "N")]
    pub max_concurrent_runs: Option<usize>,
    /// Workers of each parallel run (its lane and N - 1 processes), and Lithops localhost
    /// workers of each async run (default: one per CPU, as `wt run`). Runs times workers is
    /// the most a busy server starts.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub workers_per_run: Option<u16>,
    /// Timeout in seconds of runs whose request gives none (default: none).
    #[arg(long, value_name = "SECONDS")]
    pub default_timeout: Option<f64>,
    /// After SIGINT/SIGTERM, seconds in-flight requests may take before their runs are
    /// stopped (blocking clients then get 503, and every stopped run a result.json).
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub shutdown_grace: f64,
    /// Seconds a connection may take to send a complete request head (also how long an idle
    /// kept-alive connection stays open).
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub header_timeout: f64,
    /// Seconds a request body may take to arrive once its head has (then 408).
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    pub body_timeout: f64,
    /// Connections served at once; more are answered 503 and closed.
    #[arg(long, default_value_t = 1024, value_name = "N")]
    pub max_connections: usize,
    /// Also allow local results folders under DIR (repeatable; by default a request may only
    /// write under the results root).
    #[arg(long, value_name = "DIR")]
    pub allow_results_under: Vec<PathBuf>,
    /// The Lithops configuration (YAML or JSON) of async runs: logging, credentials, every
    /// setting a request may not choose. A request's `lithops_config` may set only backend,
    /// storage, data limit, region, runtime image and memory, and bounded worker counts.
    #[arg(long, value_name = "FILE")]
    pub lithops_config: Option<PathBuf>,
    /// Let requests ask for `reuse`: their task results are kept in a store and reused when
    /// unchanged (io tasks always run). Off by default: reused results are shared between
    /// callers with the same parameters and secrets.
    #[arg(long)]
    pub allow_reuse: bool,
    /// The store of task results of `--allow-reuse` (a folder or an object store URL;
    /// default: <cache>/results).
    #[arg(long, value_name = "URL", requires = "allow_reuse")]
    pub results_store: Option<String>,
    /// A setting of every run (an environment variable a workflow reads with `${{ env.X }}`),
    /// repeatable; shown as it is, unlike a request's secrets.
    #[arg(long = "env", value_name = "NAME=VALUE", value_parser = setting)]
    pub settings: Vec<(String, String)>,
    /// Start every run as a new interpreter, rather than as a fork of a process that has
    /// imported the workflow and its task libraries (a warm worker, one per workflow).
    #[arg(long)]
    pub no_warm_workers: bool,
    /// Serve this matchspec to every request, whatever it names.
    #[arg(
        long,
        value_name = "MATCHSPEC",
        env = "ECOSCOPE_WORKFLOWS_MATCHSPEC_OVERRIDE"
    )]
    pub matchspec_override: Option<String>,
}

pub fn run(cli: &Cli, args: &Args) -> Result<i32> {
    init_logging();
    let cwd = std::env::current_dir()?;
    let workflows = load_workflows(cli, &cwd, &args.targets)?;
    if workflows.is_empty() {
        bail!("no workflow to serve: no spec.yaml matches the targets");
    }
    report_settings(&workflows, &args.settings);
    let results_root = match &args.results_root {
        Some(d) => crate::workspace::absolute(d),
        None => tempfile::Builder::new()
            .prefix("wt-serve-results-")
            .tempdir()
            .context("could not create a results folder")?
            .keep(),
    };
    let mut config = ServerConfig::new(results_root);
    config.body_limit =
        usize::try_from(crate::cache::parse_size(&args.body_limit).map_err(anyhow::Error::msg)?)
            .context("--body-limit is too large")?;
    if let Some(n) = args.max_concurrent_runs {
        config.max_concurrent_runs = n.max(1);
    }
    config.workers_per_run = args.workers_per_run.map(usize::from);
    if let Some(t) = args.default_timeout {
        config.default_timeout = Some(positive_seconds("--default-timeout", t)?);
    }
    if !(args.shutdown_grace.is_finite() && args.shutdown_grace >= 0.0) {
        bail!("--shutdown-grace must be a number of seconds >= 0");
    }
    config.shutdown_grace = Duration::from_secs_f64(args.shutdown_grace);
    config.header_timeout = positive_seconds("--header-timeout", args.header_timeout)?;
    config.body_timeout = positive_seconds("--body-timeout", args.body_timeout)?;
    config.max_connections = args.max_connections.max(1);
    config.allowed_results_roots = args
        .allow_results_under
        .iter()
        .map(|d| crate::workspace::absolute(d))
        .collect();
    config.matchspec_override = args.matchspec_override.clone();
    config.settings = args.settings.clone();
    config.warm_workers = !args.no_warm_workers;
    config.spans = crate::server::spans::Spans::from_env(|name| std::env::var(name).ok())
        .map_err(anyhow::Error::msg)?;
    if let Some(path) = &args.lithops_config {
        config.lithops_operator = Some(operator_lithops_config(path)?);
    }
    if args.allow_reuse {
        config.results_store = Some(match &args.results_store {
            Some(url) if url.contains("://") => url.clone(),
            // Runs start in their workspace's folder: a relative folder would move.
            Some(dir) => crate::workspace::absolute(Path::new(dir))
                .display()
                .to_string(),
            None => {
                let project = cli.project(&cwd)?;
                crate::cache::task_results::folder(project.cache().root())
                    .display()
                    .to_string()
            }
        });
    }
    config.cloud_batch = CloudBatchConfig::from_env();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.bind)
            .await
            .with_context(|| format!("could not listen on {}", args.bind))?;
        let addr = listener.local_addr()?;
        for w in &workflows {
            tracing::info!(
                "serving {} {} ({}) from {}",
                w.release,
                w.version,
                w.label,
                crate::workspace::display(&w.workspace)
            );
        }
        tracing::info!(
            "results of runs without results_url go to {}",
            config.results_root.display()
        );
        tracing::info!("listening on http://{addr}");
        crate::server::serve(listener, workflows, config).await
    });
    // Dropping the runs' tasks kills their process groups.
    runtime.shutdown_timeout(Duration::from_secs(5));
    served?;
    Ok(0)
}

/// The operator's Lithops configuration file, as JSON: a YAML (or JSON) mapping of sections.
fn operator_lithops_config(path: &Path) -> Result<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read --lithops-config {}", path.display()))?;
    let doc = crate::yaml::parse(&text).map_err(|e| {
        anyhow::anyhow!(
            "--lithops-config {}:{}:{}: {}",
            path.display(),
            e.span.line,
            e.span.col,
            e.message
        )
    })?;
    let json = doc.to_json();
    if !json
        .as_object()
        .is_some_and(|o| o.values().all(|v| v.is_object()))
    {
        bail!(
            "--lithops-config {}: must be a mapping of sections (`lithops:`, `localhost:`, ...), each a mapping of settings",
            path.display()
        );
    }
    Ok(json)
}

/// A duration option given in seconds, which must be positive.
fn positive_seconds(option: &str, seconds: f64) -> Result<Duration> {
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 1e9) {
        bail!("{option} must be a positive number of seconds");
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Request and run logs on stderr; `WT_LOG` filters (e.g. `WT_LOG=wt=debug` adds the
/// workflows' output lines), default `info`.
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("WT_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// Builds `patterns` (default `//...`) in the workspace containing `start`, writes their
/// workspaces, prepares their environments, and describes them for the server.
pub fn load_workflows(cli: &Cli, start: &Path, patterns: &[String]) -> Result<Vec<ServedWorkflow>> {
    let project = cli.project(start)?;
    if crate::workspace::find_root(start).is_none() {
        bail!(
            "no wt.toml in {} or any parent folder.\n  = help: `wt serve` works inside a workspace: create a wt.toml at its root",
            start.display()
        );
    }
    let targets = project.targets(patterns)?;
    let built = project.build(&targets, Stage::Packaged)?;
    crate::project::report_warnings(&built.states);
    if !built.failures.is_empty() {
        let text: Vec<String> = built
            .failures
            .iter()
            .map(|(label, err)| format!("{label} failed:\n{}", err.trim_end()))
            .collect();
        bail!(Rendered(text.join("\n\n")));
    }
    let mut out: Vec<ServedWorkflow> = Vec::new();
    let states: Vec<_> = built.states.iter().collect();
    for (s, fresh) in states.iter().zip(project.written(&states)) {
        let files = project.files(s)?;
        if !fresh {
            project.write(s, &files)?;
        }
        let Names { release, package } = crate::project::names(s);
        let json_file = |name: &str| crate::project::package_json(s, &files, name);
        let env = project.environment(s)?;
        let metadata = |key: &str| {
            s.spec()
                .metadata
                .as_ref()
                .and_then(|m| m.get(key))
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let workflow = ServedWorkflow {
            title: metadata("name"),
            description: metadata("description"),
            label: s.target.label.clone(),
            version: version(files.get("VERSION.yaml").map(Vec::as_slice)),
            params: json_file("params.json")?,
            rjsf: json_file("rjsf.json")?,
            release,
            package,
            workspace: s.out_dir.clone(),
            python: env.python(),
            env_hold: Some(env.hold.clone()),
            env_references: env_references(&project, s)?,
            tasks: task_nodes(s),
        };
        if let Some(other) = out.iter().find(|w| w.release == workflow.release) {
            bail!(
                "{} and {} are both `{}`: a server can serve only one workflow of a name; serve them separately",
                other.label,
                workflow.label,
                workflow.release
            );
        }
        out.push(workflow);
    }
    Ok(out)
}

/// The `${{ env.X }}` variables the workflow of `s` reads, each with where (one entry per
/// name: its first use).
fn env_references(project: &Project, s: &TargetState) -> Result<Vec<(String, String)>> {
    let wf = project.workflow(s)?;
    let mut out: Vec<(String, String)> = Vec::new();
    for (inst, r) in wf.env_references() {
        if out.iter().any(|(n, _)| *n == r.name) {
            continue;
        }
        let at = format!(
            "{} line {}: `{}` of task `{}`",
            crate::workspace::display(&s.file.path),
            r.span.line,
            r.argument,
            inst.def.id.value
        );
        out.push((r.name.clone(), at));
    }
    Ok(out)
}

/// The DAG of a validated workflow, for the run page.
fn task_nodes(s: &TargetState) -> Vec<crate::server::workflows::TaskNode> {
    let Some(wf) = s.workflow.get() else {
        return Vec::new();
    };
    wf.instances
        .iter()
        .map(|inst| crate::server::workflows::TaskNode {
            id: inst.def.id.value.clone(),
            name: Some(inst.def.name.clone())
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| inst.def.id.value.clone()),
            task: inst.task.function_name.clone(),
            after: inst.dependencies.clone(),
            mapped: inst.def.fan_out().is_some(),
        })
        .collect()
}

/// Says, at start, which settings (`${{ env.X }}`) each workflow reads, and warns of those
/// neither the server's environment nor `--env` sets: every run of that workflow would be
/// refused until they are.
fn report_settings(workflows: &[ServedWorkflow], settings: &[(String, String)]) {
    for w in workflows {
        for (name, at) in &w.env_references {
            let set = settings.iter().any(|(n, _)| n == name) || std::env::var_os(name).is_some();
            if set {
                tracing::info!("{} reads the setting {name} ({at})", w.label);
            } else {
                tracing::warn!(
                    "{} reads the setting {name} ({at}), which is not set: its runs are refused until it is (set it in the server's environment or with --env {name}=VALUE)",
                    w.label
                );
            }
        }
    }
}

/// `NAME=VALUE` of `--env`.
fn setting(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not NAME=VALUE"))?;
    let valid = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!("`{name}` is not an environment variable name"));
    }
    Ok((name.to_string(), value.to_string()))
}

/// `MAJ.MIN.PATCH` from VERSION.yaml (`{MAJ: 0, MIN: 1, PATCH: 2}`), else `0.0.0`.
fn version(text: Option<&[u8]>) -> String {
    let parsed = text
        .and_then(|t| std::str::from_utf8(t).ok())
        .and_then(|t| crate::yaml::parse(t).ok())
        .map(|n| n.to_json());
    let part = |k: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(k))
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0)
    };
    format!("{}.{}.{}", part("MAJ"), part("MIN"), part("PATCH"))
}
