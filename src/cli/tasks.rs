//! `wt tasks SPEC`: what the spec's task libraries register.

use super::Cli;
use super::session::Session;
use crate::spec::validate::KnownTasks;
use anyhow::Result;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The spec.yaml (or its folder).
    pub spec: PathBuf,
    /// Print the registry JSON (as `wt-registry --format json` prints it).
    #[arg(long)]
    pub json: bool,
}

pub fn run(cli: &Cli, args: &Args) -> Result<i32> {
    let session = Session::open(cli, &args.spec)?;
    let state = session.build_one(&args.spec, None, Some("discover"))?;
    let registry: crate::contracts::RegistryOutput =
        serde_json::from_slice(&session.ctx.output(&state, "discover", "registry.json")?)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&registry)?);
    } else {
        print!("{}", table(&KnownTasks::from_registry(&registry)));
    }
    Ok(0)
}
/// One block per task: reference, description, tags, then one line per parameter with its
/// type, whether it is required and its default.
pub fn table(known: &KnownTasks) -> String {
    let mut out = String::new();
    for t in known.all() {
        out.push_str(&t.importable_reference);
        if t.io {
            out.push_str("  [io]");
        }
        out.push('\n');
        if let Some(d) = &t.description {
            out.push_str(&format!("    {d}\n"));
        }
        let schema = &t.json_schema;
        let required: Vec<&str> = schema
            .get("required")
            .and_then(|r| r.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        let props = schema.get("properties").and_then(|p| p.as_object());
        let width = props
            .map(|p| p.keys().map(|k| k.len()).max().unwrap_or(0))
            .unwrap_or(0);
        for (name, prop) in props.into_iter().flatten() {
            let ty = type_text(prop);
            let status = if required.contains(&name.as_str()) {
                "required".to_string()
            } else {
                match prop.get("default") {
                    Some(d) => format!("default {d}"),
                    None => "optional".to_string(),
                }
            };
            out.push_str(&format!("    {name:<width$}  {ty}  ({status})\n"));
        }
    }
    out
}

/// A short human type name of a JSON schema property.
fn type_text(prop: &serde_json::Value) -> String {
    if let Some(r) = prop.get("$ref").and_then(|r| r.as_str()) {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    if let Some(any) = prop.get("anyOf").and_then(|a| a.as_array()) {
        return any.iter().map(type_text).collect::<Vec<_>>().join(" | ");
    }
    match prop.get("type").and_then(|t| t.as_str()) {
        Some("array") => format!(
            "list[{}]",
            prop.get("items")
                .map(type_text)
                .unwrap_or_else(|| "any".into())
        ),
        Some("object") => "object".into(),
        Some(t) => t.into(),
        None => "any".into(),
    }
}
