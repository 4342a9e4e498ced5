//! A workspace being built, and the one hallway between the commands and the build: open the
//! workspace ([`Project::open`]), build targets ([`Project::build`] and its one-spec forms),
//! then ask for what a built workflow offers (its files, its names, its environment, what
//! discovery found, the validated workflow, whether its folder on disk is up to date).
//!
//! Commands never name a step or reach into `steps`: the step a question is answered from is
//! this module's business, so a renamed or added step changes one file.

mod open;
mod prepare;
mod written;

/// A workflow target as the build sees it (spec, requirements, folder, step results).
pub use crate::steps::TargetState;
pub use open::Options;

use crate::cache::Cache;
use crate::compile::{DEFAULT_PREFIX, WriteOutcome, release_name};
use crate::config::Config;
use crate::contracts::{RegistryOutput, Signatures};
use crate::engine::BuildReport;
use crate::engine::rules::Rule;
use crate::label::Target;
use crate::spec::resolved::Workflow;
use crate::steps::BuildContext;
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A compiled workspace's files, by path relative to its folder.
pub type Files = BTreeMap<String, Vec<u8>>;

/// An opened workspace: its root, its wt.toml, and what every build of this process shares
/// (the cache and engine, the rules, the command line's settings).
pub struct Project {
    pub root: PathBuf,
    pub config: Config,
    ctx: BuildContext,
    rules: Vec<Rule>,
    jobs: usize,
    /// wt.toml's `[cache] max-size`, in bytes.
    pub max_cache_size: Option<u64>,
    /// Builds run again after a read found outputs lost ([`Project::rebuilding_if_lost`]),
    /// for [`Built::absorb_rebuilds`].
    rebuilds: std::sync::Mutex<Vec<BuildReport>>,
}

/// How far a build goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Stage {
    /// The spec's requirements locked and their tasks discovered: what listing tasks,
    /// validating and drawing a workflow need.
    Discovered,
    /// Every step: the workspace's files are built.
    Packaged,
}

impl Stage {
    /// The last step of the stage; `None` is every step.
    fn until(self) -> Option<&'static str> {
        match self {
            Stage::Discovered => Some(crate::steps::DISCOVER),
            Stage::Packaged => None,
        }
    }
}

/// What building several targets gave: a state per target whose spec parsed, and the targets
/// that failed (label, rendered error), whether at parsing or in a step.
pub struct Built {
    pub states: Vec<TargetState>,
    pub failures: Vec<(String, String)>,
    pub report: BuildReport,
}

impl Built {
    /// Takes in the builds `project` ran again since (targets whose outputs a read found
    /// lost): their steps replace the first build's, so that the report says what ran.
    pub fn absorb_rebuilds(&mut self, project: &Project) {
        let rebuilds = std::mem::take(&mut *project.rebuilds.lock().expect("rebuilds"));
        for again in rebuilds {
            for step in again.steps {
                match self
                    .report
                    .steps
                    .iter_mut()
                    .find(|(label, name, _)| *label == step.0 && *name == step.1)
                {
                    Some(slot) => *slot = step,
                    None => self.report.steps.push(step),
                }
            }
            self.failures.extend(again.failures.iter().cloned());
            self.report.failures.extend(again.failures);
        }
    }

    /// The states whose build succeeded, in target order.
    pub fn succeeded(&self) -> impl Iterator<Item = &TargetState> {
        self.states.iter().filter(|s| {
            !self
                .report
                .failures
                .iter()
                .any(|(label, _)| label == &s.target.label)
        })
    }
}

/// The names a workflow's workspace goes by: the release (`wt-<id>-workflow`, the pixi
/// project and folder name) and its Python package (the release with `_`).
pub struct Names {
    pub release: String,
    pub package: String,
}

impl Project {
    /// The targets of `patterns` (`//...` when none), resolved against the workspace root.
    pub fn targets(&self, patterns: &[String]) -> Result<Vec<Target>> {
        let patterns = if patterns.is_empty() {
            vec!["//...".to_string()]
        } else {
            patterns.to_vec()
        };
        crate::label::resolve(&self.root, &patterns)
    }

