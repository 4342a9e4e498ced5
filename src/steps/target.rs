//! One workflow being built: its spec, its requirements, where its workspace goes, and what
//! the steps have found out about it so far.

use crate::engine::{StepResult, StepResults};
use crate::env::pypi::ResolvedPypi;
use crate::label::Target;
use crate::load::SpecFile;
use crate::spec::model::{Spec, SpecHead};
use crate::spec::resolved::Workflow;
use std::path::PathBuf;
use std::sync::OnceLock;

pub struct TargetState {
    pub target: Target,
    pub file: SpecFile,
    /// The spec's id and requirements: all a build of unchanged specs needs.
    pub head: SpecHead,
    /// The whole spec, parsed when first asked for ([`TargetState::spec`]).
    pub parsed: OnceLock<Spec>,
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
    /// The whole spec. A state is only made for a spec that parsed (now, or in an earlier
    /// build of the same text by the same wt: see `project::prepare`), and parsing depends on
    /// nothing else, so parsing again here cannot fail.
    pub fn spec(&self) -> &Spec {
        self.parsed.get_or_init(|| {
            crate::spec::parse::parse_spec(&self.file.text).unwrap_or_else(|_| {
                panic!(
                    "{} parsed before, and no longer does",
                    self.file.path.display()
                )
            })
        })
    }

    pub fn result(&self, step: &str) -> Option<std::sync::Arc<StepResult>> {
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
