//! `wt fingerprint SPEC`: the structural and cosmetic digests of a workflow.

use super::Cli;
use super::session::Session;
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
    let session = Session::open(cli, &args.spec)?;
    let state = session.validated_one(&args.spec)?;
    let wf = state.workflow.get().expect("validated");
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
