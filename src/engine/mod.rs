//! The build engine: runs the steps declared in `rules/` for every target, in dependency
//! order and in parallel, skipping every step whose key is already in the cache.
//!
//! A step's key is a blake3 digest over the rule's name and action and the digests of the
//! inputs the rule lists (see [`inputs`]). On a hit the step's outputs come from the cache
//! (local, else remote); on a miss its action runs and its outputs are stored. Targets are
//! independent; inside a target, steps follow the rules' `deps`. Identical keys across targets
//! (e.g. two workflows with the same requirements) run once.

pub mod explain;
pub mod inputs;
pub mod rules;
mod scheduler;
pub mod target;

use crate::cache::{BlobRef, Cache, Lookup, Manifest};
use crate::env::tools::Tools;
use anyhow::{Context, Result, anyhow, bail};
use rules::Rule;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use target::{StepOutcome, StepResult, TargetState};

/// The built-in actions a rule may name.
pub const ACTIONS: &[&str] = &["solve", "discover", "codegen", "package"];

/// Shared state of one `wt` invocation.
pub struct BuildContext {
    pub cache: Cache,
    tools: OnceLock<Result<Tools, String>>,
    python_version: OnceLock<Result<String, String>>,
    key_locks: Mutex<HashMap<String, Arc<Mutex<()>>>>,
    /// Parsed registries by blob digest (many targets share one).
    registries: Mutex<HashMap<String, Arc<crate::spec::validate::KnownTasks>>>,
    /// Source-tree digests of `path:` libraries (many targets share one library).
    tree_digests: Mutex<HashMap<PathBuf, String>>,
    /// Keys whose action ran in this build, and for which target.
    produced: Mutex<HashMap<String, String>>,
    /// Print a line per step that runs.
    pub verbose: bool,
    /// Guarantee no network access: channels and indexes are read from the caches only.
    pub offline: bool,
    /// Re-solve on purpose (`--update-lock`): solve steps run even on a cache hit and ignore
    /// the pins of the workspace's existing lock.
    pub update_lock: bool,
    /// The platforms locks cover and the workspace's channels (wt.toml `[conda]`).
    pub conda: crate::conda::settings::CondaSettings,
    /// A progress bar on a terminal (plain lines otherwise).
    progress: Option<indicatif::ProgressBar>,
}

