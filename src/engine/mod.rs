//! The build engine: runs the steps declared in `rules/` for every target, in dependency
//! order and in parallel, skipping every step whose key is already in the cache.
//!
//! The engine is generic: it knows rules, keys, the cache, scheduling and why a step ran, and
//! runs each rule through the [`Action`] registered under the rule's `action` name by the
//! layer above (`crate::steps` provides the actions of compiling a workflow). It knows nothing
//! of specs, Python or locks.
//!
//! A step's key is a blake3 digest over the rule's name and action and the digests of the
//! inputs the rule lists (each computed by the action, see [`action`]). On a hit the step's
//! outputs come from the cache (local, else remote); on a miss its action runs and its outputs
//! are stored. A local hit's outputs are checked when first read, not when found (see
//! [`Engine::output`]). Targets are independent; inside a target, steps follow the rules'
//! `deps`. Identical keys across targets (e.g. two workflows with the same requirements) run
//! once.

pub mod action;
pub mod explain;
pub mod rules;
mod scheduler;
pub mod target;

pub use action::{Action, Actions, Outputs};
pub use target::{StepOutcome, StepResult, StepResults, Target};

use crate::cache::{BlobRef, Cache, Lookup, Manifest};
use anyhow::{Context, Result, bail};
use rules::Rule;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

/// The engine's state for one `wt` invocation: the cache, which keys this build produced, and
/// how it reports progress. What the steps need besides (tools, settings) is theirs.
pub struct Engine {
    pub cache: Cache,
    key_locks: Mutex<HashMap<String, Arc<Mutex<()>>>>,
    /// Keys whose action ran in this build, and for which target.
    produced: Mutex<HashMap<String, String>>,
    /// What each step was last built with, for `--explain`.
    journal: explain::Journal,
    /// Manifests of keys already found in the local cache during the current build: targets
    /// sharing a step (ten workflows over one library share its solve and discovery) look it
    /// up once.
    hits: Mutex<HashMap<String, crate::cache::Manifest>>,
    /// Targets a read of whose outputs found them lost (see [`Engine::whole`]).
    lost: Mutex<HashSet<String>>,
    /// Print a line per step that runs.
    pub verbose: bool,
    /// A progress bar on a terminal (plain lines otherwise).
    progress: Option<indicatif::ProgressBar>,
}

impl Engine {
    pub fn new(cache: Cache, verbose: bool) -> Engine {
        Engine {
            cache,
            key_locks: Mutex::new(HashMap::new()),
            produced: Mutex::new(HashMap::new()),
            journal: explain::Journal::default(),
            hits: Mutex::new(HashMap::new()),
            lost: Mutex::new(HashSet::new()),
            verbose,
            progress: (verbose && std::io::IsTerminal::is_terminal(&std::io::stderr())).then(
                || {
                    let bar = indicatif::ProgressBar::new(0);
                    bar.set_style(
                        indicatif::ProgressStyle::with_template(
                            "{spinner} [{pos}/{len}] {wide_msg}",
                        )
                        .expect("valid progress template"),
                    );
                    bar.enable_steady_tick(std::time::Duration::from_millis(120));
                    bar
                },
            ),
        }
    }

