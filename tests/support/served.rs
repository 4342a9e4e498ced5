//! A test workspace's workflows built as `wt serve` builds them, in-process, ready to hand to
//! `wt::server::serve_in_background`.

use clap::Parser;
use std::path::Path;

/// Builds every workflow under `root` with the cache `cache`; panics with the build's errors.
pub fn build(root: &Path, cache: &Path) -> Vec<wt::server::ServedWorkflow> {
    let cli = wt::cli::Cli::try_parse_from([
        "wt".as_ref(),
        "--quiet".as_ref(),
        "--cache-dir".as_ref(),
        cache.as_os_str(),
        "serve".as_ref(),
    ])
    .unwrap();
    wt::cli::serve::load_workflows(&cli, root, &[])
        .unwrap_or_else(|e| panic!("building the workspace failed: {e:#}"))
}
