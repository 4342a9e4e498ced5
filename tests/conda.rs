//! Conda requirements end to end: a local `file://` channel built here with rattler's own
//! package writer and indexer, solved with rattler into `pixi.lock` beside uv's PyPI pins,
//! installed from the lock, reused offline, and the errors a spec author meets.

use crate::support::{conda_channel, fs, nginx, output, tools};

use conda_channel::{Pkg, publish};
use output::ok;
use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const GREET_1: &str = "def greeting(name):\n    return f\"Hello, {name}!\"\n";
const GREET_2: &str = "def greeting(name):\n    return f\"Hello again, {name}!\"\n";
const POLITE: &str = "from greet import greeting\n\n\ndef polite(name):\n    return greeting(name) + \" Pleased to meet you.\"\n";

/// A workspace with a local channel (`local` in wt.toml), a task library that imports the
/// channel's `greet` package, and its own cache.
struct Ws {
    _dir: tempfile::TempDir,
    root: PathBuf,
    cache: PathBuf,
}

impl Ws {
    fn new(platforms: &[&str]) -> Ws {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        std::fs::create_dir_all(root.join("channel")).unwrap();
        let list: Vec<String> = platforms.iter().map(|p| format!("\"{p}\"")).collect();
        std::fs::write(
            root.join("wt.toml"),
            format!(
                "[conda]\nplatforms = [{}]\n\n[conda.channels]\nlocal = \"channel\"\n",
                list.join(", ")
            ),
        )
        .unwrap();
        let lib = root.join("libs/greet-tasks");
        std::fs::create_dir_all(lib.join("greet_tasks")).unwrap();
        std::fs::write(
            lib.join("pyproject.toml"),
            "[project]\nname = \"greet-tasks\"\nversion = \"0.1.0\"\nrequires-python = \">=3.10\"\ndependencies = [\"wt-registry\"]\n\n[project.entry-points.\"wt_registry\"]\ntasks = \"greet_tasks\"\n\n[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n",
        )
        .unwrap();
        std::fs::write(
            lib.join("greet_tasks/__init__.py"),
            "from wt_registry import register\n\n\n@register()\ndef hello(name: str) -> str:\n    import greet\n\n    return greet.greeting(name)\n",
        )
        .unwrap();
        let cache = dir.path().join("cache");
        Ws {
            _dir: dir,
            root,
            cache,
        }
    }

    fn channel(&self) -> PathBuf {
        self.root.join("channel")
    }

    /// Writes `workflows/hello/spec.yaml` with these conda requirement lines.
    fn spec(&self, conda: &[&str]) -> PathBuf {
        let dir = self.root.join("workflows/hello");
        std::fs::create_dir_all(&dir).unwrap();
        let mut text = String::from("id: hello\nrequirements:\n");
        for line in conda {
            text.push_str(&format!("  - {line}\n"));
        }
        text.push_str("  - name: greet-tasks\n    path: ../../libs/greet-tasks\nworkflow:\n  - id: hi\n    task: hello\n");
        let path = dir.join("spec.yaml");
        std::fs::write(&path, text).unwrap();
        path
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wt"));
        cmd.args(args)
            .current_dir(&self.root)
            .env("PATH", tools::path_with_tools(&root()))
            .env("WT_CACHE_DIR", &self.cache)
            .env("UV_CACHE_DIR", root().join("target/uv-cache"))
            .env_remove("WT_REMOTE_CACHE")
            .env_remove("WT_OFFLINE");
        cmd
    }

