//! Why a step ran: each target remembers the input digests of its last build of each step, so
//! a miss can name exactly which inputs changed.

use crate::digest;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The inputs a step was last built with.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Record {
    pub key: String,
    pub inputs: BTreeMap<String, String>,
}

/// The records of one target: step name -> the inputs it was last built with.
type TargetRecords = BTreeMap<String, Record>;

/// One file per target (a no-op build reads each once, not once per step).
fn path(cache: &Path, label: &str) -> PathBuf {
    let id = &digest::bytes(label.as_bytes())[..16];
    crate::cache::Layout(cache)
        .explain()
        .join(format!("{id}.json"))
}

/// The explain records of a build's targets: read once per target, written back once, and
/// only when a step's inputs differ from what the file holds. Only steps that run are
/// recorded, so a target whose steps all hit (a no-op build) never reads its file: a miss
/// names what changed since the step last ran.
#[derive(Default)]
pub struct Journal {
    /// Label -> (the records as read, the records now).
    targets: Mutex<HashMap<String, (TargetRecords, TargetRecords)>>,
}

impl Journal {
    /// The inputs `step` of `label` last ran with.
    pub fn previous(&self, cache: &Path, label: &str, step: &str) -> Option<Record> {
        self.with_target(cache, label, |now| now.get(step).cloned())
    }

    /// Notes what `step` of `label` ran with now.
    pub fn record(&self, cache: &Path, label: &str, step: &str, record: Record) {
        self.with_target(cache, label, |now| now.insert(step.to_string(), record));
    }

    /// Calls `f` on the records of `label`, read from its file on first use.
    fn with_target<R>(
        &self,
        cache: &Path,
        label: &str,
        f: impl FnOnce(&mut TargetRecords) -> R,
    ) -> R {
        if let Some((_, now)) = self.targets.lock().expect("journal").get_mut(label) {
            return f(now);
        }
        // Read without holding the lock: other targets' steps go on meanwhile.
        let read: TargetRecords =
            crate::workspace::read_memo(&path(cache, label)).unwrap_or_default();
        let mut targets = self.targets.lock().expect("journal");
        let (_, now) = targets
            .entry(label.to_string())
            .or_insert_with(|| (read.clone(), read));
        f(now)
    }

    /// Writes (atomically) the records of every target whose records changed.
    pub fn flush(&self, cache: &Path) {
        let mut targets = self.targets.lock().expect("journal");
        for (label, (read, now)) in targets.iter_mut() {
            if read != now {
                crate::workspace::write_memo(
                    &path(cache, label),
                    &serde_json::to_vec(now).unwrap_or_default(),
                );
                *read = now.clone();
            }
        }
    }
}

/// Names the inputs that differ from the previous build, e.g. "cosmetic changed".
pub fn why(previous: Option<&Record>, inputs: &BTreeMap<String, String>) -> String {
    let Some(prev) = previous else {
        return "not built before".into();
    };
    let changed: Vec<&str> = inputs
        .iter()
        .filter(|(k, v)| prev.inputs.get(*k) != Some(v))
        .map(|(k, _)| k.as_str())
        .chain(
            prev.inputs
                .keys()
                .filter(|k| !inputs.contains_key(*k))
                .map(String::as_str),
        )
        .collect();
    if changed.is_empty() {
        "inputs unchanged, but the result was not in the cache (evicted or new cache)".into()
    } else {
        format!("{} changed", changed.join(", "))
    }
}
