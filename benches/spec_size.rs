//! `make bench` (spec size): `wt compile` time against the size of one spec, to show it grows
//! linearly: tasks × references (each task sums the results of the 50 before it), keys of one
//! `partial` mapping, and nesting depth (up to the limit of 64). Each figure is the median of
//! 3 compiles after a warm-up, with the workflow's id changed each time so that codegen and
//! package run (solve and discovery are cached); the release binary, real uv and Python.

#[path = "../tests/support/tools.rs"]
mod tools;

use std::fmt::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const HEAD: &str = "requirements:\n  - name: wt-example-tasks\n    path: LIB\nworkflow:\n";

/// `n` tasks, each summing the results of (up to) the 50 before it.
fn dense(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        if i == 0 {
            s.push_str("  - id: t0\n    task: fetch_readings\n");
            continue;
        }
        write!(
            s,
            "  - id: t{i}\n    task: sum_values\n    partial:\n      values:\n"
        )
        .unwrap();
        for j in i.saturating_sub(50).max(1)..i {
            writeln!(s, "        - ${{{{ workflow.t{j}.return }}}}").unwrap();
        }
        if i == 1 {
            s.push_str("        - 1\n");
        }
    }
    s
}

/// One task whose `partial` mapping has `n` keys.
fn keys(n: usize) -> String {
    let mut s =
        String::from("  - id: config\n    task: configure\n    partial:\n      thresholds:\n");
    for i in 0..n {
        writeln!(s, "        k{i}: {i}.5").unwrap();
    }
    s
}

/// One task whose `partial` value is a list nested `depth` levels (flow style).
fn nested(depth: usize) -> String {
    format!(
        "  - id: total\n    task: sum_values\n    partial:\n      values: {}1{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

/// (what is measured, its unit, the spec body of a size, the sizes).
type Series = (&'static str, &'static str, fn(usize) -> String, [usize; 3]);

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let wt = tools::release_wt(&root);
    let dir = tempfile::tempdir().unwrap();
    let lib = root.join("examples/wt-example-tasks");
    let cache = dir.path().join("cache");
    let compile = |body: &str, id: &str| -> Duration {
        let folder = dir.path().join("spec");
        std::fs::create_dir_all(&folder).unwrap();
        let text = format!(
            "id: {id}\n{}{body}",
            HEAD.replace("LIB", &lib.display().to_string())
        );
        std::fs::write(folder.join("spec.yaml"), text).unwrap();
        let start = Instant::now();
        let out = Command::new(&wt)
            .args(["--quiet", "compile"])
            .arg(folder.join("spec.yaml"))
            .arg("--out")
            .arg(dir.path().join("out"))
            .env("WT_CACHE_DIR", &cache)
            .env("PATH", tools::path_with_tools(&root))
            .output()
            .unwrap();
        let took = start.elapsed();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        took
    };
    let mut id = 0;
    let mut timed = |body: &str| -> Duration {
        tools::median(
            (0..3)
                .map(|_| {
                    id += 1;
                    compile(body, &format!("size_{id}"))
                })
                .collect(),
        )
    };
    timed(&dense(2));
    let series: [Series; 3] = [
        ("tasks x 50 references", "tasks", dense, [250, 500, 1000]),
        (
            "keys of one mapping",
            "keys",
            keys,
            [50_000, 100_000, 200_000],
        ),
        ("nesting depth", "levels", nested, [16, 32, 58]),
    ];
    for (what, unit, make, sizes) in series {
        println!("wt compile, {what} (median of 3):");
        for n in sizes {
            let t = timed(&make(n));
            println!(
                "  {n:>7} {unit:<7} {:>6.2} s  ({:.3} ms per {})",
                t.as_secs_f64(),
                t.as_secs_f64() * 1000.0 / n as f64,
                unit.trim_end_matches('s')
            );
        }
    }
}
