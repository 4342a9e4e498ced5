//! The interface between the engine and what it runs.
//!
//! A rule names an action (`action = "solve"`); the layer above the engine registers an
//! implementation under each name before a build. The engine computes a step's key from the
//! digests of the inputs the rule lists, asking the action for each one (except `step:X`
//! inputs, which are the manifests of earlier steps and the engine's own), then restores the
//! step's outputs from the cache or runs the action and stores what it returns.

use anyhow::Result;
use std::collections::BTreeMap;

/// A step's outputs: bytes by output name.
pub type Outputs = BTreeMap<String, Vec<u8>>;

/// What runs a step of a target of type `T`.
pub trait Action<T>: Sync {
    /// The digest of input `name` (as a rule lists it) for `target`. It must change when, and
    /// only when, something the action reads changes, and hold no absolute path, time or host.
    fn input_digest(&self, name: &str, target: &T) -> Result<String>;

    /// Produces the step's outputs. `key` is the step's key, for side products the action
    /// keeps itself (e.g. an environment built once per key).
    fn run(&self, target: &T, key: &str) -> Result<Outputs>;

    /// Why the action must run again even though its key is cached (once per key per build),
    /// e.g. `--update-lock` for a solve; `None` to trust the cache.
    fn rerun(&self) -> Option<String> {
        None
    }
}

/// The actions of a build, by the names rules use, in registration order.
pub struct Actions<'a, T> {
    by_name: Vec<(String, Box<dyn Action<T> + 'a>)>,
}

impl<'a, T> Actions<'a, T> {
    pub fn new() -> Actions<'a, T> {
        Actions {
            by_name: Vec::new(),
        }
    }

    /// Registers `action` under `name` (a later registration of a name replaces it).
    pub fn register(&mut self, name: &str, action: impl Action<T> + 'a) {
        self.by_name.retain(|(n, _)| n != name);
        self.by_name.push((name.to_string(), Box::new(action)));
    }

    pub fn get(&self, name: &str) -> Option<&(dyn Action<T> + 'a)> {
        self.by_name
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, a)| a.as_ref())
    }

    pub fn names(&self) -> Vec<&str> {
        self.by_name.iter().map(|(n, _)| n.as_str()).collect()
    }
}

impl<T> Default for Actions<'_, T> {
    fn default() -> Self {
        Actions::new()
    }
}