    /// Prints a line above the progress bar (or to stderr).
    pub fn say(&self, line: &str) {
        match &self.progress {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// Removes the progress bar from the terminal.
    pub fn finish_progress(&self) {
        if let Some(bar) = &self.progress {
            bar.finish_and_clear();
        }
    }

    pub fn cache_root(&self) -> &Path {
        self.cache.root()
    }

    fn key_lock(&self, key: &str) -> Arc<Mutex<()>> {
        self.key_locks
            .lock()
            .expect("key locks")
            .entry(key.to_string())
            .or_default()
            .clone()
    }

    /// Reads one output of a finished step (checking the step's outputs first, see
    /// [`Engine::whole`]).
    pub fn output<T: Target>(&self, t: &T, step: &str, name: &str) -> Result<Vec<u8>> {
        let r = self.whole(t, step)?;
        let blob = r
            .manifest
            .outputs
            .get(name)
            .with_context(|| format!("step `{step}` has no output `{name}`"))?;
        Ok(self.cache.read_blob(blob)?)
    }

    /// Reads every output of a finished step.
    pub fn outputs<T: Target>(&self, t: &T, step: &str) -> Result<BTreeMap<String, Vec<u8>>> {
        let r = self.whole(t, step)?;
        r.manifest
            .outputs
            .iter()
            .map(|(name, blob)| Ok((name.clone(), self.cache.read_blob(blob)?)))
            .collect()
    }

    /// A finished step whose outputs are about to be read. A local hit is a hit on its entry
    /// alone (a no-op build reads no outputs, so it checks none); its blobs are checked here,
    /// once, before the first read. When one is missing or corrupt the entry is removed, the
    /// target is noted as [`Engine::take_lost`], and the read fails: the target must be built
    /// again, which [`Engine::build`] does by itself.
    fn whole<T: Target>(&self, t: &T, step: &str) -> Result<Arc<StepResult>> {
        let r = t
            .steps()
            .get(step)
            .with_context(|| format!("step `{step}` has not run for {}", t.label()))?;
        if r.checked.load(Ordering::Acquire) {
            return Ok(r);
        }
        match self.cache.check_entry(&r.key, &r.manifest)? {
            None => {
                r.checked.store(true, Ordering::Release);
                Ok(r)
            }
            Some(reason) => {
                self.hits.lock().expect("hits").remove(&r.key);
                self.lost
                    .lock()
                    .expect("lost")
                    .insert(t.label().to_string());
                eprintln!(
                    "warning: corrupt cache entry for {step} {} ({reason}); rebuilding",
                    t.label()
                );
                bail!(
                    "the cached outputs of step `{step}` of {} are lost ({reason}); the entry was removed: build again",
                    t.label()
                )
            }
        }
    }

    /// Prepares a target whose outputs were found lost for building again: checks every
    /// other hit of it (so that one more round finds everything lost at once; a lost entry is
    /// removed) and forgets its steps.
    pub fn forget_lost_hits<T: Target>(&self, t: &T) {
        for r in t.steps().all() {
            if !r.checked.load(Ordering::Acquire)
                && !matches!(self.cache.check_entry(&r.key, &r.manifest), Ok(None))
            {
                self.hits.lock().expect("hits").remove(&r.key);
            }
        }
        t.steps().clear();
    }

    /// Whether reading `label`'s outputs found some lost since the last call (see
    /// [`Engine::whole`]); forgets it.
    pub fn take_lost(&self, label: &str) -> bool {
        self.lost.lock().expect("lost").remove(label)
    }

    /// Runs the steps of `targets` up to (and including) `until` (all steps when `None`),
    /// each rule by the action registered under its `action` name.
    pub fn build<T: Target>(
        &self,
        rules: &[Rule],
        actions: &Actions<'_, T>,
        targets: &[T],
        until: Option<&str>,
        jobs: usize,
    ) -> Result<BuildReport> {
        for r in rules {
            if actions.get(&r.action).is_none() {
                bail!(
                    "rule `{}` names unknown action `{}` (known: {})",
                    r.name,
                    r.action,
                    actions.names().join(", ")
                );
            }
        }
        let wanted = needed_rules(rules, until)?;
        let all: Vec<usize> = (0..targets.len()).collect();
        let graph = step_graph(rules, &wanted, &all);
        if let Some(bar) = &self.progress {
            bar.set_length(bar.length().unwrap_or(0) + graph.node_count() as u64);
        }
        // What is known to be in the cache holds for this build only: a long-lived process
        // (`wt serve`) must see another process's gc at its next build.
        self.hits.lock().expect("hits").clear();
        self.cache.remember_blob_stats(true);
        let run = |graph: &scheduler::StepGraph| {
            scheduler::run(graph, jobs, |t, r| {
                let action = actions.get(&rules[r].action).expect("actions were checked");
                self.run_step(&rules[r], action, &targets[t])
            })
        };
        let mut outcome = run(&graph);
        // Targets that found a hit's outputs lost when reading them are built again: their
        // lost entries are gone, so those steps run. Each round removes at least one entry,
        // so there are at most as many rounds as steps per target.
        for _ in 0..wanted.len() {
            let lost: Vec<usize> = (0..targets.len())
                .filter(|&t| self.take_lost(targets[t].label()))
                .collect();
            if lost.is_empty() {
                break;
            }
            for &t in &lost {
                self.forget_lost_hits(&targets[t]);
                outcome.remove(&t);
            }
            outcome.extend(run(&step_graph(rules, &wanted, &lost)));
        }
        self.cache.remember_blob_stats(false);
        self.hits.lock().expect("hits").clear();
        self.journal.flush(self.cache_root());
        let mut report = BuildReport {
            failures: Vec::new(),
            steps: Vec::new(),
        };
        for (ti, t) in targets.iter().enumerate() {
            if let Some(err) = outcome.get(&ti) {
                report.failures.push((t.label().to_string(), err.clone()));
            }
            for &ri in &wanted {
                if let Some(res) = t.steps().get(&rules[ri].name) {
                    report
                        .steps
                        .push((t.label().to_string(), rules[ri].name.clone(), res));
                }
            }
        }
        Ok(report)
    }

    /// Computes a step's key, then restores it from the cache or runs its action.
    fn run_step<T: Target>(&self, rule: &Rule, action: &dyn Action<T>, t: &T) -> Result<()> {
        let mut input_digests = BTreeMap::new();
        for name in &rule.inputs {
            let digest = match name.strip_prefix("step:") {
                Some(step) => {
                    let r = t
                        .steps()
                        .get(step)
                        .with_context(|| format!("step `{step}` has not run"))?;
                    r.manifest.digest()
                }
                None => action.input_digest(name, t)?,
            };
            input_digests.insert(name.clone(), digest);
        }
        let key = step_key(rule, &input_digests);
        let lock = self.key_lock(&key);
        let _guard = lock.lock().expect("key lock");
        // An action asked to run again does so once per key: a key another target already ran in
        // this build is a hit.
        let run_again = action
            .rerun()
            .filter(|_| !self.produced.lock().expect("produced").contains_key(&key));
        let known = self.hits.lock().expect("hits").get(&key).cloned();
        let lookup = match (run_again.is_some(), known) {
            (true, _) => Lookup::Miss,
            (false, Some(manifest)) => Lookup::Hit {
                manifest,
                source: crate::cache::HitSource::Local,
            },
            (false, None) => {
                let found = self.cache.get_action_unchecked(&key)?;
                if let Lookup::Hit { manifest, .. } = &found {
                    self.hits
                        .lock()
                        .expect("hits")
                        .insert(key.clone(), manifest.clone());
                }
                found
            }
        };
        let (manifest, outcome, why) = match lookup {
            Lookup::Hit { manifest, source } => {
                let producer = self.produced.lock().expect("produced").get(&key).cloned();
                match (source, producer) {
                    (_, Some(label)) => (manifest, StepOutcome::Shared, label),
                    (crate::cache::HitSource::Local, None) => {
                        (manifest, StepOutcome::LocalHit, String::new())
                    }
                    (crate::cache::HitSource::Remote, None) => {
                        (manifest, StepOutcome::RemoteHit, String::new())
                    }
                }
            }
            other => {
                // What the step was last built with is read only on a miss, to say why.
                let mut why = match run_again {
                    Some(reason) => reason,
                    None => {
                        let previous =
                            self.journal
                                .previous(self.cache_root(), t.label(), &rule.name);
                        explain::why(previous.as_ref(), &input_digests)
                    }
                };
                if let Lookup::Corrupt { reason } = other {
                    eprintln!(
                        "warning: corrupt cache entry for {} {} ({reason}); rebuilding",
                        rule.name,
                        t.label()
                    );
                    why = format!("cache entry was corrupt: {reason}");
                }
                if self.verbose {
                    self.say(&format!("{:>10} {} ({why})", rule.name, t.label()));
                }
                if let Some(bar) = &self.progress {
                    bar.set_message(format!("{} {}", rule.name, t.label()));
                }
                let outputs = action.run(t, &key)?;
                let mut manifest = Manifest {
                    outputs: BTreeMap::new(),
                };
                for (name, data) in &outputs {
                    let blob: BlobRef = self.cache.put_blob(data)?;
                    manifest.outputs.insert(name.clone(), blob);
                }
                self.cache.put_action(&key, &manifest)?;
                self.produced
                    .lock()
                    .expect("produced")
                    .insert(key.clone(), t.label().to_string());
                (manifest, StepOutcome::Ran, why)
            }
        };
        // A step that ran, here or for another target with the same key, is what a later miss
        // is compared with. Plain hits are not recorded: a no-op build reads no journal.
        if outcome != StepOutcome::LocalHit {
            self.journal.record(
                self.cache_root(),
                t.label(),
                &rule.name,
                explain::Record {
                    key: key.clone(),
                    inputs: input_digests,
                },
            );
        }
        t.steps().insert(
            &rule.name,
            StepResult {
                // Outputs a step stored or fetched now are whole; a local hit's are checked
                // when first read.
                checked: (outcome != StepOutcome::LocalHit).into(),
                key,
                manifest,
                outcome,
                why,
            },
        );
        Ok(())
    }
}

/// The outcome of building a set of targets.
pub struct BuildReport {
    /// Per target: its failure, if any.
    pub failures: Vec<(String, String)>,
    /// Per (target, step) in execution order.
    pub steps: Vec<(String, String, std::sync::Arc<StepResult>)>,
}

impl BuildReport {
    /// Steps whose key another target of this build ran.
    pub fn shared(&self) -> usize {
        self.steps
            .iter()
            .filter(|(_, _, r)| r.outcome == StepOutcome::Shared)
            .count()
    }

    pub fn executed(&self) -> usize {
        self.steps
            .iter()
            .filter(|(_, _, r)| r.outcome == StepOutcome::Ran)
            .count()
    }
}

/// The step graph: a node per (target, wanted rule), an edge from each dep to its dependent.
fn step_graph(rules: &[Rule], wanted: &[usize], targets: &[usize]) -> scheduler::StepGraph {
    let mut graph = scheduler::StepGraph::new();
    for &t in targets {
        let nodes: Vec<_> = wanted
            .iter()
            .map(|&r| (r, graph.add_node((t, r))))
            .collect();
        for &(r, node) in &nodes {
            for d in &rules[r].deps {
                if let Some(&(_, dep)) = nodes.iter().find(|(o, _)| &rules[*o].name == d) {
                    graph.add_edge(dep, node, ());
                }
            }
        }
    }
    graph
}

/// Indices of `until` and everything it depends on (all rules when `None`).
fn needed_rules(rules: &[Rule], until: Option<&str>) -> Result<Vec<usize>> {
    let Some(goal) = until else {
        return Ok((0..rules.len()).collect());
    };
    let mut need = vec![goal.to_string()];
    let mut i = 0;
    while i < need.len() {
        let r = rules
            .iter()
            .find(|r| r.name == need[i])
            .with_context(|| format!("no rule named `{}`", need[i]))?;
        for d in &r.deps {
            if !need.contains(d) {
                need.push(d.clone());
            }
        }
        i += 1;
    }
    Ok((0..rules.len())
        .filter(|&i| need.contains(&rules[i].name))
        .collect())
}

/// blake3 over the rule identity and its inputs' digests, in the rule's order.
fn step_key(rule: &Rule, inputs: &BTreeMap<String, String>) -> String {
    let mut h = blake3::Hasher::new();
    h.update(format!("wt-step-v1\n{}\n{}\n", rule.name, rule.action).as_bytes());
    for name in &rule.inputs {
        h.update(format!("{name}={}\n", inputs[name]).as_bytes());
    }
    h.finalize().to_hex().to_string()
}
