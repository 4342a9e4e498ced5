//! Reading a workflow: parse spec.yaml, build its environment, discover its tasks, validate.
//!
//! Errors in the spec are rendered with file, line and column ([`crate::diag`]); everything
//! else (uv, discovery) is reported with what happened and what to do.

use crate::contracts::RegistryOutput;
use crate::diag::{self, Diagnostic};
use crate::env::pypi::ResolvedPypi;
use crate::env::python_env::{self, EnvRequest, PythonEnv};
use crate::env::tools::Tools;
use crate::spec::model::{CondaRequirement, Requirement, Spec};
use crate::spec::resolved::Workflow;
use crate::spec::validate::{KnownTasks, validate};
use std::path::{Path, PathBuf};

/// Why loading failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Problems in the spec itself, already rendered with their locations.
    #[error("{0}")]
    Spec(String),
    /// Anything else: missing file, uv failures, discovery failures.
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

/// A spec file read from disk.
pub struct SpecFile {
    pub path: PathBuf,
    pub display: String,
    pub text: String,
}

impl SpecFile {
    pub fn read(path: &Path) -> Result<SpecFile, LoadError> {
        let display = crate::workspace::display(path);
        if path.is_dir() {
            let inner = path.join("spec.yaml");
            if inner.is_file() {
                return SpecFile::read(&inner);
            }
            return Err(anyhow::anyhow!("{display} is a folder without a spec.yaml").into());
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read spec file {display}: {e}"))?;
        Ok(SpecFile {
            path: crate::workspace::absolute(path),
            display,
            text,
        })
    }

    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// Renders diagnostics against this file.
    pub fn render(&self, diagnostics: &[Diagnostic]) -> String {
        diag::render(
            &diag::Source {
                display_path: &self.display,
                text: &self.text,
            },
            diagnostics,
        )
    }

    pub fn parse(&self) -> Result<Spec, LoadError> {
        crate::spec::parse::parse_spec(&self.text).map_err(|d| LoadError::Spec(self.render(&d)))
    }
}

/// Everything known about a workflow after discovery.
pub struct Loaded {
    pub file: SpecFile,
    pub spec: Spec,
    pub pypi: Vec<ResolvedPypi>,
    pub env: PythonEnv,
    pub registry: RegistryOutput,
}

impl Loaded {
    pub fn conda(&self) -> Vec<&CondaRequirement> {
        self.spec
            .requirements
            .iter()
            .filter_map(|r| {
                if let Requirement::Conda(c) = r {
                    Some(c)
                } else {
                    None
                }
            })
            .collect()
    }

    /// Validates the spec against the discovered registry.
    pub fn validate(&self) -> Result<Workflow, LoadError> {
        let known = KnownTasks::from_registry(&self.registry);
        validate(&self.spec, &known).map_err(|d| LoadError::Spec(self.file.render(&d)))
    }
}

/// Parses the spec, checks its `path:` requirements exist, builds its environment and runs
/// discovery.
pub fn load(path: &Path, cache: &Path) -> Result<Loaded, LoadError> {
    let file = SpecFile::read(path)?;
    let spec = file.parse()?;
    let pypi: Vec<ResolvedPypi> = spec
        .requirements
        .iter()
        .filter_map(|r| {
            if let Requirement::Pypi(p) = r {
                Some(ResolvedPypi::new(p, file.dir()))
            } else {
                None
            }
        })
        .collect();
    let missing: Vec<Diagnostic> = pypi
        .iter()
        .filter_map(|p| {
            let abs = p.abs_path.as_ref()?;
            let written = p.req.path.as_ref()?;
            (!abs.join("pyproject.toml").is_file() && !abs.join("setup.py").is_file()).then(|| {
                Diagnostic::new(written.span, format!("PyPI requirement `{}` points at {}, which is not a Python project (no pyproject.toml or setup.py).", p.req.name.value, abs.display()))
                    .underline(&written.value)
                    .help("Relative paths are resolved against the folder of spec.yaml; fix the path.")
            })
        })
        .collect();
    if !missing.is_empty() {
        return Err(LoadError::Spec(file.render(&missing)));
    }
    let conda: Vec<CondaRequirement> = spec
        .requirements
        .iter()
        .filter_map(|r| {
            if let Requirement::Conda(c) = r {
                Some(c.clone())
            } else {
                None
            }
        })
        .collect();
    let tools = Tools::locate()?;
    let env = python_env::ensure(
        &tools,
        cache,
        &EnvRequest {
            pypi: &pypi,
            conda: &conda,
        },
    )?;
    let registry = crate::steps::discover::discover(&env, cache)?;
    Ok(Loaded {
        file,
        spec,
        pypi,
        env,
        registry,
    })
}
