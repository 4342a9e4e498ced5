//! `wt tasks SPEC`: what the spec's task libraries register.

use super::Cli;
use crate::contracts::{RegistryOutput, Signatures};
use crate::project::Project;
use crate::spec::json_type::Typed;
use crate::spec::validate::KnownTasks;
use anyhow::Result;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The spec.yaml (or its folder).
    pub spec: PathBuf,
    /// Print the registry JSON (as `wt-registry --format json` prints it).
    #[arg(long, conflicts_with = "signatures")]
    pub json: bool,
    /// Print the full signatures discovery read (every parameter, hidden ones included, and
    /// the return types) as JSON.
    #[arg(long)]
    pub signatures: bool,
}

pub fn run(cli: &Cli, args: &Args) -> Result<i32> {
    let project = cli.project(&args.spec)?;
    let (registry, signatures) = discovered(&project, &args.spec)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&registry)?);
    } else if args.signatures {
        println!("{}", serde_json::to_string_pretty(&signatures)?);
    } else {
        print!(
            "{}",
            table(&KnownTasks::from_registry(&registry, &signatures))
        );
    }
    Ok(0)
}
/// What discovery found for the spec's requirements: the registry and the full signatures
/// (built up to the discover step, through the cache).
pub fn discovered(project: &Project, spec: &Path) -> Result<(RegistryOutput, Signatures)> {
    let state = project.build_spec(spec, None, crate::project::Stage::Discovered)?;
    project.discovered(&state)
}

/// One block per task: reference and return type, description, tags, then one line per
/// parameter with its type, whether it is required and its default; parameters hidden from
/// forms (`Field(exclude=True)`) are marked, since only the spec can bind them.
pub fn table(known: &KnownTasks) -> String {
    let mut out = String::new();
    for t in known.all() {
        out.push_str(&t.importable_reference);
        if let Some(r) = &t.signature.return_schema {
            out.push_str(&format!(" -> {}", Typed::of(Some(r)).display()));
        }
        if t.io {
            out.push_str("  [io]");
        }
        out.push('\n');
        if let Some(d) = &t.description {
            out.push_str(&format!("    {d}\n"));
        }
        let props = t.json_schema.get("properties");
        let params: Vec<_> = t
            .signature
            .parameters
            .iter()
            .filter(|p| p.bindable())
            .collect();
        let width = params.iter().map(|p| p.name.len()).max().unwrap_or(0);
        for p in params {
            let ty = Typed::of(p.schema.as_ref()).display();
            let mut status = if !p.has_default {
                "required".to_string()
            } else {
                match props
                    .and_then(|ps| ps.get(&p.name))
                    .and_then(|s| s.get("default"))
                {
                    Some(d) => format!("default {d}"),
                    None => "optional".to_string(),
                }
            };
            if p.hidden {
                status.push_str(", hidden: bound by the spec");
            }
            out.push_str(&format!("    {:<width$}  {ty}  ({status})\n", p.name));
        }
    }
    out
}
