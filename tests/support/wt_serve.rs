//! `wt serve` as a child process on a free port of 127.0.0.1, for tests that need the real
//! command (its signals, its build of the targets) rather than the server embedded in-process.

#![allow(dead_code)] // Each test binary uses some of these.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::time::Duration;

/// `wt serve TARGET --results-root RESULTS EXTRA…` on a free port of 127.0.0.1, from the test
/// workspace; returns the child and its base URL once it listens.
pub fn spawn_wt_serve(
    root: &Path,
    target: &str,
    results: &Path,
    extra: &[&str],
) -> (std::process::Child, String) {
    let (child, base, _) = spawn_wt_serve_logged(root, target, results, extra);
    (child, base)
}

/// [`spawn_wt_serve`], also returning what the server logged before it listened.
pub fn spawn_wt_serve_logged(
    root: &Path,
    target: &str,
    results: &Path,
    extra: &[&str],
) -> (std::process::Child, String, Vec<String>) {
    let (child, base, seen, _) = spawn_wt_serve_streaming(root, target, results, extra);
    (child, base, seen)
}

/// [`spawn_wt_serve_logged`], also returning the server's later log lines as they come.
pub fn spawn_wt_serve_streaming(
    root: &Path,
    target: &str,
    results: &Path,
    extra: &[&str],
) -> (
    std::process::Child,
    String,
    Vec<String>,
    std::sync::mpsc::Receiver<String>,
) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_wt"))
        .args([
            "--quiet",
            "serve",
            "--bind",
            "127.0.0.1:0",
            target,
            "--results-root",
        ])
        .arg(results)
        .args(extra)
        .current_dir(root)
        .env(
            "WT_CACHE_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e-cache"),
        )
        .env("WT_LOG", "info")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    // Keeps reading to the end, so the server never writes to a closed pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    let base = loop {
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(line) => {
                if let Some(i) = line.find("listening on http://") {
                    break line[i + "listening on ".len()..].trim().to_string();
                }
                seen.push(line);
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("wt serve did not start:\n{}", seen.join("\n"));
            }
        }
    };
    (child, base, seen, rx)
}
