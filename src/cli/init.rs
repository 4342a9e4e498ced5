//! `wt init [DIR]`: a new workflow repository that builds and runs as it is: `wt.toml`, a task
//! library of three registered tasks (one `io`, with mock data), a workflow over them whose
//! parameters all have defaults, the spec's JSON Schema for editors, `.gitignore`, a
//! pre-commit hook and a CI workflow. The files are `templates/init/`, with names filled in.

use crate::spec::python::{is_identifier, is_keyword};
use crate::spec::shape::spec_schema;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The folder of the new repository (created if missing; default: the current one).
    pub dir: Option<PathBuf>,
    /// The example workflow's id (a Python identifier).
    #[arg(long, value_name = "ID", default_value = "scaled_sum")]
    pub workflow: String,
    /// The task library's distribution name (default: the folder's name, then `-tasks`).
    #[arg(long, value_name = "NAME")]
    pub library: Option<String>,
    /// The workflow's license (an SPDX expression).
    #[arg(long, default_value = "Apache-2.0")]
    pub license: String,
    #[arg(long, value_name = "NAME", default_value = "Your Name")]
    pub maintainer_name: String,
    #[arg(long, value_name = "EMAIL", default_value = "you@example.org")]
    pub maintainer_email: String,
    /// Write into a folder that is not empty (files of the scaffold's names are replaced,
    /// nothing else is touched).
    #[arg(long)]
    pub force: bool,
}

/// Every file of the scaffold: its path (placeholders allowed) and its template.
const FILES: &[(&str, &str)] = &[
    ("wt.toml", include_str!("../../templates/init/wt.toml")),
    (".gitignore", include_str!("../../templates/init/gitignore")),
    (
        ".pre-commit-config.yaml",
        include_str!("../../templates/init/pre-commit-config.yaml"),
    ),
    (
        ".github/workflows/wt.yml",
        include_str!("../../templates/init/ci.yml"),
    ),
    ("README.md", include_str!("../../templates/init/README.md")),
    (
        "libs/__LIBRARY__/pyproject.toml",
        include_str!("../../templates/init/library/pyproject.toml"),
    ),
    ("libs/__LIBRARY__/src/__MODULE__/__init__.py", ""),
    (
        "libs/__LIBRARY__/src/__MODULE__/tasks/__init__.py",
        include_str!("../../templates/init/library/tasks.py"),
    ),
    (
        "libs/__LIBRARY__/src/__MODULE__/tasks/read-numbers.example-return.json",
        include_str!("../../templates/init/library/read-numbers.example-return.json"),
    ),
    (
        "workflows/__WORKFLOW__/spec.yaml",
        include_str!("../../templates/init/spec.yaml"),
    ),
];

pub fn run(args: &Args) -> Result<i32> {
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => std::env::current_dir()?,
    };
    let project = folder_name(&dir)?;
    let names = Names::new(args, &project)?;
    if !args.force && dir.is_dir() && std::fs::read_dir(&dir)?.next().is_some() {
        bail!(
            "{} is not empty: pass --force to write the scaffold into it (files of the same \
             names are replaced, nothing else is touched), or name a new folder",
            dir.display()
        );
    }
    let mut files: Vec<(PathBuf, String)> = FILES
        .iter()
        .map(|(path, text)| (dir.join(names.fill(path)), names.fill(text)))
        .collect();
    let schema = serde_json::to_string_pretty(&spec_schema())? + "\n";
    files.push((dir.join("spec.schema.json"), schema));
    for (path, text) in &files {
        write(path, text)?;
    }
    println!(
        "Created {} ({} files). Next:\n  cd {}\n  wt build //...\n  wt run workflows/{} --config-json '{{}}'",
        dir.display(),
        files.len(),
        dir.display(),
        names.workflow
    );
    Ok(0)
}

/// The names filled into the templates.
struct Names {
    project: String,
    library: String,
    module: String,
    workflow: String,
    title: String,
    license: String,
    maintainer_name: String,
    maintainer_email: String,
}

impl Names {
    fn new(args: &Args, project: &str) -> Result<Names> {
        let workflow = args.workflow.clone();
        if !is_identifier(&workflow) || is_keyword(&workflow) {
            bail!(
                "--workflow `{workflow}` is not a Python identifier (letters, digits and `_`, not starting with a digit)"
            );
        }
        let library = match &args.library {
            Some(l) => l.clone(),
            None => format!("{}-tasks", distribution_stem(project)),
        };
        let valid = library
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
            && library
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !valid {
            bail!(
                "--library `{library}` is not a distribution name (letters, digits, `-`, `_` and `.`, starting with a letter or digit)"
            );
        }
        let module = library.to_ascii_lowercase().replace(['-', '.'], "_");
        let module = if module.starts_with(|c: char| c.is_ascii_digit()) {
            format!("tasks_{module}")
        } else {
            module
        };
        let mut title = workflow.replace('_', " ");
        if let Some(first) = title.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        Ok(Names {
            project: project.to_string(),
            library,
            module,
            workflow,
            title,
            license: args.license.clone(),
            maintainer_name: args.maintainer_name.clone(),
            maintainer_email: args.maintainer_email.clone(),
        })
    }

    /// `text` with every placeholder replaced; values written into YAML are quoted there
    /// (a JSON string is a YAML double-quoted scalar).
    fn fill(&self, text: &str) -> String {
        let quoted = |s: &str| serde_json::Value::from(s).to_string();
        text.replace("__PROJECT__", &self.project)
            .replace("__LIBRARY__", &self.library)
            .replace("__MODULE__", &self.module)
            .replace("__WORKFLOW__", &self.workflow)
            .replace("__TITLE__", &quoted(&self.title))
            .replace("__LICENSE__", &quoted(&self.license))
            .replace("__MAINTAINER_NAME__", &quoted(&self.maintainer_name))
            .replace("__MAINTAINER_EMAIL__", &quoted(&self.maintainer_email))
    }
}

/// The folder's own name (of the current folder too).
fn folder_name(dir: &Path) -> Result<String> {
    let absolute = crate::workspace::absolute(dir);
    let name = absolute
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .with_context(|| format!("{} has no folder name", dir.display()))?;
    Ok(name)
}

/// A folder name as the stem of a distribution name: lower case, runs of anything but letters
/// and digits as one `-`.
fn distribution_stem(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "my".into() } else { out }
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("could not create {}", parent.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("could not write {}", path.display()))
}
