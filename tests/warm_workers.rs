//! `wt serve`'s warm workers, for real: the `wt` binary serving a workspace of small workflows
//! (a task library written here), built with the real engine, uv and CPython. A run is a fork
//! of its workflow's warm worker: the tasks report their process ids, so the tests see whose
//! child each run was, and a module global shows that nothing one run changes reaches the next.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use crate::support::wt_serve;
use wt_serve::spawn_wt_serve_streaming;

const TASKS: &str = r#"import os
import threading
import time

from wt_registry import register

CALLS = {"n": 0}


@register(description="Counts its calls in a module global; says which process it ran in.")
def bump(tag: str) -> list[str]:
    CALLS["n"] += 1
    secret = os.environ.get("WARM_SECRET", "")
    return [str(CALLS["n"]), str(os.getpid()), str(os.getppid()), secret]


@register(description="Leaves the interpreter at once.")
def crash(code: int) -> int:
    os._exit(code)


@register(description="Leaves a thread behind that keeps changing the module global.")
def leak(tag: str) -> int:
    def spin() -> None:
        while True:
            CALLS["n"] += 1000
            time.sleep(0.01)

    threading.Thread(target=spin, daemon=True).start()
    time.sleep(0.05)
    return CALLS["n"]
"#;

/// A library whose import starts a thread: forking its importer is unsafe.
const THREADED: &str = r#"import os
import threading
import time

from wt_registry import register

threading.Thread(target=time.sleep, args=(3600,), daemon=True, name="poller").start()


@register(description="The parent process's id.")
def parent(tag: str) -> int:
    return os.getppid()
"#;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn library(root: &Path, name: &str, module: &str, source: &str) {
    write(
        &root.join(format!("libs/{name}/pyproject.toml")),
        &format!(
            "[project]\nname = \"{name}\"\nversion = \"0.0.1\"\nrequires-python = \">=3.10\"\ndependencies = [\"wt-registry\"]\n\n[project.entry-points.\"wt_registry\"]\ntasks = \"{module}\"\n\n[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n"
        ),
    );
    write(
        &root.join(format!("libs/{name}/{module}/__init__.py")),
        source,
    );
}

fn workflow(root: &Path, id: &str, library: &str, task: &str) {
    write(
        &root.join(format!("workflows/{id}/spec.yaml")),
        &format!(
            "id: {id}\nrequirements:\n  - name: {library}\n    path: ../../libs/{library}\nworkflow:\n  - id: step\n    task: {task}\n"
        ),
    );
}

struct Served {
    child: std::process::Child,
    base: String,
    logs: Receiver<String>,
    seen: Vec<String>,
    _dirs: [tempfile::TempDir; 2],
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    fn start(extra: &[&str]) -> Served {
        let ws = tempfile::tempdir().unwrap();
        let root: PathBuf = ws.path().canonicalize().unwrap();
        write(&root.join("wt.toml"), "[workspace]\n");
        library(&root, "warm-tasks", "warm_tasks", TASKS);
        library(&root, "threaded-tasks", "threaded_tasks", THREADED);
        for (id, task) in [("bump", "bump"), ("crash", "crash"), ("leak", "leak")] {
            workflow(&root, id, "warm-tasks", task);
        }
        workflow(&root, "threaded", "threaded-tasks", "parent");
        let results = tempfile::tempdir().unwrap();
        let (child, base, seen, logs) =
            spawn_wt_serve_streaming(&root, "//...", results.path(), extra);
        Served {
            child,
            base,
            logs,
            seen,
            _dirs: [ws, results],
        }
    }

