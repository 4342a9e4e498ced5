//! The `wt` command line.

mod build;
mod cache;
mod compile;
mod fingerprint;
mod gc;
mod graph;
mod init;
mod new;
mod python;
mod run;
mod schema;
pub mod serve;
mod tasks;

use crate::project::{Options, Project};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "wt",
    version,
    about = "Build, run and serve workflow DAGs of typed Python functions."
)]
pub struct Cli {
    /// Cache folder (default: $WT_CACHE_DIR, else wt.toml's cache.dir, else <workspace>/cache).
    #[arg(long, global = true, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Bazel HTTP remote cache to read through and upload to, http:// or https:// (credentials
    /// as https://user:password@host/...; or wt.toml's cache.remote).
    #[arg(long, global = true, value_name = "URL", env = "WT_REMOTE_CACHE")]
    pub remote_cache: Option<String>,
    /// Read from the remote cache but never upload (for untrusted CI jobs).
    #[arg(long, global = true)]
    pub remote_cache_read_only: bool,
    /// A header sent with every remote-cache request, NAME=VALUE (repeatable; e.g. an API
    /// key). Values are never printed.
    #[arg(
        long,
        global = true,
        value_name = "NAME=VALUE",
        env = "WT_REMOTE_CACHE_HEADERS",
        value_delimiter = '\n',
        hide_env_values = true
    )]
    pub remote_cache_header: Vec<String>,
    /// Steps run in parallel (default: number of CPUs, or wt.toml's build.jobs).
    #[arg(long, short = 'j', global = true, value_name = "N")]
    pub jobs: Option<usize>,
    /// Print only results and errors.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// Touch no network: conda channels, PyPI and remote caches are read from local caches
    /// only, and anything missing there is an error.
    #[arg(long, global = true, env = "WT_OFFLINE")]
    pub offline: bool,
    /// Re-solve every requirement, ignoring the pins of existing locks and cached solves.
    #[arg(long, global = true)]
    pub update_lock: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Build workflows: //workflows/..., //workflows/foo, //... or paths.
    Build(build::Args),
    /// Fail (listing why) when committed workspaces differ from what their specs produce.
    Check(build::Args),
    /// Compile one spec.yaml into a standalone pixi workspace.
    Compile(compile::Args),
    /// Compile if needed, then run a workflow and print its result.
    Run(run::Args),
    /// List the tasks a spec's requirements provide, with their parameters.
    Tasks(tasks::Args),
    /// Print a workflow's structural and cosmetic fingerprints.
    Fingerprint(fingerprint::Args),
    /// Print the DAG picture of a workflow: svg (graph.svg), mermaid or dot (Graphviz).
    Graph(graph::Args),
    /// Inspect and maintain the cache.
    #[command(subcommand)]
    Cache(cache::Command),
    /// Build workflows, then serve them over HTTP (the wt-runner API).
    Serve(serve::Args),
    /// Print the interpreter of a workflow's environment (building it if needed).
    Python(python::Args),
    /// Create a workflow repository that builds and runs as it is: a task library, a
    /// workflow over it, wt.toml, editor schema, pre-commit hook and CI.
    Init(init::Args),
    /// Add to a repository: `wt new workflow ID` writes workflows/ID/spec.yaml.
    #[command(subcommand)]
    New(new::Command),
    /// Print a JSON Schema: `wt schema spec` for spec.yaml.
    #[command(subcommand)]
    Schema(schema::Command),
}

impl Cli {
    /// Opens the workspace containing `start` with the build options of the command line.
    fn project(&self, start: &Path) -> anyhow::Result<Project> {
        let options = Options {
            cache_dir: self.cache_dir.clone(),
            remote_cache: self.remote_cache.clone(),
            remote_cache_read_only: self.remote_cache_read_only,
            remote_cache_header: self.remote_cache_header.clone(),
            jobs: self.jobs,
            quiet: self.quiet,
            offline: self.offline,
            update_lock: self.update_lock,
        };
        Project::open(&options, start)
    }
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Build(args) => build::build(&cli, args),
        Command::Check(args) => build::check(&cli, args),
        Command::Compile(args) => compile::run(&cli, args),
        Command::Run(args) => run::run(&cli, args),
        Command::Tasks(args) => tasks::run(&cli, args),
        Command::Fingerprint(args) => fingerprint::run(&cli, args),
        Command::Graph(args) => graph::run(&cli, args),
        Command::Python(args) => python::run(&cli, args),
        Command::Cache(cmd) => cache::run(&cli, cmd),
        Command::Serve(args) => serve::run(&cli, args),
        Command::Schema(cmd) => schema::run(cmd),
        Command::Init(args) => init::run(args),
        Command::New(cmd) => new::run(&cli, cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", report(&e));
            2
        }
    }
}

/// Formats an error for the terminal: rendered spec errors print as they are; others get
/// `error:` and their chain of causes.
pub fn report(e: &anyhow::Error) -> String {
    crate::diag::render_error(e)
}
