//! Whether a built target's folder on disk holds what this build produced, and writing it
//! when it does not: a freshness stamp ([`crate::stamp`]) keyed by the package step's key
//! spares a no-op build reading back every written file.

use super::{Files, Project, TargetState};
use crate::compile::{WriteOutcome, write_tree};
use anyhow::Result;

impl Project {
    /// Per state, whether its folder is stamped as holding this build's workspace (a target
    /// whose build failed has none); checked on all cores, since a no-op build `stat`s every
    /// written file.
    pub fn written(&self, states: &[&TargetState]) -> Vec<bool> {
        use rayon::prelude::*;
        states
            .par_iter()
            .map(|s| {
                self.package_key(s).is_some_and(|key| {
                    crate::stamp::is_fresh(self.cache().root(), &s.out_dir, &key)
                })
            })
            .collect()
    }

    /// Writes `files` (the state's workspace) into its folder and stamps it, so the next
    /// build of the same key finds it written without reading it.
    pub fn write(&self, state: &TargetState, files: &Files) -> Result<WriteOutcome> {
        let outcome = write_tree(&state.out_dir, files)?;
        if let Some(key) = self.package_key(state) {
            crate::stamp::record(self.cache().root(), &state.out_dir, &key, files.keys());
        }
        Ok(outcome)
    }

    /// The key of the state's package step: what its workspace's files are the output of.
    fn package_key(&self, state: &TargetState) -> Option<String> {
        state.result(crate::steps::PACKAGE).map(|r| r.key.clone())
    }
}