    /// Waits for a log line holding every one of `parts`; returns it.
    fn wait_for_log(&mut self, parts: &[&str]) -> String {
        let has = |line: &str| parts.iter().all(|p| line.contains(p));
        if let Some(line) = self.seen.iter().find(|l| has(l)) {
            return line.clone();
        }
        let deadline = Instant::now() + Duration::from_secs(120);
        while let Ok(line) = self
            .logs
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            let found = has(&line);
            self.seen.push(line.clone());
            if found {
                return line;
            }
        }
        panic!("no log line with {parts:?}:\n{}", self.seen.join("\n"));
    }

    fn run(&self, id: &str, params: Value, secrets: Value) -> (u16, Value) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let body = json!({"params": {"step": params}, "data_connections_env_vars": secrets});
        let mut answer = agent
            .post(&format!(
                "{}/?matchspec=wt-{id}-workflow",
                self.base.trim_end_matches('/')
            ))
            .send(body.to_string())
            .unwrap();
        let status = answer.status().as_u16();
        let text = answer.body_mut().read_to_string().unwrap();
        (status, serde_json::from_str(&text).unwrap())
    }

    /// bump's answer: (calls, pid, parent pid, secret).
    fn bump(&self, secrets: Value) -> (u64, u32, u32, String) {
        let (status, body) = self.run("bump", json!({"tag": "x"}), secrets);
        assert_eq!(status, 200, "{body}");
        let parts: Vec<&str> = body["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        (
            parts[0].parse().unwrap(),
            parts[1].parse().unwrap(),
            parts[2].parse().unwrap(),
            parts[3].to_string(),
        )
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// The pid in a `warm worker ready … pid=N …` log line.
fn logged_pid(line: &str) -> u32 {
    let at = line.find(" pid=").expect("a pid") + " pid=".len();
    line[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn gone(pid: u32) -> bool {
    !Path::new(&format!("/proc/{pid}")).exists()
        || std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
            s.rsplit(')')
                .next()
                .is_some_and(|r| r.trim().starts_with('Z'))
        })
}

#[test]
fn runs_are_forks_of_a_warm_worker_and_share_nothing() {
    let mut served = Served::start(&[]);
    let ready = served.wait_for_log(&["warm worker ready", "wt-bump-workflow"]);
    let worker = logged_pid(&ready);

    // Each run is a new child of the same worker, and starts from the worker's state.
    let (calls, first, parent, secret) = served.bump(json!({"WARM_SECRET": "for-one-run"}));
    // The secret reached the run (the answer masks it).
    assert_eq!((calls, parent, secret.as_str()), (1, worker, "***"));
    let (calls, second, parent, secret) = served.bump(json!({}));
    assert_eq!(
        (calls, parent, secret.as_str()),
        (1, worker, ""),
        "a run's global or secret reached the next run"
    );
    assert_ne!(first, second);

    // A thread left running and a changed global, then a run that leaves with os._exit.
    let (status, body) = served.run("leak", json!({"tag": "x"}), json!({}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(served.bump(json!({})).0, 1);
    let (status, body) = served.run("crash", json!({"code": 7}), json!({}));
    assert_eq!(status, 500, "{body}");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("exited with code 7")),
        "{body}"
    );
    let (calls, _, parent, _) = served.bump(json!({}));
    assert_eq!(
        (calls, parent),
        (1, worker),
        "the worker outlives a crashed run"
    );

    // A worker that dies is started again; its runs never fail for it.
    // SAFETY: kill has no memory-safety preconditions.
    unsafe {
        libc::kill(worker as i32, libc::SIGKILL);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while !gone(worker) {
        assert!(Instant::now() < deadline, "the worker did not die");
        std::thread::sleep(Duration::from_millis(20));
    }
    let (calls, _, parent, _) = served.bump(json!({}));
    assert_eq!(calls, 1);
    assert_ne!(parent, worker);
    served.wait_for_log(&["warm worker exited", "starting it again"]);

    // A library whose import starts a thread is not forked: its runs start cold, and the log
    // says why.
    served.wait_for_log(&["wt-threaded-workflow", "started threads", "poller"]);
    let (status, body) = served.run("threaded", json!({"tag": "x"}), json!({}));
    assert_eq!(
        (status, &body["result"]),
        (200, &json!(served.pid())),
        "{body}"
    );
}

#[test]
fn without_warm_workers_every_run_is_a_new_interpreter() {
    let served = Served::start(&["--no-warm-workers"]);
    let (calls, _, parent, _) = served.bump(json!({}));
    assert_eq!((calls, parent), (1, served.pid()));
    assert!(
        !served.seen.iter().any(|l| l.contains("warm worker")),
        "{:?}",
        served.seen
    );
}
