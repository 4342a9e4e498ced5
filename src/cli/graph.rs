//! `wt graph SPEC [--format svg|mermaid|dot]`: the DAG picture of a workflow, on stdout.
//!
//! The spec is validated as `wt check` validates it (discovery, through the cache, gives each
//! task's function); nothing else is built.

use super::Cli;
use crate::codegen::picture::{self, Format};
use anyhow::Result;
use std::path::PathBuf;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    /// graph.svg, as compiled workspaces carry it.
    Svg,
    /// The README's mermaid flowchart.
    Mermaid,
    /// A Graphviz digraph (`dot -Tpng`).
    Dot,
}

#[derive(clap::Args)]
pub struct Args {
    /// The spec.yaml (or its folder).
    pub spec: PathBuf,
    #[arg(long, value_enum, default_value = "svg")]
    pub format: FormatArg,
}

pub fn run(cli: &Cli, args: &Args) -> Result<i32> {
    let project = cli.project(&args.spec)?;
    let state = project.validated_spec(&args.spec)?;
    let wf = project.workflow(&state)?;
    let title = crate::compile::release_name(crate::compile::DEFAULT_PREFIX, &wf.spec.id.value);
    let format = match args.format {
        FormatArg::Svg => Format::Svg,
        FormatArg::Mermaid => Format::Mermaid,
        FormatArg::Dot => Format::Dot,
    };
    print!("{}", picture::picture(wf, &title, format)?);
    Ok(0)
}