impl BuildContext {
    pub fn new(cache: Cache, verbose: bool) -> BuildContext {
        BuildContext {
            cache,
            tools: OnceLock::new(),
            python_version: OnceLock::new(),
            key_locks: Mutex::new(HashMap::new()),
            produced: Mutex::new(HashMap::new()),
            registries: Mutex::new(HashMap::new()),
            tree_digests: Mutex::new(HashMap::new()),
            verbose,
            offline: false,
            update_lock: false,
            conda: crate::conda::settings::CondaSettings::default_settings(),
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

    /// The content digest of a source tree, computed once per build.
    pub fn tree_digest(&self, path: &Path) -> std::io::Result<String> {
        if let Some(d) = self.tree_digests.lock().expect("tree digests").get(path) {
            return Ok(d.clone());
        }
        let d = crate::digest::tree(path)?;
        self.tree_digests
            .lock()
            .expect("tree digests")
            .insert(path.to_path_buf(), d.clone());
        Ok(d)
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

    /// uv and the interpreter, located on first use (a fully cached build never needs them).
    pub fn tools(&self) -> Result<&Tools> {
        self.tools
            .get_or_init(|| {
                Tools::locate()
                    .map(|mut t| {
                        t.offline = self.offline;
                        t
                    })
                    .map_err(|e| format!("{e:#}"))
            })
            .as_ref()
            .map_err(|e| anyhow!("{e}"))
    }

    /// The interpreter's version, remembered per interpreter file (path, size, mtime) so a
    /// no-op build starts no process.
    pub fn python_version(&self) -> Result<String> {
        self.python_version
            .get_or_init(|| self.read_python_version().map_err(|e| format!("{e:#}")))
            .clone()
            .map_err(|e| anyhow!("{e}"))
    }

    fn read_python_version(&self) -> Result<String> {
        let name = std::env::var("WT_PYTHON")
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "python3".into());
        let resolved = if name.contains('/') {
            Some(PathBuf::from(&name))
        } else {
            std::env::var_os("PATH").and_then(|p| {
                std::env::split_paths(&p)
                    .map(|d| d.join(&name))
                    .find(|p| p.is_file())
            })
        };
        let identity = resolved.as_ref().and_then(|p| {
            let real = std::fs::canonicalize(p).ok()?;
            let meta = std::fs::metadata(&real).ok()?;
            let mtime = meta
                .modified()
                .ok()?
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?
                .as_nanos();
            Some(format!("{}|{}|{}", real.display(), meta.len(), mtime))
        });
        let memo = identity.as_ref().map(|id| {
            self.cache_root().join("meta").join(format!(
                "python-{}",
                &crate::digest::bytes(id.as_bytes())[..24]
            ))
        });
        if let Some(m) = &memo
            && let Ok(v) = std::fs::read_to_string(m)
        {
            return Ok(v);
        }
        let v = self.tools()?.python_version()?;
        if let Some(m) = memo {
            crate::workspace::write_memo(&m, v.as_bytes());
        }
        Ok(v)
    }

    fn key_lock(&self, key: &str) -> Arc<Mutex<()>> {
        self.key_locks
            .lock()
            .expect("key locks")
            .entry(key.to_string())
            .or_default()
            .clone()
    }

    /// Reads one output of a finished step.
    pub fn output(&self, t: &TargetState, step: &str, name: &str) -> Result<Vec<u8>> {
        let r = t
            .result(step)
            .with_context(|| format!("step `{step}` has not run for {}", t.target.label))?;
        let blob = r
            .manifest
            .outputs
            .get(name)
            .with_context(|| format!("step `{step}` has no output `{name}`"))?;
        Ok(self.cache.read_blob(blob)?)
    }

    /// Reads every output of a finished step.
    pub fn outputs(&self, t: &TargetState, step: &str) -> Result<BTreeMap<String, Vec<u8>>> {
        let r = t
            .result(step)
            .with_context(|| format!("step `{step}` has not run for {}", t.target.label))?;
        r.manifest
            .outputs
            .iter()
            .map(|(name, blob)| Ok((name.clone(), self.cache.read_blob(blob)?)))
            .collect()
    }
}

/// The outcome of building a set of targets.
pub struct BuildReport {
    /// Per target: its failure, if any.
    pub failures: Vec<(String, String)>,
    /// Per (target, step) in execution order.
    pub steps: Vec<(String, String, StepResult)>,
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

/// Runs the steps of `targets` up to (and including) `until` (all steps when `None`).
pub fn build(
    ctx: &BuildContext,
    rules: &[Rule],
    targets: &[TargetState],
    until: Option<&str>,
    jobs: usize,
) -> Result<BuildReport> {
    for r in rules {
        if !ACTIONS.contains(&r.action.as_str()) {
            bail!(
                "rule `{}` names unknown action `{}` (known: {})",
                r.name,
                r.action,
                ACTIONS.join(", ")
            );
        }
    }
    let wanted = needed_rules(rules, until)?;
    let graph = step_graph(rules, &wanted, targets.len());
    if let Some(bar) = &ctx.progress {
        bar.set_length(bar.length().unwrap_or(0) + graph.node_count() as u64);
    }
    let outcome = scheduler::run(&graph, jobs, |t, r| run_step(ctx, &rules[r], &targets[t]));
    let mut report = BuildReport {
        failures: Vec::new(),
        steps: Vec::new(),
    };
    for (ti, t) in targets.iter().enumerate() {
        if let Some(err) = outcome.get(&ti) {
            report.failures.push((t.target.label.clone(), err.clone()));
        }
        for &ri in &wanted {
            if let Some(res) = t.result(&rules[ri].name) {
                report
                    .steps
                    .push((t.target.label.clone(), rules[ri].name.clone(), res));
            }
        }
    }
    Ok(report)
}

/// The step graph: a node per (target, wanted rule), an edge from each dep to its dependent.
fn step_graph(rules: &[Rule], wanted: &[usize], targets: usize) -> scheduler::StepGraph {
    let mut graph = scheduler::StepGraph::new();
    for t in 0..targets {
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

/// Computes a step's key, then restores it from the cache or runs its action.
fn run_step(ctx: &BuildContext, rule: &Rule, t: &TargetState) -> Result<()> {
    let mut input_digests = BTreeMap::new();
    for name in &rule.inputs {
        input_digests.insert(name.clone(), inputs::digest_of(name, ctx, t)?);
    }
    let key = step_key(rule, &input_digests);
    let lock = ctx.key_lock(&key);
    let _guard = lock.lock().expect("key lock");
    let previous = explain::load(ctx.cache_root(), &t.target.label, &rule.name);
    // --update-lock re-solves once per key: a key another target already re-solved in this
    // build is a hit.
    let resolve_again = ctx.update_lock
        && rule.action == "solve"
        && !ctx.produced.lock().expect("produced").contains_key(&key);
    let lookup = if resolve_again {
        Lookup::Miss
    } else {
        ctx.cache.get_action(&key)?
    };
    let (manifest, outcome, why) = match lookup {
        Lookup::Hit { manifest, source } => {
            let producer = ctx.produced.lock().expect("produced").get(&key).cloned();
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
            let mut why = if resolve_again {
                "--update-lock".to_string()
            } else {
                explain::why(previous.as_ref(), &input_digests)
            };
            if let Lookup::Corrupt { reason } = other {
                eprintln!(
                    "warning: corrupt cache entry for {} {} ({reason}); rebuilding",
                    rule.name, t.target.label
                );
                why = format!("cache entry was corrupt: {reason}");
            }
            if ctx.verbose {
                ctx.say(&format!("{:>10} {} ({why})", rule.name, t.target.label));
            }
            if let Some(bar) = &ctx.progress {
                bar.set_message(format!("{} {}", rule.name, t.target.label));
            }
            let outputs = run_action(ctx, rule, t, &key)?;
            let mut manifest = Manifest {
                outputs: BTreeMap::new(),
            };
            for (name, data) in &outputs {
                let blob: BlobRef = ctx.cache.put_blob(data)?;
                manifest.outputs.insert(name.clone(), blob);
            }
            ctx.cache.put_action(&key, &manifest)?;
            ctx.produced
                .lock()
                .expect("produced")
                .insert(key.clone(), t.target.label.clone());
            (manifest, StepOutcome::Ran, why)
        }
    };
    explain::store(
        ctx.cache_root(),
        &t.target.label,
        &rule.name,
        &explain::Record {
            key: key.clone(),
            inputs: input_digests,
        },
    );
    t.results.lock().expect("results").insert(
        rule.name.clone(),
        StepResult {
            key,
            manifest,
            outcome,
            why,
        },
    );
    Ok(())
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

fn run_action(
    ctx: &BuildContext,
    rule: &Rule,
    t: &TargetState,
    key: &str,
) -> Result<BTreeMap<String, Vec<u8>>> {
    let one = |name: &str, data: Vec<u8>| BTreeMap::from([(name.to_string(), data)]);
    Ok(match rule.action.as_str() {
        "solve" => one(
            crate::steps::solve::LOCK_FILE,
            crate::steps::solve::run(ctx, t)?,
        ),
        "discover" => {
            let lock = ctx.output(t, "solve", crate::steps::solve::LOCK_FILE)?;
            crate::steps::discover_step::run(ctx, t, key, &lock)?
        }
        "codegen" => crate::steps::codegen::run(ctx, t)?,
        "package" => {
            let generated = ctx.outputs(t, "codegen")?;
            let lock = ctx.output(t, "solve", crate::steps::solve::LOCK_FILE)?;
            crate::steps::package::run(generated, lock)?
        }
        other => bail!("unknown action `{other}`"),
    })
}

/// Validates the spec against the registry and signatures from the discover step (once per
/// target).
pub fn validate_workflow(ctx: &BuildContext, t: &TargetState) -> Result<()> {
    if t.workflow.get().is_some() {
        return Ok(());
    }
    let known = known_tasks(ctx, t)?;
    let wf = crate::spec::validate::validate(&t.spec, &known)
        .map_err(|d| anyhow!(Rendered(t.file.render(&d))))?;
    let _ = t.workflow.set(wf);
    Ok(())
}

/// The discover step's outputs this target validates against: (registry, signatures) blobs.
fn discovery_blobs(t: &TargetState) -> Result<(BlobRef, BlobRef)> {
    use crate::steps::discover_step::{REGISTRY_FILE, SIGNATURES_FILE};
    let discover = t.result("discover").context("validation needs discovery")?;
    let blob = |name: &str| {
        discover
            .manifest
            .outputs
            .get(name)
            .cloned()
            .with_context(|| format!("discovery produced no {name}"))
    };
    Ok((blob(REGISTRY_FILE)?, blob(SIGNATURES_FILE)?))
}

/// A digest of what discovery reported for this target (registry and signatures).
pub(crate) fn discovery_digest(t: &TargetState) -> Result<String> {
    let (registry, signatures) = discovery_blobs(t)?;
    Ok(format!("{}+{}", registry.digest, signatures.digest))
}

/// The discovered tasks, parsed once per distinct discovery output (many targets share one).
fn known_tasks(
    ctx: &BuildContext,
    t: &TargetState,
) -> Result<Arc<crate::spec::validate::KnownTasks>> {
    let memo = discovery_digest(t)?;
    if let Some(k) = ctx.registries.lock().expect("registries").get(&memo) {
        return Ok(k.clone());
    }
    let (registry_blob, signatures_blob) = discovery_blobs(t)?;
    let registry: crate::contracts::RegistryOutput =
        serde_json::from_slice(&ctx.cache.read_blob(&registry_blob)?)
            .context("the cached registry is not valid JSON")?;
    let signatures: crate::contracts::Signatures =
        serde_json::from_slice(&ctx.cache.read_blob(&signatures_blob)?)
            .context("the cached signatures are not valid JSON")?;
    let k = Arc::new(crate::spec::validate::KnownTasks::from_registry(
        &registry,
        &signatures,
    ));
    ctx.registries
        .lock()
        .expect("registries")
        .insert(memo, k.clone());
    Ok(k)
}

/// Text already rendered for the terminal (spec diagnostics, a target's failure), carried
/// through `anyhow` so it prints as it is.
#[derive(Debug)]
pub struct Rendered(pub String);

impl std::fmt::Display for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.trim_end())
    }
}

impl std::error::Error for Rendered {}

/// An error as the terminal shows it: rendered spec diagnostics as they are, anything else as
/// `error:` with its chain of causes.
pub fn render_error(e: &anyhow::Error) -> String {
    if e.downcast_ref::<Rendered>().is_some() {
        format!("{e}")
    } else {
        format!("error: {e:#}")
    }
}
