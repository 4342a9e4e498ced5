//! `wt build` / `wt check` as a user runs them: the real binary on a copy of the example
//! workspace, real uv and Python, real nginx for the shared remote cache.

use crate::support::{fs, nginx};

use fs::{copy_dir, read_tree};
use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the example workspace (task library + two workflows) with its own cache.
struct Workspace {
    _dir: tempfile::TempDir,
    path: PathBuf,
    cache: PathBuf,
}

impl Workspace {
    fn new() -> Workspace {
        Workspace::at("ws")
    }

    fn at(sub: &str) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(sub);
        copy_dir(&root().join("examples"), &path.join("examples"));
        for w in ["add_then_double", "fan_out"] {
            copy_dir(
                &root().join("workflows").join(w),
                &path.join("workflows").join(w),
            );
        }
        std::fs::write(path.join("wt.toml"), "[workspace]\n").unwrap();
        let cache = dir.path().join("cache");
        Workspace {
            _dir: dir,
            path,
            cache,
        }
    }

    fn wt(&self, args: &[&str]) -> Output {
        self.wt_with(args, &[])
    }

    fn wt_with(&self, args: &[&str], extra: &[&str]) -> Output {
        let mut paths = vec![root().join(".tools/bin")];
        paths.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        Command::new(env!("CARGO_BIN_EXE_wt"))
            .args(args)
            .args(extra)
            .current_dir(&self.path)
            .env("PATH", std::env::join_paths(paths).unwrap())
            .env("WT_CACHE_DIR", &self.cache)
            .env("UV_CACHE_DIR", root().join("target/uv-cache"))
            .env_remove("WT_REMOTE_CACHE")
            .output()
            .unwrap()
    }

    /// Runs `wt build --explain` and returns its explain table (stdout), asserting success.
    fn build(&self, targets: &[&str]) -> String {
        let mut args = vec!["build", "--explain"];
        args.extend(targets);
        let out = self.wt(&args);
        assert!(
            out.status.success(),
            "build failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn edit(&self, rel: &str, from: &str, to: &str) {
        let p = self.path.join(rel);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{rel} has no `{from}`");
        std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    }
}

/// The explain line of one target's step, e.g. "ran: cosmetic changed".
fn step(explain: &str, label: &str, step: &str) -> String {
    let mut in_target = false;
    for line in explain.lines() {
        if !line.starts_with(' ') {
            in_target = line == label;
        } else if in_target && line.trim_start().starts_with(&format!("{step} ")) {
            return line.trim_start()[step.len()..].trim().to_string();
        }
    }
    panic!("no {step} line for {label} in:\n{explain}")
}

const ADD: &str = "//workflows/add_then_double";
const FAN: &str = "//workflows/fan_out";

#[test]
fn edits_rerun_exactly_the_steps_they_affect() {
    let ws = Workspace::new();
    let cold = ws.build(&["//workflows/..."]);
    assert!(step(&cold, ADD, "codegen").starts_with("ran"), "{cold}");

    // No-op: everything from the cache, nothing written.
    let noop = ws.build(&["//workflows/..."]);
    assert!(!noop.contains("ran") && !noop.contains("shared"), "{noop}");

    // Cosmetic edit: codegen (and package) of that workflow only; the new title is in the output.
    ws.edit(
        "workflows/add_then_double/spec.yaml",
        "Add Two Numbers",
        "Add Both Numbers",
    );
    let cosmetic = ws.build(&["//workflows/..."]);
    assert_eq!(step(&cosmetic, ADD, "solve"), "hit (local)");
    assert_eq!(step(&cosmetic, ADD, "discover"), "hit (local)");
    assert_eq!(step(&cosmetic, ADD, "codegen"), "ran: cosmetic changed");
    assert_eq!(step(&cosmetic, FAN, "codegen"), "hit (local)");
    let params = std::fs::read_to_string(ws.path.join("workflows/add_then_double/wt-add-then-double-workflow/wt_add_then_double_workflow/params.json")).unwrap();
    assert!(params.contains("Add Both Numbers"));

    // Task library source edit: discovery (and what follows) of its dependents, not solve.
    ws.edit(
        "examples/wt-example-tasks/src/wt_example_tasks/tasks/__init__.py",
        "\"\"\"Registered functions",
        "\"\"\"The registered functions",
    );
    let source = ws.build(&["//workflows/..."]);
    for label in [ADD, FAN] {
        assert_eq!(step(&source, label, "solve"), "hit (local)", "{source}");
        let discover = step(&source, label, "discover");
        assert!(
            discover.contains("path-sources changed") || discover.starts_with("shared"),
            "{source}"
        );
    }
    // Both workflows have the same discovery key: it ran once.
    assert_eq!(
        source.matches("ran: path-sources changed").count(),
        1,
        "{source}"
    );

    // Requirement edit: solve re-runs for that workflow.
    ws.edit(
        "workflows/fan_out/spec.yaml",
        "path: ../../examples/wt-example-tasks",
        "path: ../../examples/wt-example-tasks\n    extras: []\n    editable: false",
    );
    let requirement = ws.build(&["//workflows/fan_out"]);
    assert_eq!(
        step(&requirement, FAN, "solve"),
        "ran: requirements changed",
        "{requirement}"
    );
}

