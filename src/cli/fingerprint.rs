//! `wt fingerprint SPEC`: the structural and cosmetic digests of a workflow.

use super::Cli;
use anyhow::Result;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The spec.yaml (or its folder).
    pub spec: PathBuf,
    /// Print the canonical structural document the digest is taken of.
    #[arg(long)]
    pub explain: bool,
}

pub fn run(cli: &Cli, args: &Args) -> Result<i32> {
    let project = cli.project(&args.spec)?;
    let state = project.validated_spec(&args.spec)?;
    let wf = project.workflow(&state)?;
    let fp = crate::fingerprint::fingerprint(wf);
    println!("structural: {}", fp.structural);
    println!("cosmetic: {}", fp.cosmetic);
    if args.explain {
        println!(
            "{}",
            serde_json::to_string_pretty(&crate::fingerprint::structural_document(wf))?
        );
    }
    Ok(0)
}
