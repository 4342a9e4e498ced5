//! The `wt` command line.

mod compile;
mod fingerprint;
mod run;
mod tasks;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "wt",
    version,
    about = "Build, run and serve workflow DAGs of typed Python functions."
)]
pub struct Cli {
    /// Cache folder (default: $WT_CACHE_DIR, else <workspace>/cache, else ~/.cache/wt).
    #[arg(long, global = true, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Compile a spec.yaml into a standalone pixi workspace.
    Compile(compile::Args),
    /// Compile if needed, then run a workflow and print its result.
    Run(run::Args),
    /// List the tasks a spec's requirements provide, with their parameters.
    Tasks(tasks::Args),
    /// Print a workflow's structural and cosmetic fingerprints.
    Fingerprint(fingerprint::Args),
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Compile(args) => compile::run(&cli, args),
        Command::Run(args) => run::run(&cli, args),
        Command::Tasks(args) => tasks::run(&cli, args),
        Command::Fingerprint(args) => fingerprint::run(&cli, args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprint!("{}", report(&e));
            2
        }
    }
}

/// Formats an error for the terminal: spec errors are already rendered; others get `error:`.
pub fn report(e: &crate::load::LoadError) -> String {
    match e {
        crate::load::LoadError::Spec(rendered) => rendered.clone(),
        crate::load::LoadError::Other(err) => format!("error: {err:#}\n"),
    }
}

/// The cache folder for a spec path.
pub fn cache_for(cli: &Cli, spec: &std::path::Path) -> PathBuf {
    let root = crate::workspace::find_root(spec);
    crate::workspace::cache_dir(cli.cache_dir.as_deref(), root.as_deref())
}
