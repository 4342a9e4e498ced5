//! `wt run SPEC (--config-json JSON | --config-file FILE) [--mock-io] [--results DIR]
//! [--execution-mode sequential|parallel|async] [--workers N] [--lithops-config FILE]`.

use super::Cli;
use crate::project::Project;
use crate::run::{
    ExecutionMode, Outcome, ResultsStore, RunOptions, execute, format_violations_against,
    read_config, results_dir,
};
use anyhow::Result;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(group = clap::ArgGroup::new("config").required(true).args(["config_json", "config_file"]))]
pub struct Args {
    /// The spec.yaml (or its folder).
    pub spec: PathBuf,
    /// Parameters as JSON, keyed by task instance id.
    #[arg(long, value_name = "JSON")]
    pub config_json: Option<String>,
    /// Parameters from a YAML or JSON file.
    #[arg(long, value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// Replace io tasks by their example data.
    #[arg(long)]
    pub mock_io: bool,
    /// How tasks run: one after another, on local worker processes, or on Lithops.
    #[arg(long, value_enum, default_value_t)]
    pub execution_mode: ExecutionMode,
    /// Workers of the parallel mode: the driver's lane and N - 1 processes, started only
    /// when work is worth sending to them (default: one per CPU).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub workers: Option<u32>,
    /// Lithops configuration (YAML) of the async mode (default: localhost).
    #[arg(long, value_name = "FILE")]
    pub lithops_config: Option<PathBuf>,
    /// Results folder or file:// URL (default: $WT_RESULTS, else ./results).
    #[arg(long, value_name = "DIR")]
    pub results: Option<String>,
    /// Output folder of the compiled workspace (default: next to the spec).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Reuse stored task results instead of running their tasks again (wt.toml: `[run] reuse`).
    #[arg(long, overrides_with = "no_reuse")]
    pub reuse: bool,
    /// Run every task, even with `[run] reuse = true` (results are still stored).
    #[arg(long)]
    pub no_reuse: bool,
    /// With reuse, reuse the results of io tasks too.
    #[arg(long)]
    pub reuse_io: bool,
    /// With reuse, reuse io results stored at most this many seconds ago.
    #[arg(long, value_name = "SECONDS")]
    pub reuse_max_age: Option<f64>,
    /// Say, per task instance, whether its result was reused or it ran, and why.
    #[arg(long)]
    pub explain: bool,
    /// Where task results are stored: a folder or an object store URL (file://, s3://, gs://,
    /// az://); default: wt.toml's `[run] results-store`, else <cache>/results.
    #[arg(long, value_name = "URL")]
    pub results_store: Option<String>,
}

pub fn run(cli: &Cli, args: &Args) -> Result<i32> {
    let config = read_config(args.config_json.as_deref(), args.config_file.as_deref())?;
    let project = cli.project(&args.spec)?;
    let (state, files, _) = project.write_spec(&args.spec, args.out.as_deref())?;
    let params = crate::project::package_json(&state, &files, "params.json")?;
    let violations = crate::schema::validate(&config, &params);
    if !violations.is_empty() {
        eprint!("{}", format_violations_against(&violations, Some(&params)));
        return Ok(Outcome::Invalid as i32);
    }
    let wf = project.workflow(&state)?;
    let unset = unset_env_references(wf);
    if !unset.is_empty() {
        eprint!("{}", state.file.render(&unset));
        return Ok(Outcome::Invalid as i32);
    }
    let env = project.environment(&state)?;
    let results = results_dir(args.results.as_deref());
    let (outcome, result) = execute(
        &env.python(),
        &state.out_dir,
        &crate::project::names(&state).package,
        &config,
        &results,
        RunOptions {
            mock_io: args.mock_io,
            mode: args.execution_mode,
            workers: args.workers,
            lithops_config: args.lithops_config.clone(),
            results_store: results_store(&project, args)?,
        },
    )?;
    match outcome {
        Outcome::Success => println!("{}", serde_json::to_string(&result.result)?),
        _ => {
            eprintln!(
                "error: the workflow failed: {}",
                result.error.as_deref().unwrap_or("unknown error")
            );
            if let Some(trace) = &result.trace {
                eprintln!("{}", trace.trim_end());
            }
            eprintln!(
                "  = note: result.json is in {}",
                crate::workspace::display(&results)
            );
        }
    }
    Ok(outcome as i32)
}

/// The store of task results of this run: `--results-store`, else wt.toml's, else
/// `<cache>/results`; reused unless `--no-reuse`, when `--reuse` or `[run] reuse` says so. A run
/// that neither reuses nor explains and names no store keeps no results (the plain sequential
/// DAG runs).
fn results_store(project: &Project, args: &Args) -> Result<Option<ResultsStore>> {
    let configured = &project.config.run;
    let reuse = (args.reuse || configured.reuse) && !args.no_reuse;
    if let Some(age) = args.reuse_max_age
        && !(age.is_finite() && age >= 0.0)
    {
        anyhow::bail!("--reuse-max-age must be a number of seconds >= 0");
    }
    let wanted = reuse || args.explain || args.results_store.is_some();
    if !wanted {
        return Ok(None);
    }
    if (args.reuse_io || args.reuse_max_age.is_some()) && !reuse {
        anyhow::bail!("--reuse-io and --reuse-max-age go with --reuse (or `[run] reuse = true`)");
    }
    // A folder is made absolute here: the workflow runs in its workspace's folder.
    let url = match (&args.results_store, &configured.results_store) {
        (Some(url), _) if url.contains("://") => url.clone(),
        (Some(dir), _) => crate::workspace::absolute(std::path::Path::new(dir))
            .display()
            .to_string(),
        (None, Some(url)) if url.contains("://") => url.clone(),
        (None, Some(dir)) => project.root.join(dir).display().to_string(),
        (None, None) => crate::cache::task_results::folder(project.cache().root())
            .display()
            .to_string(),
    };
    Ok(Some(ResultsStore {
        url,
        reuse,
        reuse_io: args.reuse_io,
        max_age: args.reuse_max_age,
        explain: args.explain,
    }))
}

/// One located error per `${{ env.NAME }}` the workflow reads that is not set here: the run
/// would otherwise fail half-way with a bare `KeyError`.
fn unset_env_references(wf: &crate::spec::resolved::Workflow) -> Vec<crate::diag::Diagnostic> {
    wf.env_references()
        .into_iter()
        .filter(|(_, r)| std::env::var_os(&r.name).is_none())
        .map(|(inst, r)| {
            crate::diag::Diagnostic::new(
                r.span,
                format!(
                    "Environment variable `{}` is not set; task `{}` reads it for `{}`.",
                    r.name, inst.def.id.value, r.argument
                ),
            )
            .help(format!(
                "Set it before the run (`export {}=...`): the workflow reads it when the task runs, and nothing has run yet.",
                r.name
            ))
        })
        .collect()
}
