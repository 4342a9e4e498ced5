//! `make bench`: build-speed figures of `wt build` on a generated workspace of 100 workflows
//! over 10 task libraries (5–40 tasks per workflow). Reports the median of several runs of:
//! a cold build (empty cache), a no-op rebuild, a cosmetic edit of one workflow, and a source
//! edit of one task library. Uses the release binary and real uv/Python, like a user.

#[path = "../tests/support/tools.rs"]
mod tools;

use std::path::{Path, PathBuf};
use std::time::Duration;

const WORKFLOWS: usize = 100;
const LIBRARIES: usize = 10;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    // WT_BENCH_DIR keeps the generated workspace and cache for profiling.
    let base = std::env::var_os("WT_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.path().to_path_buf());
    let ws = base.join("ws");
    generate(&ws);
    let cache = base.join("cache");
    let run = || -> (Duration, String) {
        let (took, out) = tools::timed_wt(&root, &ws, &cache, &["build", "//...", "--explain"]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let summary = stderr.lines().last().unwrap_or("").to_string();
        (took, summary)
    };

    let (cold, summary) = run();
    report("cold build (100 workflows, empty cache)", &[cold], &summary);

    let noop: Vec<(Duration, String)> = (0..15).map(|_| run()).collect();
    report(
        "no-op rebuild",
        &noop.iter().map(|r| r.0).collect::<Vec<_>>(),
        &noop.last().unwrap().1,
    );

    let mut cosmetic = Vec::new();
    let mut last = String::new();
    for i in 0..15 {
        edit(
            &ws.join("workflows/wf_000/spec.yaml"),
            "name: Step 0",
            &format!("name: Step 0 v{i}"),
            i,
        );
        let (t, s) = run();
        cosmetic.push(t);
        last = s;
    }
    report("cosmetic edit of one workflow", &cosmetic, &last);

    let mut source = Vec::new();
    for i in 0..3 {
        let lib = ws.join("libs/lib_0/lib_0/__init__.py");
        let mut text = std::fs::read_to_string(&lib).unwrap();
        text.push_str(&format!("\n# edit {i}\n"));
        std::fs::write(&lib, text).unwrap();
        let (t, s) = run();
        source.push(t);
        last = s;
    }
    report(
        "source edit of one task library (10 dependent workflows)",
        &source,
        &last,
    );
}

/// Replaces `from` (or the previous edit) in a spec.
fn edit(spec: &Path, from: &str, to: &str, i: usize) {
    let text = std::fs::read_to_string(spec).unwrap();
    let prev = if i == 0 {
        from.to_string()
    } else {
        format!("{from} v{}", i - 1)
    };
    std::fs::write(spec, text.replacen(&prev, to, 1)).unwrap();
}

fn report(what: &str, times: &[Duration], summary: &str) {
    let mut ms: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = ms[ms.len() / 2];
    println!(
        "{what}: median {median:.1} ms over {} run(s) (min {:.1}, max {:.1}) — {summary}",
        ms.len(),
        ms[0],
        ms[ms.len() - 1]
    );
}

/// Writes the workspace: 10 libraries of chainable int functions, 100 chain workflows.
fn generate(ws: &Path) {
    std::fs::create_dir_all(ws).unwrap();
    std::fs::write(ws.join("wt.toml"), "[workspace]\n").unwrap();
    for l in 0..LIBRARIES {
        let lib = ws.join(format!("libs/lib_{l}"));
        std::fs::create_dir_all(lib.join(format!("lib_{l}"))).unwrap();
        std::fs::write(
            lib.join("pyproject.toml"),
            format!(
                "[project]\nname = \"lib-{l}\"\nversion = \"0.1.0\"\nrequires-python = \">=3.10\"\ndependencies = [\"wt-registry>=0.2.2,<1\"]\n\n[project.entry-points.\"wt_registry\"]\ntasks = \"lib_{l}\"\n\n[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n"
            ),
        )
        .unwrap();
        let mut code = String::from("from wt_registry import register\n");
        for f in 0..40 {
            code.push_str(&format!(
                "\n\n@register(description=\"Step {f} of library {l}.\")\ndef l{l}_t{f}(x: int, y: int = {f}) -> int:\n    return x + y\n"
            ));
        }
        std::fs::write(lib.join(format!("lib_{l}/__init__.py")), code).unwrap();
    }
    for w in 0..WORKFLOWS {
        let l = w % LIBRARIES;
        let tasks = 5 + (w * 7) % 36;
        let mut spec = format!(
            "id: wf_{w:03}\nrequirements:\n  - name: lib-{l}\n    path: ../../libs/lib_{l}\nworkflow:\n"
        );
        for t in 0..tasks {
            spec.push_str(&format!(
                "  - id: s{t}\n    name: Step {t}\n    task: l{l}_t{t}\n"
            ));
            if t > 0 {
                spec.push_str(&format!(
                    "    partial:\n      x: ${{{{ workflow.s{}.return }}}}\n",
                    t - 1
                ));
            }
        }
        let dir = ws.join(format!("workflows/wf_{w:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("spec.yaml"), spec).unwrap();
    }
}
