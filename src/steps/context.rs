//! What the steps of one `wt` invocation share: the engine (and through it the cache), the
//! tools they run, the workspace's conda settings, and what is worth computing only once per
//! build (parsed registries, source-tree digests).

use crate::engine::{Engine, Target};
use crate::env::tools::Tools;
use anyhow::{Result, anyhow};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

pub struct BuildContext {
    pub engine: Engine,
    tools: OnceLock<Result<Tools, String>>,
    /// Parsed registries by blob digest (many targets share one).
    pub(super) registries: Mutex<HashMap<String, Arc<crate::spec::validate::KnownTasks>>>,
    /// Source-tree digests of `path:` libraries (many targets share one library).
    tree_digests: Mutex<HashMap<PathBuf, String>>,
    /// Guarantee no network access: channels and indexes are read from the caches only.
    pub offline: bool,
    /// Re-solve on purpose (`--update-lock`): solve steps run even on a cache hit and ignore
    /// the pins of the workspace's existing lock.
    pub update_lock: bool,
    /// The platforms locks cover and the workspace's channels (wt.toml `[conda]`).
    pub conda: crate::conda::settings::CondaSettings,
    /// Lint levels of the workspace (wt.toml `[lints]`).
    pub lints: crate::spec::lints::LintLevels,
}

impl BuildContext {
    pub fn new(engine: Engine) -> BuildContext {
        BuildContext {
            engine,
            tools: OnceLock::new(),
            registries: Mutex::new(HashMap::new()),
            tree_digests: Mutex::new(HashMap::new()),
            offline: false,
            update_lock: false,
            conda: crate::conda::settings::CondaSettings::default_settings(),
            lints: Default::default(),
        }
    }

    pub fn cache_root(&self) -> &Path {
        self.engine.cache_root()
    }

    /// Reads one output of a finished step.
    pub fn output<T: Target>(&self, t: &T, step: &str, name: &str) -> Result<Vec<u8>> {
        self.engine.output(t, step, name)
    }

    /// Reads every output of a finished step.
    pub fn outputs<T: Target>(&self, t: &T, step: &str) -> Result<BTreeMap<String, Vec<u8>>> {
        self.engine.outputs(t, step)
    }

    /// Removes the progress bar from the terminal.
    pub fn finish_progress(&self) {
        self.engine.finish_progress()
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
}
