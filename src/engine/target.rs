//! What the engine knows about one target while building it.

use crate::cache::Manifest;
use crate::env::pypi::ResolvedPypi;
use crate::label::Target;
use crate::load::SpecFile;
use crate::spec::model::Spec;
use crate::spec::resolved::Workflow;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// How a step's outputs were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOutcome {
    /// Found in the local cache.
    LocalHit,
    /// Downloaded from the remote cache.
    RemoteHit,
    /// The action ran.
    Ran,
    /// Another target of this build had the same key and ran it (`why` names that target).
    Shared,
}

/// A finished step.
#[derive(Debug, Clone)]
pub struct StepResult {
    pub key: String,
    pub manifest: Manifest,
    pub outcome: StepOutcome,
    /// For a step that ran: which inputs changed since this target's previous build.
    pub why: String,
}

/// One workflow being built.
pub struct TargetState {
    pub target: Target,
    pub file: SpecFile,
    pub spec: Spec,
    pub pypi: Vec<ResolvedPypi>,
    /// Where the workspace is written.
    pub out_dir: PathBuf,
    pub results: Mutex<BTreeMap<String, StepResult>>,
    /// The spec validated against the discovered registry (set once discovery is done).
    pub workflow: OnceLock<Workflow>,
    /// The workflow's fingerprint, computed once.
    pub fingerprint: OnceLock<crate::fingerprint::Fingerprint>,
}

impl TargetState {
    pub fn result(&self, step: &str) -> Option<StepResult> {
        self.results
            .lock()
            .expect("results lock")
            .get(step)
            .cloned()
    }
}
