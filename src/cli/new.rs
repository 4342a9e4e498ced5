//! `wt new workflow ID`: adds `workflows/ID/spec.yaml` to a repository, over one task library,
//! with a task instance (`<task>_result`) for every task that can run from the form alone (no
//! required input that only the spec can bind), so it builds and runs at once and is edited from there. The
//! library's tasks are discovered as `wt tasks` discovers them.

use super::Cli;
use crate::project::Project;
use crate::spec::python::{is_identifier, is_keyword};
use crate::spec::resolved::KnownTask;
use crate::spec::validate::KnownTasks;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Add workflows/ID/spec.yaml over a task library (`--library`, else the only library
    /// under libs/), with an instance of every task that runs from the form alone.
    Workflow(WorkflowArgs),
}

#[derive(clap::Args)]
pub struct WorkflowArgs {
    /// The workflow's id (a Python identifier); its folder is workflows/ID.
    pub id: String,
    /// The task library's folder (default: the only folder under libs/ with a pyproject.toml).
    #[arg(long, value_name = "DIR")]
    pub library: Option<PathBuf>,
}

pub fn run(cli: &Cli, cmd: &Command) -> Result<i32> {
    let Command::Workflow(args) = cmd;
    let cwd = std::env::current_dir()?;
    let project = cli.project(&cwd)?;
    let id = &args.id;
    if !is_identifier(id) || is_keyword(id) {
        bail!(
            "`{id}` is not a Python identifier (letters, digits and `_`, not starting with a digit)"
        );
    }
    let dir = project.root.join("workflows").join(id);
    let spec = dir.join("spec.yaml");
    if spec.exists() {
        bail!("{} already exists", spec.display());
    }
    let library = match &args.library {
        Some(l) => crate::workspace::absolute(l),
        None => only_library(&project.root)?,
    };
    let name = distribution_name(&library)?;
    let path = match library.strip_prefix(&project.root) {
        Ok(inside) => Path::new("../..").join(inside),
        Err(_) => library.clone(),
    };
    let head = head(&project.root, id, &name, &path);
    std::fs::create_dir_all(&dir)?;
    // The library's tasks, discovered over a spec with no task instances yet; nothing is
    // left behind when that fails.
    let tasks = std::fs::write(&spec, format!("{head}workflow: []\n"))
        .map_err(anyhow::Error::from)
        .and_then(|()| discovered(&project, &spec));
    let tasks = match tasks {
        Ok(t) => t,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
    };
    let runnable: Vec<&KnownTask> = tasks.all().filter(|t| runs_from_the_form(t)).collect();
    if runnable.is_empty() {
        let _ = std::fs::remove_dir_all(&dir);
        bail!(
            "no task of {name} runs from the form alone (each needs an input only a spec can bind): write the spec by hand; `wt tasks` lists the tasks"
        );
    }
    let mut text = format!("{head}workflow:\n");
    for t in &runnable {
        let title = t.title.clone().unwrap_or_else(|| t.function_name.clone());
        text.push_str(&format!(
            "  - id: {}_result\n    name: {}\n    task: {}\n",
            t.function_name,
            serde_json::Value::from(title),
            t.function_name
        ));
    }
    std::fs::write(&spec, text)?;
    println!(
        "Created {} with {} task instance(s). Next: wt run workflows/{id} --config-json '{{}}'",
        spec.display(),
        runnable.len()
    );
    Ok(0)
}

/// The spec's lines before `workflow`.
fn head(root: &Path, id: &str, name: &str, path: &Path) -> String {
    let modeline = if root.join("spec.schema.json").is_file() {
        "# yaml-language-server: $schema=../../spec.schema.json\n"
    } else {
        ""
    };
    format!(
        "{modeline}id: {id}\nrequirements:\n  - name: {name}\n    path: {}\n",
        serde_json::Value::from(path.to_string_lossy().into_owned())
    )
}

/// The only folder under `libs/` holding a pyproject.toml.
fn only_library(root: &Path) -> Result<PathBuf> {
    let libs = root.join("libs");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&libs)
        .with_context(|| format!("no --library given and no {} to look in", libs.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("pyproject.toml").is_file())
        .collect();
    found.sort();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!(
            "no task library (a folder with a pyproject.toml) under {}: pass --library DIR",
            libs.display()
        ),
        many => bail!(
            "several task libraries under {}: pass --library with one of {}",
            libs.display(),
            many.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `[project] name` of the library's pyproject.toml.
fn distribution_name(library: &Path) -> Result<String> {
    let file = library.join("pyproject.toml");
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("could not read {}", file.display()))?;
    let doc: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not valid TOML", file.display()))?;
    doc.get("project")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_string)
        .with_context(|| format!("{} has no [project] name", file.display()))
}

fn discovered(project: &Project, spec: &Path) -> Result<KnownTasks> {
    let (registry, signatures) = super::tasks::discovered(project, spec)?;
    Ok(KnownTasks::from_registry(&registry, &signatures))
}

/// Every required parameter is a form field: nothing the spec alone could bind.
fn runs_from_the_form(task: &KnownTask) -> bool {
    task.signature
        .parameters
        .iter()
        .filter(|p| p.bindable() && !p.has_default)
        .all(|p| !p.hidden)
}
