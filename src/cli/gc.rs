//! Garbage collection as the CLI runs it: `wt cache gc`, and the gc a build runs on its own
//! under wt.toml's `[cache] max-size`.

use crate::cache::human_size;
use crate::project::Project;
use anyhow::Result;

/// How often a build may run gc on its own (wt.toml's `[cache] max-size`): measuring the
/// environments and packages walks many files, which a build must not pay every time.
pub const AUTO_GC_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);

/// gc of everything the cache holds: leftovers of killed environment builds, then one LRU over
/// step entries, environments, conda packages, repodata, task results and spec memos. Returns
/// the report and the number of leftovers removed.
pub fn collect_garbage(
    cache: &crate::cache::Cache,
    max_bytes: u64,
) -> Result<(crate::cache::GcReport, usize)> {
    let root = cache.root();
    let leftovers = crate::env::gc::remove_leftovers(root)?;
    let mut derived = crate::env::gc::environments(root)?;
    derived.extend(crate::conda::gc::conda_caches(root)?);
    derived.extend(crate::cache::task_results::evictables(root));
    derived.extend(crate::cache::memo::evictables(root));
    let report = cache.gc_with(max_bytes, crate::cache::GC_GRACE, &derived)?;
    Ok((report, leftovers))
}

/// After a build: with wt.toml's `[cache] max-size`, runs gc when the last run (by this or any
/// wt process on the cache) is more than [`AUTO_GC_INTERVAL`] ago. The stamp
/// `<cache>/gc.stamp` is set before gc runs, so concurrent builds do not all run it. A failed
/// gc is a warning: the build itself succeeded.
pub fn auto_gc(project: &Project, quiet: bool) {
    let Some(max) = project.max_cache_size else {
        return;
    };
    let cache = project.cache();
    let stamp = cache.root().join("gc.stamp");
    let recent = std::fs::metadata(&stamp)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t.elapsed().is_ok_and(|age| age < AUTO_GC_INTERVAL));
    if recent || std::fs::write(&stamp, b"").is_err() {
        return;
    }
    match collect_garbage(cache, max) {
        Ok((r, leftovers)) if !quiet && (r.bytes_freed > 0 || leftovers > 0) => {
            eprintln!(
                "cache gc ([cache] max-size = {}): {}",
                human_size(max),
                summary(&r, leftovers).replace('\n', "; ")
            );
        }
        Ok(_) => {}
        Err(e) => eprintln!("warning: cache gc failed: {e:#}"),
    }
}

/// What `wt cache gc` did, in a few lines.
pub fn summary(r: &crate::cache::GcReport, env_leftovers: usize) -> String {
    let mut removed = vec![
        format!("{} entries", r.entries_removed),
        format!("{} blobs", r.blobs_removed),
    ];
    for (kind, n) in &r.derived_removed {
        removed.push(kind.count(*n));
    }
    let mut out = format!(
        "removed {} ({} freed); {} temp files and {} environment leftovers of interrupted builds",
        removed.join(", "),
        human_size(r.bytes_freed),
        r.temp_files_removed,
        env_leftovers
    );
    if r.derived_kept_in_use + r.derived_kept_recent + r.blobs_kept_recent > 0 {
        out.push_str(&format!(
            "\nkept {} in use by a running wt, {} used in the last {} minutes, {} recent unreferenced blobs",
            r.derived_kept_in_use,
            r.derived_kept_recent,
            crate::cache::GC_GRACE.as_secs() / 60,
            r.blobs_kept_recent
        ));
    }
    out.push_str(&format!(
        "\nnow: {} entries, {} blobs, {} of step outputs; {} of environments, conda caches, task results and memos",
        r.after.entries,
        r.after.blobs,
        human_size(r.after.total_bytes),
        human_size(r.derived_bytes_after)
    ));
    out
}
