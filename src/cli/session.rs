//! What every building command shares: the workspace root, its configuration, the cache, the
//! rules, and how targets are chosen.

use super::Cli;
use crate::cache::{Cache, RemoteConfig};
use crate::config::Config;
use crate::engine::rules::Rule;
use crate::engine::{BuildReport, Engine};
use crate::label::Target;
use crate::steps::{BuildContext, TargetState};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

pub struct Session {
    pub root: PathBuf,
    pub config: Config,
    pub ctx: BuildContext,
    pub rules: Vec<Rule>,
    pub jobs: usize,
    /// wt.toml's `[cache] max-size`, in bytes.
    pub max_cache_size: Option<u64>,
}

impl Session {
    /// Opens the workspace containing `start` (a folder or spec file). Outside any workspace
    /// (no `wt.toml` above), the folder of `start` acts as the root.
    pub fn open(cli: &Cli, start: &Path) -> Result<Session> {
        let root = crate::workspace::find_root(start).unwrap_or_else(|| {
            let abs = crate::workspace::absolute(start);
            if abs.is_file() {
                abs.parent().map(Path::to_path_buf).unwrap_or(abs)
            } else {
                abs
            }
        });
        let config = crate::config::load(&root)?;
        let conda = crate::conda::settings::CondaSettings::from_config(&root, &config)?;
        crate::spec::requirements::set_workspace_channels(conda.channels.clone());
        let cache_dir = match (
            &cli.cache_dir,
            std::env::var_os(crate::env_vars::CACHE_DIR).filter(|v| !v.is_empty()),
            &config.cache.dir,
        ) {
            (Some(d), _, _) => crate::workspace::absolute(d),
            (None, Some(d), _) => crate::workspace::absolute(Path::new(&d)),
            (None, None, Some(d)) => root.join(d),
            (None, None, None) if crate::workspace::find_root(start).is_some() => {
                root.join("cache")
            }
            _ => crate::workspace::cache_dir(None, None),
        };
        let remote_url = cli
            .remote_cache
            .clone()
            .or_else(|| config.cache.remote.clone());
        // Offline, the remote cache is not consulted at all.
        let remote = remote_url.filter(|_| !cli.offline).map(|url| RemoteConfig {
            url,
            read_only: cli.remote_cache_read_only || config.cache.remote_read_only,
            headers: cli.remote_cache_header.clone(),
        });
        let cache = Cache::open(&cache_dir, remote)?;
        let max_cache_size = config
            .cache
            .max_size
            .as_deref()
            .map(crate::cache::parse_size)
            .transpose()
            .map_err(|e| {
                anyhow::anyhow!(
                    "{}: [cache] max-size: {e}",
                    root.join(crate::workspace::WORKSPACE_FILE).display()
                )
            })?;
        let jobs = cli
            .jobs
            .or(config.build.jobs)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
        let rules = crate::engine::rules::load()?;
        let mut ctx = BuildContext::new(Engine::new(cache, !cli.quiet));
        ctx.offline = cli.offline;
        ctx.update_lock = cli.update_lock;
        ctx.conda = conda;
        ctx.lints = config.lints.clone();
        Ok(Session {
            root,
            config,
            ctx,
            rules,
            jobs,
            max_cache_size,
        })
    }

    /// Target states for `targets`; specs that do not parse are reported and left out.
    pub fn prepare(
        &self,
        targets: &[Target],
        out: Option<&Path>,
    ) -> (Vec<TargetState>, Vec<(String, String)>) {
        use rayon::prelude::*;
        // Reading and parsing the specs is most of what a no-op build does besides `stat`:
        // spread it over the cores (order kept).
        let prepared: Vec<_> = targets
            .par_iter()
            .map(|t| crate::project::prepare(&self.root, &self.config, t, out))
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

    /// Builds `states` up to `until` (every step when `None`). Lint warnings are left to the
    /// caller to print ([`report_warnings`]), after its own report of failures.
    pub fn build(&self, states: &[TargetState], until: Option<&str>) -> Result<BuildReport> {
        let actions = crate::steps::actions(&self.ctx);
        self.ctx
            .engine
            .build(&self.rules, &actions, states, until, self.jobs)
    }

    /// Builds one spec file (for `compile`, `run`, `tasks`, `fingerprint`) up to `until`;
    /// fails with the spec's own errors.
    pub fn build_one(
        &self,
        spec: &Path,
        out: Option<&Path>,
        until: Option<&str>,
    ) -> Result<TargetState> {
        let spec = crate::load::SpecFile::read(spec)?.path;
        let dir = spec.parent().context("spec has no folder")?;
        let target = Target {
            label: crate::label::label_of(&self.root, dir),
            spec: spec.clone(),
        };
        let state = crate::project::prepare(&self.root, &self.config, &target, out)
            .map_err(crate::diag::Rendered)?;
        let report = self.build(std::slice::from_ref(&state), until)?;
        self.ctx.finish_progress();
        if let Some((_, err)) = report.failures.into_iter().next() {
            bail!(crate::diag::Rendered(err));
        }
        report_warnings(std::slice::from_ref(&state));
        Ok(state)
    }

    /// The workflow of `spec` validated against its discovered tasks, with nothing compiled
    /// (what `wt fingerprint` and `wt graph` need).
    pub fn validated_one(&self, spec: &Path) -> Result<TargetState> {
        let state = self.build_one(spec, None, Some("discover"))?;
        crate::steps::validated::validate_workflow(&self.ctx, &state)?;
        Ok(state)
    }

    /// Builds the workflow of `spec` ([`Session::build_one`]) and writes its workspace (to
    /// `out`, else next to the spec): what `wt compile`, `wt run` and `wt python` start with.
    /// Returns the target, the workspace's files and whether anything was written.
    pub fn write_one(
        &self,
        spec: &Path,
        out: Option<&Path>,
    ) -> Result<(
        TargetState,
        std::collections::BTreeMap<String, Vec<u8>>,
        crate::compile::WriteOutcome,
    )> {
        let state = self.build_one(spec, out, None)?;
        let files = self.ctx.outputs(&state, "package")?;
        let outcome = crate::compile::write_tree(&state.out_dir, &files)?;
        Ok((state, files, outcome))
    }

    /// The Python environment of a built target (its lock's packages and its libraries),
    /// built if it is missing: what runs its workflow.
    pub fn environment(&self, state: &TargetState) -> Result<crate::env::python_env::PythonEnv> {
        state
            .result("discover")
            .with_context(|| format!("{}: discovery did not run", state.target.label))?;
        let lock = self
            .ctx
            .output(state, "solve", crate::steps::solve::LOCK_FILE)?;
        crate::steps::discover::environment(&self.ctx, state, &lock)
    }
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
