//! `wt compile SPEC [--out DIR]`: write the workflow's standalone workspace.

use super::{Cli, cache_for};
use crate::compile::{
    Compiled, DEFAULT_PREFIX, WriteOutcome, default_out_dir, generate, release_name, write_tree,
};
use crate::load::{LoadError, Loaded, load};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The spec.yaml (or its folder).
    pub spec: PathBuf,
    /// Output folder (default: next to the spec, named wt-<id>-workflow).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// A compiled and written workflow.
pub struct Built {
    pub loaded: Loaded,
    pub compiled: Compiled,
    pub out_dir: PathBuf,
    pub outcome: WriteOutcome,
}

/// Loads, validates, generates and writes a workflow.
pub fn build(cli: &Cli, spec: &Path, out: Option<&Path>) -> Result<Built, LoadError> {
    let loaded = load(spec, &cache_for(cli, spec))?;
    let workflow = loaded.validate()?;
    let out_dir = match out {
        Some(o) => crate::workspace::absolute(o),
        None => default_out_dir(
            loaded.file.dir(),
            &release_name(DEFAULT_PREFIX, &workflow.spec.id.value),
        ),
    };
    let compiled = generate(&workflow, &loaded.pypi, &out_dir)?;
    let outcome = write_tree(&out_dir, &compiled.files)?;
    Ok(Built {
        loaded,
        compiled,
        out_dir,
        outcome,
    })
}

pub fn run(cli: &Cli, args: &Args) -> Result<i32, LoadError> {
    let built = build(cli, &args.spec, args.out.as_deref())?;
    let what = match built.outcome {
        WriteOutcome::Written => "Compiled",
        WriteOutcome::Unchanged => "Up to date",
    };
    println!(
        "{what}: {} -> {}",
        built.loaded.file.display,
        crate::workspace::display(&built.out_dir)
    );
    Ok(0)
}