    fn wt(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn lock(&self) -> String {
        std::fs::read_to_string(
            self.root
                .join("workflows/hello/wt-hello-workflow/pixi.lock"),
        )
        .unwrap()
    }

    /// stderr with the workspace's temporary location replaced by `[WS]`.
    fn stderr(&self, out: &Output) -> String {
        String::from_utf8_lossy(&out.stderr).replace(&self.root.display().to_string(), "[WS]")
    }
}

/// The conda package versions of `name` in a lock, per platform line order.
fn locked_versions(lock: &str, name: &str) -> Vec<String> {
    let prefix = format!("/noarch/{name}-");
    let mut v: Vec<String> = lock
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- conda: "))
        .filter_map(|url| url.split_once(&prefix).map(|(_, rest)| rest.to_string()))
        .map(|rest| rest.trim_end_matches("-py_0.conda").to_string())
        .collect();
    v.dedup();
    v
}

#[test]
fn the_test_channel_is_reproducible() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for dir in [a.path(), b.path()] {
        publish(
            dir,
            &[
                Pkg::new("greet", "1.0", &["python >=3.8"], GREET_1),
                Pkg::new("polite", "1.0", &["greet"], POLITE),
            ],
        );
    }
    let (fa, fb) = (fs::read_tree(a.path()), fs::read_tree(b.path()));
    let names: Vec<&str> = fa.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"noarch/repodata.json"), "{names:?}");
    assert!(names.contains(&"noarch/greet-1.0-py_0.conda"), "{names:?}");
    assert!(fa == fb, "two builds of the channel differ");
    let repodata = String::from_utf8(
        fa.iter()
            .find(|(n, _)| n == "noarch/repodata.json")
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    assert!(!repodata.contains("indexed_timestamp"), "{repodata}");
}

