//! `make bench`: the task author's loop. A workspace with one `path:` library of five tasks
//! and a workflow chaining them; after a first `wt run`, one function's body is edited and
//! `wt run` times how long until the new result shows, several times (each result checked).
//! Also reports how much the cache grew over the edits. Uses the release binary, real uv and
//! Python, and its own empty cache.

#[path = "../tests/support/tools.rs"]
mod tools;

use std::path::Path;
use std::time::Duration;

const EDITS: usize = 7;

fn library(offset: usize) -> String {
    let mut code = String::from("from wt_registry import register\n");
    for t in 0..5 {
        let body = if t == 2 {
            format!("x + {offset}")
        } else {
            "x + 1".to_string()
        };
        code.push_str(&format!(
            "\n\n@register(description=\"Step {t}.\")\ndef step_{t}(x: int) -> int:\n    return {body}\n"
        ));
    }
    code
}

fn workspace(ws: &Path) {
    let lib = ws.join("libs/five");
    std::fs::create_dir_all(lib.join("five")).unwrap();
    std::fs::create_dir_all(ws.join("workflows/chain")).unwrap();
    std::fs::write(ws.join("wt.toml"), "[workspace]\n").unwrap();
    std::fs::write(
        lib.join("pyproject.toml"),
        "[project]\nname = \"five\"\nversion = \"0.1.0\"\nrequires-python = \">=3.10\"\ndependencies = [\"wt-registry>=0.2.2,<1\"]\n\n[project.entry-points.\"wt_registry\"]\ntasks = \"five\"\n\n[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n",
    )
    .unwrap();
    std::fs::write(lib.join("five/__init__.py"), library(1)).unwrap();
    let mut spec = String::from(
        "id: chain\nrequirements:\n  - name: five\n    path: ../../libs/five\nworkflow:\n",
    );
    for t in 0..5 {
        spec.push_str(&format!("  - id: s{t}\n    task: step_{t}\n"));
        if t > 0 {
            spec.push_str(&format!(
                "    partial:\n      x: ${{{{ workflow.s{}.return }}}}\n",
                t - 1
            ));
        }
    }
    std::fs::write(ws.join("workflows/chain/spec.yaml"), spec).unwrap();
}

fn main() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let cache = dir.path().join("cache");
    workspace(&ws);
    // A run of the chain from x = 0: four steps add 1, step 2 adds `offset`.
    let run = |offset: usize| -> Duration {
        let args = [
            "--quiet",
            "run",
            "workflows/chain",
            "--config-json",
            r#"{"s0": {"x": 0}}"#,
        ];
        let (took, out) = tools::timed_wt(&root, &ws, &cache, &args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(stdout.trim(), (4 + offset).to_string(), "the new code ran");
        took
    };
    let first = run(1);
    let after_first = wt::cache::folder_bytes(&cache);
    let mut times = Vec::new();
    for edit in 0..EDITS {
        let offset = 10 + edit;
        std::fs::write(ws.join("libs/five/five/__init__.py"), library(offset)).unwrap();
        times.push(run(offset));
    }
    let grown = wt::cache::folder_bytes(&cache).saturating_sub(after_first);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut sorted = times.clone();
    sorted.sort();
    println!("edit a task of a path: library (five tasks), then wt run:");
    println!("  first run (cold cache)   {:>8.0} ms", ms(first));
    println!(
        "  after an edit            {:>8.0} ms median of {EDITS} (min {:.0}, max {:.0})",
        ms(tools::median(times)),
        ms(sorted[0]),
        ms(sorted[EDITS - 1])
    );
    println!(
        "  cache growth over {EDITS} edits {:>6.1} MiB",
        grown as f64 / (1024.0 * 1024.0)
    );
}
