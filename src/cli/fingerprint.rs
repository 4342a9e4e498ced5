//! `wt fingerprint SPEC`: the structural and cosmetic digests of a workflow.

use super::{Cli, cache_for};
use crate::load::{LoadError, load};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The spec.yaml (or its folder).
    pub spec: PathBuf,
    /// Print the canonical structural document the digest is taken of.
    #[arg(long)]
    pub explain: bool,
}

pub fn run(cli: &Cli, args: &Args) -> Result<i32, LoadError> {
    let loaded = load(&args.spec, &cache_for(cli, &args.spec))?;
    let wf = loaded.validate()?;
    let fp = crate::fingerprint::fingerprint(&wf);
    println!("structural: {}", fp.structural);
    println!("cosmetic: {}", fp.cosmetic);
    if args.explain {
        let doc = crate::fingerprint::structural_document(&wf);
        println!(
            "{}",
            serde_json::to_string_pretty(&doc).map_err(anyhow::Error::from)?
        );
    }
    Ok(0)
}