    /// Builds `targets` up to `stage`: specs that do not parse and steps that fail are
    /// failures of their target, never of the whole build. Lint warnings are left to the
    /// caller to print, after its own report of failures.
    pub fn build(&self, targets: &[Target], stage: Stage) -> Result<Built> {
        let (states, mut failures) = self.prepare(targets, None);
        let report = self.run_steps(&states, stage)?;
        self.ctx.finish_progress();
        failures.extend(report.failures.iter().cloned());
        Ok(Built {
            states,
            failures,
            report,
        })
    }

    /// Builds one spec file up to `stage`, its workspace going to `out` (else its default
    /// folder); fails with the spec's own errors, and prints its lint warnings.
    pub fn build_spec(&self, spec: &Path, out: Option<&Path>, stage: Stage) -> Result<TargetState> {
        let spec = crate::load::SpecFile::read(spec)?.path;
        let dir = spec.parent().context("spec has no folder")?;
        let target = Target {
            label: crate::label::label_of(&self.root, dir),
            spec: spec.clone(),
        };
        let state = prepare::prepare(
            &self.root,
            self.ctx.cache_root(),
            &self.config,
            &target,
            out,
        )
        .map_err(crate::diag::Rendered)?;
        let report = self.run_steps(std::slice::from_ref(&state), stage)?;
        self.ctx.finish_progress();
        if let Some((_, err)) = report.failures.into_iter().next() {
            bail!(crate::diag::Rendered(err));
        }
        report_warnings(std::slice::from_ref(&state));
        Ok(state)
    }

    /// The workflow of `spec` validated against its discovered tasks, with nothing compiled
    /// (what `wt fingerprint` and `wt graph` need).
    pub fn validated_spec(&self, spec: &Path) -> Result<TargetState> {
        let state = self.build_spec(spec, None, Stage::Discovered)?;
        self.workflow(&state)?;
        Ok(state)
    }

    /// Builds the workflow of `spec` and writes its workspace (to `out`, else its default
    /// folder): what `wt compile`, `wt run` and `wt python` start with. Returns the target,
    /// the workspace's files and whether anything was written.
    pub fn write_spec(
        &self,
        spec: &Path,
        out: Option<&Path>,
    ) -> Result<(TargetState, Files, WriteOutcome)> {
        let state = self.build_spec(spec, out, Stage::Packaged)?;
        let files = self.files(&state)?;
        let outcome = crate::compile::write_tree(&state.out_dir, &files)?;
        Ok((state, files, outcome))
    }

