//! `wt python SPEC`: prints the interpreter of a workflow's environment, building what is
//! missing first: the `WT_AIRFLOW_PYTHON` of the Airflow DAG's local mode, an editor's or a
//! debugger's interpreter.

use super::Cli;
use anyhow::Result;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The spec.yaml (or its folder).
    pub spec: PathBuf,
    /// Output folder of the compiled workspace (default: next to the spec).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(cli: &Cli, args: &Args) -> Result<i32> {
    let project = cli.project(&args.spec)?;
    let (state, _, _) = project.write_spec(&args.spec, args.out.as_deref())?;
    println!("{}", project.environment(&state)?.python().display());
    Ok(0)
}
