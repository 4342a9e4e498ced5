//! `wt cache stats|gc|verify|clean`.

use super::Cli;
use super::session::Session;
use crate::cache::human_size;
use anyhow::Result;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Entries, blobs and size of the cache.
    Stats,
    /// Evict what was used least recently (step outputs, environments, conda packages and
    /// repodata) until the cache is at most SIZE (e.g. 500M, 2G; default: wt.toml's
    /// `[cache] max-size`). What a running build, run or server uses, or what was used in the
    /// last 10 minutes, is kept.
    Gc {
        #[arg(long, value_name = "SIZE")]
        max_size: Option<String>,
    },
    /// Re-hash every blob and check every entry; remove what is corrupt.
    Verify,
    /// Remove everything wt stored in the cache: steps, environments, conda packages.
    Clean,
}

pub fn run(cli: &Cli, cmd: &Command) -> Result<i32> {
    let session = Session::open(cli, &std::env::current_dir()?)?;
    let cache = &session.ctx.cache;
    match cmd {
        Command::Stats => {
            let s = cache.stats()?;
            println!("cache: {}", cache.root().display());
            println!(
                "entries: {}\nblobs: {} ({})",
                s.entries,
                s.blobs,
                human_size(s.blob_bytes)
            );
            // Derived data, which `gc --max-size` bounds with the steps' outputs.
            let mut total = s.total_bytes;
            for (dir, what) in [
                ("envs", "Python environments"),
                ("conda/pkgs", "conda packages"),
                ("conda/repodata", "conda repodata"),
            ] {
                let path = cache.root().join(dir);
                if path.is_dir() {
                    let bytes = crate::cache::folder_bytes(&path);
                    total += bytes;
                    println!("{what} ({dir}/): {}", human_size(bytes));
                }
            }
            println!("total: {} (what gc --max-size bounds)", human_size(total));
            if let Some(max) = session.max_cache_size {
                println!("max-size (wt.toml): {}", human_size(max));
            }
            // uv's own; `uv cache prune` bounds it.
            let uv = cache.root().join("uv");
            if uv.is_dir() {
                println!(
                    "uv's cache (uv/, not bounded by gc): {}",
                    human_size(crate::cache::folder_bytes(&uv))
                );
            }
        }
        Command::Gc { max_size } => {
            let max = match (max_size, session.max_cache_size) {
                (Some(size), _) => crate::cache::parse_size(size).map_err(anyhow::Error::msg)?,
                (None, Some(size)) => size,
                (None, None) => anyhow::bail!(
                    "how large may the cache be? Give --max-size SIZE (e.g. 20G), or set `max-size` under [cache] in wt.toml"
                ),
            };
            let (r, leftovers) = collect_garbage(cache, max)?;
            println!("{}", gc_summary(&r, leftovers));
        }
        Command::Verify => {
            let r = cache.verify()?;
            println!(
                "checked {} blobs and {} entries",
                r.blobs_checked, r.entries_checked
            );
            for d in &r.corrupt_blobs {
                println!("  removed corrupt blob {d}");
            }
            for e in &r.bad_entries {
                println!("  removed entry {}: {}", e.key, e.reason);
            }
            if !(r.corrupt_blobs.is_empty() && r.bad_entries.is_empty()) {
                return Ok(1);
            }
            println!("ok");
        }
        Command::Clean => {
            cache.clean()?;
            // Environments and conda caches are wt's too (uv's cache is left: it may be shared).
            for dir in ["envs", "conda"] {
                let path = cache.root().join(dir);
                match std::fs::remove_dir_all(&path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        anyhow::bail!("could not remove {}: {e}", path.display())
                    }
                    _ => {}
                }
            }
            println!("cleaned {}", cache.root().display());
        }
    }
    Ok(0)
}

/// How often a build may run gc on its own (wt.toml's `[cache] max-size`): measuring the
/// environments and packages walks many files, which a build must not pay every time.
pub const AUTO_GC_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);

/// gc of everything the cache holds: leftovers of killed environment builds, then one LRU over
/// step entries, environments, conda packages and repodata. Returns the report and the number
/// of leftovers removed.
pub fn collect_garbage(
    cache: &crate::cache::Cache,
    max_bytes: u64,
) -> Result<(crate::cache::GcReport, usize)> {
    let root = cache.root();
    let leftovers = crate::env::gc::remove_leftovers(root)?;
    let mut derived = crate::env::gc::environments(root)?;
    derived.extend(crate::conda::gc::conda_caches(root)?);
    let report = cache.gc_with(max_bytes, crate::cache::GC_GRACE, &derived)?;
    Ok((report, leftovers))
}

/// After a build: with wt.toml's `[cache] max-size`, runs gc when the last run (by this or any
/// wt process on the cache) is more than [`AUTO_GC_INTERVAL`] ago. The stamp
/// `<cache>/gc.stamp` is set before gc runs, so concurrent builds do not all run it. A failed
/// gc is a warning: the build itself succeeded.
pub fn auto_gc(session: &Session, quiet: bool) {
    let Some(max) = session.max_cache_size else {
        return;
    };
    let cache = &session.ctx.cache;
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
                gc_summary(&r, leftovers).replace('\n', "; ")
            );
        }
        Ok(_) => {}
        Err(e) => eprintln!("warning: cache gc failed: {e:#}"),
    }
}

/// What `wt cache gc` did, in a few lines.
fn gc_summary(r: &crate::cache::GcReport, env_leftovers: usize) -> String {
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
        "\nnow: {} entries, {} blobs, {} of step outputs; {} of environments and conda caches",
        r.after.entries,
        r.after.blobs,
        human_size(r.after.total_bytes),
        human_size(r.derived_bytes_after)
    ));
    out
}
