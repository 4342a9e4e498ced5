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

/// Serves `workflows` in the background on 127.0.0.1 with `config`; returns the base URL once
/// the server answers `GET /` (at most 10 s).
pub fn start(
    workflows: Vec<wt::server::ServedWorkflow>,
    config: wt::server::ServerConfig,
) -> String {
    let base = wt::server::serve_in_background(workflows, config).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while ureq::get(&format!("{base}/"))
        .call()
        .map_or(true, |r| r.status() != 200)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not come up"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    base
}