/// A conda package from the local channel plus a PyPI task library: both locked (with Python,
/// from the conda-forge mirror, which has linux-64 only; per-platform PyPI wheels are covered by
/// tests/pypi_lock.rs), installed from the lock, run; then the environment is rebuilt offline,
/// with the channel gone, from the caches alone.
#[test]
fn conda_and_pypi_requirements_lock_install_run_and_rebuild_offline() {
    let ws = Ws::new(&["linux-64"]);
    publish(
        &ws.channel(),
        &[Pkg::new("greet", "1.0", &["python >=3.8"], GREET_1)],
    );
    let spec = ws.spec(&["{name: greet, version: \">=1\", channel: local}"]);
    let spec = spec.to_str().unwrap();
    let out = ok(&ws.wt(&["run", spec, "--config-json", r#"{"hi": {"name": "wt"}}"#]));
    assert!(out.contains("Hello, wt!"), "{out}");

    let lock = ws.lock();
    assert_eq!(locked_versions(&lock, "greet"), ["1.0"], "{lock}");
    assert!(lock.contains("linux-64:"), "{lock}");
    assert!(lock.contains("/noarch/greet-1.0-py_0.conda"), "{lock}");
    assert!(lock.contains("/wt_task-"), "{lock}");
    // Python is a conda package of the lock, named as conda-forge's, and the wheels are for it.
    assert!(
        lock.contains("- conda: https://conda.anaconda.org/conda-forge/linux-64/python-3.11"),
        "{lock}"
    );
    assert!(lock.contains("cp311-manylinux"), "{lock}");
    // pixi.toml names the lock's platforms.
    let manifest =
        std::fs::read_to_string(ws.root.join("workflows/hello/wt-hello-workflow/pixi.toml"))
            .unwrap();
    assert!(
        manifest.contains("platforms = [\"linux-64\"]"),
        "{manifest}"
    );
    // The lock reads back (as pixi would read it) and renders to the same bytes.
    let parsed = rattler_lock::LockFile::from_str_with_base_directory(&lock, None).unwrap();
    assert_eq!(parsed.render_to_string().unwrap(), lock);

    // A second build touches nothing; offline, with the channel gone and the environments
    // deleted, the environment is rebuilt from the lock and the package caches.
    std::fs::rename(ws.channel(), ws.root.join("channel-away")).unwrap();
    std::fs::create_dir_all(ws.channel()).unwrap();
    std::fs::remove_dir_all(ws.cache.join("envs")).unwrap();
    let out = ok(&ws.wt(&[
        "--offline",
        "run",
        spec,
        "--config-json",
        r#"{"hi": {"name": "offline"}}"#,
    ]));
    assert!(out.contains("Hello, offline!"), "{out}");
    assert_eq!(ws.lock(), lock);

    // Offline, a solve that needs a channel nobody has cached is a clear error.
    std::fs::remove_dir_all(ws.channel()).unwrap();
    std::fs::rename(ws.root.join("channel-away"), ws.channel()).unwrap();
    ws.spec(&[
        "{name: greet, version: \">=1\", channel: local}",
        "{name: extra, version: \"*\", channel: \"https://127.0.0.1:9/nowhere\"}",
    ]);
    let out = ws.wt(&["--offline", "build", "//workflows/hello"]);
    assert!(!out.status.success());
    let err = ws.stderr(&out);
    assert!(
        err.contains("the channel of conda requirement `extra` cannot be read"),
        "{err}"
    );
    assert!(err.contains("wt is offline"), "{err}");
    assert!(err.contains("spec.yaml:4:"), "{err}");
    assert_eq!(ws.lock(), lock, "a failed solve must not touch the lock");
}

#[test]
fn conflicting_requirements_are_explained_with_their_lines() {
    let ws = Ws::new(&["linux-64"]);
    publish(
        &ws.channel(),
        &[
            Pkg::new("greet", "1.0", &["python >=3.8"], GREET_1),
            Pkg::new("greet", "2.0", &["python >=3.8"], GREET_2),
            Pkg::new("polite", "1.0", &["greet <2"], POLITE),
        ],
    );
    ws.spec(&[
        "{name: greet, version: \">=2\", channel: local}",
        "{name: polite, version: \"1.0\", channel: local}",
    ]);
    let out = ws.wt(&["--quiet", "build", "//workflows/hello"]);
    assert!(!out.status.success());
    insta::assert_snapshot!(ws.stderr(&out));
    assert!(!ws.root.join("workflows/hello/wt-hello-workflow").exists());
}

#[test]
fn unknown_packages_and_unreachable_channels_name_their_requirement() {
    let ws = Ws::new(&["linux-64"]);
    publish(
        &ws.channel(),
        &[Pkg::new("greet", "1.0", &["python >=3.8"], GREET_1)],
    );
    ws.spec(&["{name: greeet, version: \"*\", channel: local}"]);
    let out = ws.wt(&["--quiet", "build", "//workflows/hello"]);
    assert!(!out.status.success());
    insta::assert_snapshot!("unknown_package", ws.stderr(&out));

    ws.spec(&["{name: greet, version: \"*\", channel: \"file:///nonexistent/wt-channel\"}"]);
    let out = ws.wt(&["--quiet", "build", "//workflows/hello"]);
    assert!(!out.status.success());
    let err = ws.stderr(&out);
    assert!(err.contains("the channel of conda requirement `greet` cannot be read (file:///nonexistent/wt-channel/)"), "{err}");
    assert!(err.contains("spec.yaml:3:"), "{err}");

    ws.spec(&["{name: greet, version: \"*\", channel: \"https://127.0.0.1:9/nowhere\"}"]);
    let out = ws.wt(&["--quiet", "build", "//workflows/hello"]);
    assert!(!out.status.success());
    let err = ws.stderr(&out);
    assert!(err.contains("(https://127.0.0.1:9/nowhere/)"), "{err}");
    assert!(err.contains("spec.yaml:3:"), "{err}");
}

#[test]
fn unknown_channel_names_list_the_known_ones() {
    let ws = Ws::new(&["linux-64"]);
    ws.spec(&["{name: greet, version: \"*\", channel: locl}"]);
    let out = ws.wt(&["--quiet", "check", "//workflows/hello"]);
    assert!(!out.status.success());
    insta::assert_snapshot!(ws.stderr(&out));
}

#[test]
fn existing_pins_are_kept_until_update_lock() {
    let ws = Ws::new(&["linux-64"]);
    publish(
        &ws.channel(),
        &[
            Pkg::new("greet", "1.0", &["python >=3.8"], GREET_1),
            Pkg::new("polite", "1.0", &["greet"], POLITE),
        ],
    );
    ws.spec(&["{name: greet, version: \"*\", channel: local}"]);
    ok(&ws.wt(&["build", "//workflows/hello"]));
    assert_eq!(locked_versions(&ws.lock(), "greet"), ["1.0"]);

    // A newer greet appears; another requirement changes, so the solve runs again, but the
    // lock's greet still satisfies the spec and is kept.
    publish(
        &ws.channel(),
        &[Pkg::new("greet", "2.0", &["python >=3.8"], GREET_2)],
    );
    ws.spec(&[
        "{name: greet, version: \"*\", channel: local}",
        "{requirement: \"local::polite >=1\"}",
    ]);
    ok(&ws.wt(&["build", "//workflows/hello"]));
    assert_eq!(locked_versions(&ws.lock(), "greet"), ["1.0"]);
    assert_eq!(locked_versions(&ws.lock(), "polite"), ["1.0"]);

    // Nothing changed: every step is a cache hit.
    let out = ws.wt(&["build", "//workflows/hello"]);
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("0 step(s) ran") && !err.contains("solve //"),
        "{err}"
    );

    // --update-lock re-solves on purpose and moves to greet 2.0.
    ok(&ws.wt(&["--update-lock", "build", "//workflows/hello"]));
    assert_eq!(locked_versions(&ws.lock(), "greet"), ["2.0"]);
    let out = ok(&ws.wt(&[
        "run",
        "workflows/hello/spec.yaml",
        "--config-json",
        r#"{"hi": {"name": "you"}}"#,
    ]));
    assert!(out.contains("Hello again, you!"), "{out}");

    // The channel loses the locked file (as a rebuilt mirror does): a new environment cannot
    // be installed, and the error says which file and how to move the lock.
    for entry in std::fs::read_dir(ws.channel().join("noarch")).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("greet-2.0")
        {
            std::fs::remove_file(path).unwrap();
        }
    }
    std::fs::remove_dir_all(&ws.cache).unwrap();
    let out = ws.wt(&["build", "//workflows/hello"]);
    let err = ws.stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("help: the lock pins greet-2.0-")
            && err.contains("`wt --update-lock build <target>`"),
        "{err}"
    );
}