    /// The workflow of a discovered target, validated against its tasks (once; later calls
    /// return the same).
    pub fn workflow<'s>(&self, state: &'s TargetState) -> Result<&'s Workflow> {
        self.rebuilding_if_lost(state, crate::steps::DISCOVER, || {
            crate::steps::validated::validate_workflow(&self.ctx, state)
        })?;
        Ok(state.workflow.get().expect("validated"))
    }

    /// The files of a built target's workspace.
    pub fn files(&self, state: &TargetState) -> Result<Files> {
        self.rebuilding_if_lost(state, crate::steps::PACKAGE, || {
            self.ctx.outputs(state, crate::steps::PACKAGE)
        })
    }

    /// What discovery found for a target's requirements: the registry and the full
    /// signatures of its tasks.
    pub fn discovered(&self, state: &TargetState) -> Result<(RegistryOutput, Signatures)> {
        let output = |name| self.ctx.output(state, crate::steps::DISCOVER, name);
        let (registry, signatures) =
            self.rebuilding_if_lost(state, crate::steps::DISCOVER, || {
                Ok((
                    output(crate::steps::REGISTRY_FILE)?,
                    output(crate::steps::SIGNATURES_FILE)?,
                ))
            })?;
        Ok((
            serde_json::from_slice(&registry)?,
            serde_json::from_slice(&signatures)?,
        ))
    }

    /// The Python environment of a built target (its lock's packages and its libraries),
    /// built if it is missing: what runs its workflow.
    pub fn environment(&self, state: &TargetState) -> Result<crate::env::python_env::PythonEnv> {
        state
            .result(crate::steps::DISCOVER)
            .with_context(|| format!("{}: discovery did not run", state.target.label))?;
        let lock = self.rebuilding_if_lost(state, crate::steps::SOLVE, || {
            self.ctx
                .output(state, crate::steps::SOLVE, crate::steps::solve::LOCK_FILE)
        })?;
        crate::steps::discover::environment(&self.ctx, state, &lock)
    }

    /// Runs `read`, which reads outputs of `step` and the steps before it. A build trusts
    /// its hits without looking at their outputs, and a read checks them first; when the
    /// read found some lost (removed from the cache meanwhile, or corrupt), the target is
    /// built again up to `step` and `read` runs once more.
    fn rebuilding_if_lost<R>(
        &self,
        state: &TargetState,
        step: &str,
        read: impl Fn() -> Result<R>,
    ) -> Result<R> {
        match read() {
            Err(_) if self.ctx.engine.take_lost(&state.target.label) => {
                self.ctx.engine.forget_lost_hits(state);
                let actions = crate::steps::actions(&self.ctx);
                let report = self.ctx.engine.build(
                    &self.rules,
                    &actions,
                    std::slice::from_ref(state),
                    Some(step),
                    self.jobs,
                )?;
                self.ctx.finish_progress();
                let failed = report.failures.first().map(|(_, err)| err.clone());
                self.rebuilds.lock().expect("rebuilds").push(report);
                if let Some(err) = failed {
                    bail!(crate::diag::Rendered(err));
                }
                read()
            }
            other => other,
        }
    }

    /// The cache the build reads and fills.
    pub fn cache(&self) -> &Cache {
        &self.ctx.engine.cache
    }

    /// Target states for `targets`; specs that do not parse are failures (label, rendered
    /// error). Reading and parsing the specs is most of what a no-op build does besides
    /// `stat`: it is spread over the cores (order kept).
    fn prepare(
        &self,
        targets: &[Target],
        out: Option<&Path>,
    ) -> (Vec<TargetState>, Vec<(String, String)>) {
        use rayon::prelude::*;
        let prepared: Vec<_> = targets
            .par_iter()
            .map(|t| prepare::prepare(&self.root, self.ctx.cache_root(), &self.config, t, out))
            .collect();
        let mut ok = Vec::new();
        let mut failed = Vec::new();
        for (t, p) in targets.iter().zip(prepared) {
            match p {
                Ok(s) => ok.push(s),
                Err(rendered) => failed.push((t.label.clone(), rendered)),
            }
        }
        (ok, failed)
    }

    fn run_steps(&self, states: &[TargetState], stage: Stage) -> Result<BuildReport> {
        let actions = crate::steps::actions(&self.ctx);
        self.ctx
            .engine
            .build(&self.rules, &actions, states, stage.until(), self.jobs)
    }
}

/// The names of a target's workspace.
pub fn names(state: &TargetState) -> Names {
    let release = release_name(DEFAULT_PREFIX, &state.head.id.value);
    let package = release.replace('-', "_");
    Names { release, package }
}

/// A JSON file of the workflow's package (`params.json`, `rjsf.json`) among its workspace's
/// files.
pub fn package_json(state: &TargetState, files: &Files, name: &str) -> Result<serde_json::Value> {
    let path = format!("{}/{name}", names(state).package);
    let bytes = files
        .get(&path)
        .with_context(|| format!("{} has no {path}", state.target.label))?;
    serde_json::from_slice(bytes).with_context(|| format!("{path} is not JSON"))
}

/// Prints the lint warnings of `states` to stderr (cached builds included: the findings are
/// remembered with the validation they came from) and returns how many targets had some.
pub fn report_warnings(states: &[TargetState]) -> usize {
    let mut warned = 0;
    for s in states {
        if let Some(w) = s.warnings.get().filter(|w| !w.is_empty()) {
            eprintln!("{}\n", w.trim_end());
            warned += 1;
        }
    }
    warned
}
