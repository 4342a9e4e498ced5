//! `wt cache stats|gc|verify|clean`.

use super::Cli;
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
        /// The most the cache may hold: bytes, or 500M, 2G, 1.5GiB (K/M/G are powers of 1024;
        /// KB/MB/GB of 1000). Default: wt.toml's `[cache] max-size`.
        #[arg(long, value_name = "SIZE")]
        max_size: Option<String>,
    },
    /// Re-hash every blob and check every entry; remove what is corrupt.
    Verify,
    /// Remove everything wt stored in the cache: steps, environments, conda packages.
    Clean,
}

pub fn run(cli: &Cli, cmd: &Command) -> Result<i32> {
    let project = cli.project(&std::env::current_dir()?)?;
    let cache = project.cache();
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
            let layout = crate::cache::Layout(cache.root());
            for (path, what) in [
                (layout.envs(), "Python environments"),
                (layout.conda_packages(), "conda packages"),
                (layout.conda_repodata(), "conda repodata"),
            ] {
                if path.is_dir() {
                    let bytes = crate::cache::folder_bytes(&path);
                    total += bytes;
                    let dir = path.strip_prefix(cache.root()).unwrap_or(&path).display();
                    println!("{what} ({dir}/): {}", human_size(bytes));
                }
            }
            println!("total: {} (what gc --max-size bounds)", human_size(total));
            if let Some(max) = project.max_cache_size {
                println!("max-size (wt.toml): {}", human_size(max));
            }
            // uv's own; `uv cache prune` bounds it.
            let uv = crate::cache::Layout(cache.root()).uv();
            if uv.is_dir() {
                println!(
                    "uv's cache (uv/, not bounded by gc): {}",
                    human_size(crate::cache::folder_bytes(&uv))
                );
            }
        }
        Command::Gc { max_size } => {
            let max = match (max_size, project.max_cache_size) {
                (Some(size), _) => crate::cache::parse_size(size).map_err(anyhow::Error::msg)?,
                (None, Some(size)) => size,
                (None, None) => anyhow::bail!(
                    "how large may the cache be? Give --max-size SIZE (e.g. 20G), or set `max-size` under [cache] in wt.toml"
                ),
            };
            let (r, leftovers) = super::gc::collect_garbage(cache, max)?;
            println!("{}", super::gc::summary(&r, leftovers));
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
            let layout = crate::cache::Layout(cache.root());
            for path in [layout.envs(), layout.conda()] {
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
