//! `wt schema spec`: the JSON Schema of `spec.yaml`, for editors.

use crate::spec::shape::spec_schema;
use anyhow::Result;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Print the JSON Schema (2020-12) of spec.yaml: every key, its type and meaning, unknown
    /// keys refused as `wt build` refuses them. Point yaml-language-server at it for
    /// completion and checks while writing a spec.
    Spec,
}

pub fn run(cmd: &Command) -> Result<i32> {
    match cmd {
        Command::Spec => println!("{}", serde_json::to_string_pretty(&spec_schema())?),
    }
    Ok(0)
}
