//! What the engine knows of a target: its label, and the results of its steps as they finish.
//! What a target *is* (a workflow, its spec, its requirements) is the business of the actions
//! that build it.

use crate::cache::Manifest;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

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
#[derive(Debug)]
pub struct StepResult {
    pub key: String,
    pub manifest: Manifest,
    pub outcome: StepOutcome,
    /// For a step that ran: which inputs changed since this target's previous build.
    pub why: String,
    /// Whether the outputs' blobs are known to be whole (see `Engine::whole`).
    pub(super) checked: AtomicBool,
}

/// The finished steps of one target, by step name; filled in by the engine as the build goes.
/// Results are shared, not copied: a no-op build asks for hundreds of them, and a manifest
/// lists every output.
#[derive(Debug, Default)]
pub struct StepResults(Mutex<BTreeMap<String, Arc<StepResult>>>);

impl StepResults {
    pub fn get(&self, step: &str) -> Option<Arc<StepResult>> {
        self.0.lock().expect("step results").get(step).cloned()
    }

    /// Every finished step.
    pub fn all(&self) -> Vec<Arc<StepResult>> {
        self.0
            .lock()
            .expect("step results")
            .values()
            .cloned()
            .collect()
    }

    /// Forgets every step, for the target to be built again.
    pub fn clear(&self) {
        self.0.lock().expect("step results").clear();
    }

    pub(super) fn insert(&self, step: &str, result: StepResult) {
        self.0
            .lock()
            .expect("step results")
            .insert(step.to_string(), Arc::new(result));
    }
}

/// Something the engine builds: the steps of every rule run once per target.
pub trait Target: Sync {
    /// How the target is named in messages and in `--explain` records.
    fn label(&self) -> &str;
    /// Where the engine records the target's finished steps.
    fn steps(&self) -> &StepResults;
}
