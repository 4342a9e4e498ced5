//! Where things live: the workspace root (nearest ancestor holding `wt.toml`) and the cache.

use std::path::{Component, Path, PathBuf};

/// The marker file of a workspace root.
pub const WORKSPACE_FILE: &str = "wt.toml";

/// The nearest ancestor of `start` (a file or folder) that holds `wt.toml`.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    let start = if start.is_file() {
        start.parent()?
    } else {
        start
    };
    let start = std::path::absolute(start).ok()?;
    start
        .ancestors()
        .find(|d| d.join(WORKSPACE_FILE).is_file())
        .map(Path::to_path_buf)
}

/// The cache root: `--cache-dir`, else `$WT_CACHE_DIR`, else `<workspace>/cache`, else the
/// user cache folder (`$XDG_CACHE_HOME/wt` or `~/.cache/wt`).
pub fn cache_dir(explicit: Option<&Path>, workspace: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return absolute(p);
    }
    if let Some(p) = std::env::var_os(crate::env_vars::CACHE_DIR).filter(|v| !v.is_empty()) {
        return absolute(Path::new(&p));
    }
    if let Some(root) = workspace {
        return root.join("cache");
    }
    if let Some(xdg) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(xdg).join("wt");
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".cache").join("wt"),
        None => std::env::temp_dir().join("wt-cache"),
    }
}

pub fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// `p` relative to the current directory when it is inside it (for messages), else as is.
pub fn display(p: &Path) -> String {
    let abs = absolute(p);
    match std::env::current_dir()
        .ok()
        .and_then(|cwd| abs.strip_prefix(&cwd).ok().map(Path::to_path_buf))
    {
        Some(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => p.display().to_string(),
    }
}

/// Reads a small JSON bookkeeping file written by [`write_memo`]; `None` when it is missing or
/// does not hold a `T` (an older wt's format, a file cut short): it is then recomputed.
pub fn read_memo<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Writes a small bookkeeping file (memos, stamps, explain records) atomically (see
/// [`write_atomically`]). Best effort: losing one of these only costs recomputation, so
/// failures are ignored.
pub fn write_memo(path: &Path, bytes: &[u8]) {
    let _ = write_atomically(path, bytes);
}

/// Writes `path` atomically, creating its folder: a temp file in the same folder renamed over
/// it, so a reader (or a write cut short) sees the old file or the new one, never a part.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Removes `.` and `..` components without touching the filesystem.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in absolute(p).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}
