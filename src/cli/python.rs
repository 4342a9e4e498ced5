//! `wt python SPEC`: prints the interpreter of a workflow's environment, building what is
//! missing first: the `WT_AIRFLOW_PYTHON` of the Airflow DAG's local mode, an editor's or a
//! debugger's interpreter.

use super::Cli;
use super::session::Session;
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
    let session = Session::open(cli, &args.spec)?;
    let (state, _, _) = session.write_one(&args.spec, args.out.as_deref())?;
    println!("{}", session.environment(&state)?.python().display());
    Ok(0)
}
