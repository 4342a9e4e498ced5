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
    tree_digests: Memo<PathBuf, String>,
    /// Digests of the build manifests (pyproject.toml, setup.py, setup.cfg) of `path:`
    /// libraries, by file name.
    manifest_digests: Memo<PathBuf, Vec<(&'static str, String)>>,
    /// Digests of the inputs that are the same for every target (`None`: not such an input).
    build_wide: Memo<String, Option<String>>,
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
            tree_digests: Memo::default(),
            manifest_digests: Memo::default(),
            build_wide: Memo::default(),
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
        self.tree_digests.get(path, || crate::digest::tree(path))
    }

    /// The digest of input `name` when it is the same for every target, computed by `f` once
    /// per build (`f` returns `None` for an input that is not).
    pub fn build_wide_digest(
        &self,
        name: &str,
        f: impl FnOnce() -> Option<String>,
    ) -> Option<String> {
        self.build_wide.get(name, || Ok(f())).unwrap_or_default()
    }

    /// The digests of a Python project's build manifests that exist, computed once per build.
    pub fn manifest_digests(&self, path: &Path) -> Vec<(&'static str, String)> {
        let read = || {
            Ok(["pyproject.toml", "setup.py", "setup.cfg"]
                .into_iter()
                .filter_map(|f| {
                    let bytes = std::fs::read(path.join(f)).ok()?;
                    Some((f, crate::digest::bytes(&bytes)))
                })
                .collect())
        };
        self.manifest_digests.get(path, read).unwrap_or_default()
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

/// Values computed at most once per build for each key (a path, an input's name).
struct Memo<K, V>(Mutex<HashMap<K, V>>);

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo(Mutex::new(HashMap::new()))
    }
}

impl<K: std::hash::Hash + Eq, V: Clone> Memo<K, V> {
    /// The value for `key`, computed by `f` on first use (an error is not remembered).
    fn get<Q>(&self, key: &Q, f: impl FnOnce() -> std::io::Result<V>) -> std::io::Result<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if let Some(v) = self.0.lock().expect("memo").get(key) {
            return Ok(v.clone());
        }
        let v = f()?;
        self.0
            .lock()
            .expect("memo")
            .insert(key.to_owned(), v.clone());
        Ok(v)
    }
}