#[test]
fn check_reports_stale_outputs_and_never_writes() {
    let ws = Workspace::new();
    ws.build(&["//..."]);
    let ok = ws.wt(&["check", "//..."]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );

    ws.edit(
        "workflows/fan_out/spec.yaml",
        "name: Pairs",
        "name: Pairs of numbers",
    );
    let readme = ws
        .path
        .join("workflows/fan_out/wt-fan-out-workflow/README.md");
    let before = std::fs::read(&readme).unwrap();
    let out = ws.wt(&["check", "//..."]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("//workflows/fan_out is out of date"),
        "{stdout}"
    );
    assert!(stdout.contains("stale    README.md"), "{stdout}");
    assert!(
        stdout.contains("stale    wt_fan_out_workflow/params.json"),
        "{stdout}"
    );
    assert!(!stdout.contains("add_then_double"), "{stdout}");
    assert_eq!(
        std::fs::read(&readme).unwrap(),
        before,
        "check must not write"
    );

    std::fs::remove_file(
        ws.path
            .join("workflows/add_then_double/wt-add-then-double-workflow/Dockerfile"),
    )
    .unwrap();
    let out = ws.wt(&["check", "//workflows/add_then_double"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("missing  Dockerfile"));
}

#[test]
fn unknown_targets_get_suggestions() {
    let ws = Workspace::new();
    let out = ws.wt(&["build", "//workflows/fan_ot"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no workflow matches `//workflows/fan_ot`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Did you mean `//workflows/fan_out`?"),
        "{stderr}"
    );
}

/// A build does not parse a spec whose text it has seen (the id and requirements are
/// remembered by the text itself), so an edit is seen however fast and small it is: here one
/// of the same size, right after a build, changing the id, the requirements and a title.
#[test]
fn an_edit_of_equal_size_right_after_a_build_is_seen() {
    let ws = Workspace::new();
    ws.build(&[ADD]);
    let spec = "workflows/add_then_double/spec.yaml";
    ws.edit(spec, "Add Two Numbers", "Add Two Numberz");
    let cosmetic = ws.build(&[ADD]);
    assert_eq!(step(&cosmetic, ADD, "codegen"), "ran: cosmetic changed");
    ws.edit(spec, "id: add_then_double", "id: add_then_triple");
    ws.build(&[ADD]);
    assert!(
        ws.path
            .join("workflows/add_then_double/wt-add-then-triple-workflow/pixi.toml")
            .is_file()
    );
    ws.edit(spec, "path: ../../examples", "path: ../../examplez");
    let out = ws.wt(&["build", ADD]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("not a Python project"), "{stderr}");
}

/// A build trusts its hits without reading their outputs (a no-op build reads none); outputs
/// are checked when they are read, and a step whose outputs turn out corrupt is rebuilt, with
/// every other step of its target whose outputs are corrupt too.
#[test]
fn a_corrupt_cache_entry_is_rebuilt_and_reported() {
    let ws = Workspace::new();
    ws.build(&[ADD]);
    // A second build, out of the racy window of the first one's writes (see `wt::stamp`),
    // stamps the workspace so that the next build trusts it without reading it.
    std::thread::sleep(std::time::Duration::from_millis(120));
    ws.build(&[ADD]);
    // Garble every blob of the cache.
    let mut garbled = 0;
    for e in walkdir::WalkDir::new(ws.cache.join("v1/cas"))
        .into_iter()
        .filter_map(Result::ok)
    {
        if e.file_type().is_file() {
            std::fs::write(e.path(), b"garbage").unwrap();
            garbled += 1;
        }
    }
    assert!(garbled > 0);
    // The workspace is written: nothing needs the cached outputs.
    let out = ws.wt(&["build", ADD]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("0 step(s) ran"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Once it is gone, writing it reads them: every step is found corrupt and runs again.
    std::fs::remove_dir_all(
        ws.path
            .join("workflows/add_then_double/wt-add-then-double-workflow"),
    )
    .unwrap();
    let out = ws.wt(&["build", "--explain", ADD]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("corrupt"), "{stderr}");
    assert!(stderr.contains("4 step(s) ran"), "{stderr}");
    let verify = ws.wt(&["cache", "verify"]);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    assert!(ws.wt(&["check", ADD]).status.success());
}

/// Same inputs in two different folders with two different caches: identical keys and
/// byte-identical workspaces.
#[test]
fn builds_are_hermetic_across_folders_and_caches() {
    let a = Workspace::at("first/checkout");
    let b = Workspace::at("second/deeper/checkout");
    a.build(&["//..."]);
    b.build(&["//..."]);
    for w in [
        "add_then_double/wt-add-then-double-workflow",
        "fan_out/wt-fan-out-workflow",
    ] {
        assert_eq!(
            read_tree(&a.path.join("workflows").join(w)),
            read_tree(&b.path.join("workflows").join(w)),
            "{w}"
        );
    }
    let keys = |ws: &Workspace| -> Vec<String> {
        let mut k: Vec<String> = walkdir::WalkDir::new(ws.cache.join("v1/ac"))
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        k.sort();
        k
    };
    assert!(!keys(&a).is_empty());
    assert_eq!(keys(&a), keys(&b));
    // Each cache built its own environment; both hold the bytecode of every installed source,
    // one file shared through the store beside the downloads (src/env/bytecode.rs).
    let runtime_pyc = |ws: &Workspace| -> u64 {
        let envs: Vec<PathBuf> = std::fs::read_dir(ws.cache.join("envs"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.is_symlink()
                    && !p
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .starts_with("python-")
            })
            .collect();
        assert_eq!(envs.len(), 1, "{envs:?}");
        let site = envs[0].join("lib/python3.11/site-packages");
        for source in walkdir::WalkDir::new(&site)
            .into_iter()
            .filter_map(Result::ok)
        {
            let path = source.path();
            if path.extension().is_some_and(|e| e == "py") {
                let stem = path.file_stem().unwrap().to_string_lossy();
                let pyc = path
                    .parent()
                    .unwrap()
                    .join(format!("__pycache__/{stem}.cpython-311.pyc"));
                assert!(pyc.is_file(), "no bytecode for {}", path.display());
            }
        }
        let pyc = site.join("wt_task/__pycache__/__init__.cpython-311.pyc");
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(pyc).unwrap())
    };
    assert_eq!(runtime_pyc(&a), runtime_pyc(&b));
}

/// Two checkouts sharing one remote cache (nginx WebDAV on 127.0.0.1): the second builds
/// with zero step executions.
#[test]
fn a_second_checkout_builds_from_the_remote_cache() {
    let server = nginx::Nginx::start();
    let url = server.url();
    let a = Workspace::at("laptop");
    let out = a.wt_with(&["build", "//..."], &["--remote-cache", &url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let b = Workspace::at("ci-runner");
    let out = b.wt_with(
        &["build", "--explain", "//..."],
        &["--remote-cache", &url, "--remote-cache-read-only"],
    );
    let explain = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!explain.contains("ran"), "{explain}");
    assert!(explain.contains("hit (remote)"), "{explain}");
    for w in [
        "add_then_double/wt-add-then-double-workflow",
        "fan_out/wt-fan-out-workflow",
    ] {
        assert_eq!(
            read_tree(&a.path.join("workflows").join(w)),
            read_tree(&b.path.join("workflows").join(w))
        );
    }
    // The workflow built from remote outputs runs (its environment is made from the lock).
    let run = b.wt_with(
        &[
            "run",
            "workflows/add_then_double",
            "--config-json",
            r#"{"total": {"a": 3, "b": 3}}"#,
            "--results",
            "res",
        ],
        &["--remote-cache", &url],
    );
    assert_eq!(
        String::from_utf8_lossy(&run.stdout).trim(),
        "12",
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// A build killed part-way leaves a cache that verifies clean and a next build that succeeds.
#[test]
fn a_killed_build_leaves_the_cache_consistent() {
    let ws = Workspace::new();
    for delay_ms in [300, 1500] {
        let mut paths = vec![root().join(".tools/bin")];
        paths.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let mut child = Command::new(env!("CARGO_BIN_EXE_wt"))
            .args(["build", "//..."])
            .current_dir(&ws.path)
            .env("PATH", std::env::join_paths(paths).unwrap())
            .env("WT_CACHE_DIR", &ws.cache)
            .env("UV_CACHE_DIR", root().join("target/uv-cache"))
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let verify = ws.wt(&["cache", "verify"]);
        assert!(
            verify.status.success(),
            "{}",
            String::from_utf8_lossy(&verify.stdout)
        );
    }
    ws.build(&["//..."]);
    assert!(ws.wt(&["check", "//..."]).status.success());
}
/// `build.out-dir` in wt.toml moves every workspace under one folder, mirroring the labels;
/// `wt cache stats` and `wt cache gc` report and shrink the cache.
#[test]
fn out_dir_setting_and_cache_maintenance() {
    let ws = Workspace::new();
    std::fs::write(ws.path.join("wt.toml"), "[build]\nout-dir = \"build\"\n").unwrap();
    ws.build(&["//workflows/add_then_double"]);
    assert!(
        ws.path
            .join("build/workflows/add_then_double/wt-add-then-double-workflow/pixi.toml")
            .is_file()
    );
    assert!(
        !ws.path
            .join("workflows/add_then_double/wt-add-then-double-workflow")
            .exists()
    );

    let stats = String::from_utf8_lossy(&ws.wt(&["cache", "stats"]).stdout).into_owned();
    let entries = |s: &str| -> usize {
        s.lines()
            .find_map(|l| l.strip_prefix("entries: "))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    assert_eq!(entries(&stats), 4, "{stats}");
    // The spec's memos (its head, its validation), made to look an hour old: past gc's grace.
    let memos: Vec<PathBuf> = std::fs::read_dir(ws.cache.join("memo"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(memos.len(), 2, "{memos:?}");
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for memo in &memos {
        let file = std::fs::File::options().write(true).open(memo).unwrap();
        file.set_modified(hour_ago).unwrap();
    }
    let gc = ws.wt(&["cache", "gc", "--max-size", "0"]);
    let report = String::from_utf8_lossy(&gc.stdout);
    assert!(
        gc.status.success(),
        "{}",
        String::from_utf8_lossy(&gc.stderr)
    );
    assert!(report.contains("2 spec memos"), "{report}");
    assert!(memos.iter().all(|m| !m.exists()), "{report}");
    let after = String::from_utf8_lossy(&ws.wt(&["cache", "stats"]).stdout).into_owned();
    assert_eq!(entries(&after), 0, "{after}");
    // Everything evicted: the next build runs the steps again (from uv's warm cache) and succeeds.
    let rebuilt = ws.build(&["//workflows/add_then_double"]);
    assert!(rebuilt.contains("ran"), "{rebuilt}");
}

/// wt.toml's `[cache] max-size`: a build collects garbage on its own, at most once an hour,
/// never what it just used; a size that is not one is an error naming wt.toml.
#[test]
fn builds_keep_the_cache_under_the_configured_max_size() {
    let ws = Workspace::new();
    let unsized_gc = ws.wt(&["cache", "gc"]);
    assert!(!unsized_gc.status.success());
    assert!(
        String::from_utf8_lossy(&unsized_gc.stderr).contains("Give --max-size SIZE"),
        "{}",
        String::from_utf8_lossy(&unsized_gc.stderr)
    );
    std::fs::write(ws.path.join("wt.toml"), "[cache]\nmax-size = \"1\"\n").unwrap();
    let entries = |ws: &Workspace| -> usize {
        let stats = String::from_utf8_lossy(&ws.wt(&["cache", "stats"]).stdout).into_owned();
        stats
            .lines()
            .find_map(|l| l.strip_prefix("entries: "))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let out = ws.wt(&["build", "//workflows/add_then_double"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("cache gc ([cache] max-size = 1 B): removed 4 entries"),
        "{err}"
    );
    // The environments the build used (the workflow's, and the locked Python uv resolved on),
    // the conda package of that Python and the spec's two memos (its head, its validation)
    // stay: they were used within gc's grace period.
    assert!(err.contains("5 used in the last 10 minutes"), "{err}");
    assert_eq!(entries(&ws), 0);

    // Within the hour, the next build does not collect again.
    let out = ws.wt(&["build", "//workflows/add_then_double"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && !err.contains("cache gc"), "{err}");
    assert_eq!(entries(&ws), 4);
    // `wt cache gc` without --max-size uses wt.toml's.
    assert!(ws.wt(&["cache", "gc"]).status.success());
    assert_eq!(entries(&ws), 0);

    std::fs::write(ws.path.join("wt.toml"), "[cache]\nmax-size = \"lots\"\n").unwrap();
    let out = ws.wt(&["build", "//workflows/add_then_double"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("wt.toml: [cache] max-size: `lots` is not a size"),
        "{err}"
    );
}

/// A lint finding is a warning by default: the build goes on and prints it, a cached build
/// prints it again, `--deny-warnings` fails on it, and wt.toml's `[lints]` sets its level.
#[test]
fn lint_warnings_print_on_every_build_and_levels_come_from_wt_toml() {
    const ATD: &str = "//workflows/add_then_double";
    let ws = Workspace::new();
    ws.edit(
        "workflows/add_then_double/spec.yaml",
        "    task: add\n",
        "    task: add\n    skipif:\n      conditions: [any_negative]\n",
    );
    let stderr = |out: &Output| String::from_utf8_lossy(&out.stderr).into_owned();
    for round in ["first", "cached"] {
        let out = ws.wt(&["build", ATD]);
        let err = stderr(&out);
        assert!(out.status.success(), "{round} build: {err}");
        assert!(
            err.contains("warning: `total` (add) may be skipped")
                && err.contains("--> workflows/add_then_double/spec.yaml:")
                && err.contains("`skip-flow` is a warning by default"),
            "{round} build: {err}"
        );
    }

    let out = ws.wt(&["check", "--deny-warnings", ATD]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("denied by --deny-warnings"),
        "{}",
        stderr(&out)
    );

    std::fs::write(
        ws.path.join("wt.toml"),
        "[workspace]\n[lints]\nskip-flow = \"deny\"\n",
    )
    .unwrap();
    let out = ws.wt(&["build", ATD]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: `total` (add) may be skipped")
            && err.contains("`skip-flow` is denied by wt.toml's `[lints]`"),
        "{err}"
    );

    std::fs::write(
        ws.path.join("wt.toml"),
        "[workspace]\n[lints]\nskip-flow = \"alow\"\n",
    )
    .unwrap();
    let out = ws.wt(&["build", ATD]);
    let err = stderr(&out);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("wt.toml") && err.contains("alow") && err.contains("deny"),
        "{err}"
    );
}

/// A hand edit of a written file is repaired by the next build even when it keeps the file's
/// size, happens right after the write (within one tick of the filesystem's clock), or puts
/// back the old mtime (`cp -p`); a file added to the workspace is removed.
#[test]
fn hand_edits_of_written_files_are_repaired_even_when_size_and_mtime_match() {
    const ATD: &str = "//workflows/add_then_double";
    let ws = Workspace::new();
    ws.build(&[ATD]);
    let out = ws
        .path
        .join("workflows/add_then_double/wt-add-then-double-workflow");
    let readme = out.join("README.md");
    let original = std::fs::read(&readme).unwrap();
    let flipped = |bytes: &[u8]| {
        let mut b = bytes.to_vec();
        b[0] ^= 0x20;
        b
    };
    let repaired = |what: &str| {
        ws.build(&[ATD]);
        assert_eq!(std::fs::read(&readme).unwrap(), original, "{what}");
    };

    // Same size, right after the build wrote and stamped it.
    std::fs::write(&readme, flipped(&original)).unwrap();
    repaired("an equal-size edit right after the write");

    // Same size and the old mtime put back, through a replacing file.
    let mtime = std::fs::metadata(&readme).unwrap().modified().unwrap();
    let other = out.join("README.other");
    std::fs::write(&other, flipped(&original)).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&other)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    std::fs::rename(&other, &readme).unwrap();
    repaired("a replacement of equal size and mtime");

    // Touched but unchanged: compared, found equal, stamped again.
    std::fs::File::options()
        .write(true)
        .open(&readme)
        .unwrap()
        .set_modified(std::time::SystemTime::now())
        .unwrap();
    repaired("a touch");

    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    ws.build(&[ATD]);
    assert!(!out.join("notes.txt").exists());
}
