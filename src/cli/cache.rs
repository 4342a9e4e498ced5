//! `wt cache stats|gc|verify|clean`.

use super::Cli;
use super::session::Session;
use anyhow::Result;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Entries, blobs and size of the cache.
    Stats,
    /// Evict least-recently-used entries until the cache is at most SIZE (e.g. 500M, 2G).
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
                "entries: {}\nblobs: {} ({} bytes)\ntotal: {} bytes",
                s.entries, s.blobs, s.blob_bytes, s.total_bytes
            );
            // What `gc --max-size` does not bound: built environments and package caches.
            for (dir, what) in [
                ("envs", "Python environments"),
                ("conda/pkgs", "conda packages"),
                ("conda/repodata", "conda repodata"),
                ("uv", "uv's cache"),
            ] {
                let path = cache.root().join(dir);
                if path.is_dir() {
                    println!("{what} ({dir}/): {} bytes", folder_bytes(&path));
                }
            }
        }
        Command::Gc { max_size } => {
            let max = crate::cache::parse_size(max_size).map_err(anyhow::Error::msg)?;
            let r = cache.gc(max)?;
            println!(
                "removed {} entries and {} blobs ({} bytes freed, {} temp files); kept {} recent unreferenced blobs\nnow: {} entries, {} blobs, {} bytes",
                r.entries_removed,
                r.blobs_removed,
                r.bytes_freed,
                r.temp_files_removed,
                r.blobs_kept_recent,
                r.after.entries,
                r.after.blobs,
                r.after.total_bytes
            );
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

/// Bytes of the files under `dir` (symlinks not followed; a hard-linked file counts at each of its names).
fn folder_bytes(dir: &std::path::Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}