#[test]
fn invalid_conda_settings_in_wt_toml_are_reported() {
    let ws = Ws::new(&["linux64", "osx-arm64", "osx-arm64"]);
    let toml = std::fs::read_to_string(ws.root.join("wt.toml")).unwrap();
    std::fs::write(
        ws.root.join("wt.toml"),
        toml.replace(
            "local = \"channel\"",
            "local = \"no-such-folder\"\nweb = \"ftp://example.org/ch\"",
        ),
    )
    .unwrap();
    ws.spec(&["{name: greet, version: \"*\", channel: local}"]);
    let out = ws.wt(&["--quiet", "check", "//workflows/hello"]);
    assert!(!out.status.success());
    insta::assert_snapshot!(ws.stderr(&out));
}

/// A channel served over HTTP (nginx on 127.0.0.1): repodata and packages are fetched once and
/// cached; with the server gone, `--offline` re-solves from the cached repodata, rebuilds
/// environments from the package cache, and says clearly what it cannot fetch.
#[test]
fn an_http_channel_is_cached_for_offline_solves_and_installs() {
    let server = nginx::Nginx::start();
    let ws = Ws::new(&["linux-64"]);
    publish(
        &server.data().join("channel"),
        &[
            Pkg::new("greet", "1.0", &["python >=3.8"], GREET_1),
            Pkg::new("polite", "1.0", &["greet"], POLITE),
        ],
    );
    let channel = format!("{}/channel", server.url());
    let greet = format!("{{name: greet, version: \">=1\", channel: \"{channel}\"}}");
    let spec = ws.spec(&[&greet]);
    let spec = spec.to_str().unwrap();
    let config = r#"{"hi": {"name": "http"}}"#;
    let out = ok(&ws.wt(&["run", spec, "--config-json", config]));
    assert!(out.contains("Hello, http!"), "{out}");
    let lock = ws.lock();
    assert!(
        lock.contains(&format!("{channel}/noarch/greet-1.0-py_0.conda")),
        "{lock}"
    );
    drop(server);

    // The server is gone: the environment comes back from the caches alone.
    std::fs::remove_dir_all(ws.cache.join("envs")).unwrap();
    let out = ok(&ws.wt(&["--offline", "run", spec, "--config-json", config]));
    assert!(out.contains("Hello, http!"), "{out}");

    // A new requirement on the same channel solves offline from the cached repodata; its
    // package was never downloaded, which is the one clear error.
    let polite = format!("{{name: polite, version: \"*\", channel: \"{channel}\"}}");
    ws.spec(&[&greet, &polite]);
    let out = ws.wt(&["--offline", "--quiet", "build", "//workflows/hello"]);
    assert!(!out.status.success());
    let err = ws.stderr(&out);
    assert!(
        err.contains("could not fetch conda package `polite`") && err.contains("wt is offline"),
        "{err}"
    );
    assert_eq!(
        ws.lock(),
        lock,
        "a failed build must not touch the workspace"
    );

    // `wt cache gc` bounds all of it: steps, the environment, the extracted packages and the
    // cached repodata, once they were last used longer ago than gc's grace period, and never
    // what a running wt holds: here a `wt serve` of the workflow.
    let kept = ok(&ws.wt(&["cache", "gc", "--max-size", "0"]));
    assert!(kept.contains("used in the last 10 minutes"), "{kept}");
    assert!(
        ws.cache.join("conda/pkgs/greet-1.0-py_0").is_dir(),
        "{kept}"
    );
    ws.spec(&[&greet]);
    let mut serve = ws
        .command(&["--offline", "--quiet", "serve", "--bind", "127.0.0.1:0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_listening(&mut serve);
    age_files(&ws.cache, std::time::Duration::from_secs(2 * 3600));
    let out = ok(&ws.wt(&["cache", "gc", "--max-size", "0"]));
    assert!(out.contains("kept 1 in use by a running wt"), "{out}");
    assert!(
        out.contains("2 conda packages,") && out.contains("channel subdir"),
        "{out}"
    );
    assert_eq!(published_environments(&ws.cache).len(), 1, "{out}");
    assert!(!ws.cache.join("conda/pkgs/greet-1.0-py_0").exists());

    serve.kill().unwrap();
    serve.wait().unwrap();
    let out = ok(&ws.wt(&["cache", "gc", "--max-size", "0"]));
    assert!(out.contains("1 environment"), "{out}");
    assert!(
        out.contains("0 B of environments, conda caches, task results and memos"),
        "{out}"
    );
    let left: Vec<_> = std::fs::read_dir(ws.cache.join("envs"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // With the server gone, nothing is left to build from: offline says so.
    let out = ws.wt(&["--offline", "--quiet", "build", "//workflows/hello"]);
    assert!(!out.status.success());
    assert!(
        ws.stderr(&out).contains("wt is offline"),
        "{}",
        ws.stderr(&out)
    );
}

/// Sets the mtime of every file under `dir` to `ago` in the past.
fn age_files(dir: &std::path::Path, ago: std::time::Duration) {
    let then = std::time::SystemTime::now() - ago;
    for entry in walkdir::WalkDir::new(dir).into_iter().map(Result::unwrap) {
        if entry.file_type().is_file() {
            // Read-only: a running interpreter (a warm worker of `wt serve`) cannot be opened
            // for writing, and setting times needs no write access.
            let file = std::fs::File::open(entry.path()).unwrap();
            file.set_modified(then).unwrap();
        }
    }
}

/// Reads a `wt serve`'s log until it listens (its build is over), then drains the rest in the
/// background so the server never blocks on a full pipe.
fn wait_until_listening(serve: &mut std::process::Child) {
    use std::io::BufRead;
    let mut log = std::io::BufReader::new(serve.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        let read = log.read_line(&mut line).unwrap();
        assert!(read > 0, "wt serve ended before it listened:\n{seen}");
        seen.push_str(&line);
        if line.contains("listening on http://127.0.0.1:") {
            break;
        }
    }
    std::thread::spawn(move || std::io::copy(&mut log, &mut std::io::sink()));
}

/// The environments published under the cache (links in `envs/`).
fn published_environments(cache: &std::path::Path) -> Vec<PathBuf> {
    std::fs::read_dir(cache.join("envs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_symlink() && p.join(".complete").is_file())
        .collect()
}

/// A task library that depends on a package PyPI does not have: the error is uv's, located
/// on the library's requirement.
#[test]
fn an_unresolvable_pypi_dependency_names_its_requirement() {
    let ws = Ws::new(&["linux-64"]);
    let manifest = ws.root.join("libs/greet-tasks/pyproject.toml");
    let text = std::fs::read_to_string(&manifest).unwrap().replace(
        "dependencies = [\"wt-registry\"]",
        "dependencies = [\"wt-registry\", \"wt-no-such-package-for-tests\"]",
    );
    std::fs::write(&manifest, text).unwrap();
    ws.spec(&[]);
    let out = ws.wt(&["--quiet", "build", "//workflows/hello"]);
    assert!(!out.status.success());
    let err = ws.stderr(&out);
    assert!(
        err.contains("the PyPI requirement `greet-tasks` cannot be resolved for linux-64"),
        "{err}"
    );
    assert!(err.contains("wt-no-such-package-for-tests"), "{err}");
    assert!(err.contains("spec.yaml:3:11"), "{err}");
    assert!(!ws.root.join("workflows/hello/wt-hello-workflow").exists());
}
