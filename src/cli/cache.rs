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
    /// repodata) until the cache is at most SIZE (e.g. 500M, 2G). What a running build, run or
    /// server uses, or what was used in the last 10 minutes, is kept.
    Gc {
        #[arg(long, value_name = "SIZE")]
        max_size: String,
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
                "entries: {}\nblobs: {} ({})\ntotal: {}",
                s.entries,
                s.blobs,
                human_size(s.blob_bytes),
                human_size(s.total_bytes)
            );
            // Derived data, which `gc --max-size` bounds too, and uv's cache, which it does not
            // (uv's own `uv cache prune` does).
            for (dir, what) in [
                ("envs", "Python environments"),
                ("conda/pkgs", "conda packages"),
                ("conda/repodata", "conda repodata"),
                ("uv", "uv's cache (not bounded by gc)"),
            ] {
                let path = cache.root().join(dir);
                if path.is_dir() {
                    println!(
                        "{what} ({dir}/): {}",
                        human_size(crate::cache::folder_bytes(&path))
                    );
                }
            }
        }
        Command::Gc { max_size } => {
            let max = crate::cache::parse_size(max_size).map_err(anyhow::Error::msg)?;
            let root = cache.root();
            let leftovers = crate::env::gc::remove_leftovers(root)?;
            let mut derived = crate::env::gc::environments(root)?;
            derived.extend(crate::conda::gc::conda_caches(root)?);
            let r = cache.gc_with(max, crate::cache::GC_GRACE, &derived)?;
            drop(derived);
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
