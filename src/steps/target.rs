//! One workflow being built: its spec, its requirements, where its workspace goes, and what
//! the steps have found out about it so far.

use crate::engine::{StepResult, StepResults};
use crate::env::pypi::ResolvedPypi;
use crate::label::Target;
use crate::load::SpecFile;
use crate::spec::model::Spec;
use crate::spec::resolved::Workflow;
use std::path::PathBuf;
use std::sync::OnceLock;

pub struct TargetState {
    pub target: Target,
    pub file: SpecFile,
    pub spec: Spec,
    pub pypi: Vec<ResolvedPypi>,
    /// Where the workspace is written.
    pub out_dir: PathBuf,
    pub results: StepResults,
    /// The spec validated against the discovered registry (set once discovery is done).
    pub workflow: OnceLock<Workflow>,
    /// The workflow's fingerprint, computed once.
    pub fingerprint: OnceLock<crate::fingerprint::Fingerprint>,
    /// The findings that are warnings at this build's lint levels, rendered ("" for none).
    pub warnings: OnceLock<String>,
}

impl TargetState {
    pub fn result(&self, step: &str) -> Option<StepResult> {
        self.results.get(step)
    }
}

impl crate::engine::Target for TargetState {
    fn label(&self) -> &str {
        &self.target.label
    }

    fn steps(&self) -> &StepResults {
        &self.results
    }
}
