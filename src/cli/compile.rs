//! `wt compile SPEC [--out DIR]`: build one workflow and write its workspace.

use super::Cli;
use crate::compile::WriteOutcome;
use anyhow::Result;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The spec.yaml (or its folder).
    pub spec: PathBuf,
    /// Output folder (default: next to the spec, named wt-<id>-workflow).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(cli: &Cli, args: &Args) -> Result<i32> {
    let project = cli.project(&args.spec)?;
    let (state, _, outcome) = project.write_spec(&args.spec, args.out.as_deref())?;
    let what = match outcome {
        WriteOutcome::Written => "Compiled",
        WriteOutcome::Unchanged => "Up to date",
    };
    println!(
        "{what}: {} -> {}",
        state.file.display,
        crate::workspace::display(&state.out_dir)
    );
    Ok(0)
}
