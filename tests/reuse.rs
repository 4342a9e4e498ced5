//! Runs are builds: `wt run --reuse` on real task libraries whose tasks record every execution
//! in a log file, in the three execution modes. What a second run executes, what a changed
//! parameter, element or library re-runs, how a failed run resumes, and that the results stay
//! right with a corrupt store or two runs sharing one; then a store on an S3-compatible server
//! (moto) on 127.0.0.1.

use crate::support::{runs, test_python};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use runs::{write_library, wt};

const TASKS: &str = r#"import os

from wt_registry import register


def _ran(name: str) -> None:
    with open(os.environ["REUSE_LOG"], "a") as log:
        log.write(name + "\n")


@register(tags=["io"])
def fetch(n: int) -> list[int]:
    _ran("fetch")
    return list(range(n))


@register()
def square(x: int) -> int:
    _ran("square")
    return x * x


@register()
def add_up(values: list[int], bonus: int = 0) -> int:
    _ran("total")
    if os.environ.get("REUSE_FAIL") == "total":
        raise RuntimeError("total failed on purpose")
    return sum(values) + bonus
"#;

const OTHER_TASKS: &str = r#"import os

from wt_registry import register


@register()
def label(value: int) -> str:
    with open(os.environ["REUSE_LOG"], "a") as log:
        log.write("label\n")
    return f"total={value}"


@register()
def blob(mib: int) -> str:
    return "x" * (mib * 2**20)


@register()
def length(text: str) -> int:
    return len(text)
"#;

/// 8 MiB between two tasks: twice Lithops' default `data_limit` (4 MiB) per job.
const BIG_SPEC: &str = "id: big_flow
requirements:
  - name: other-tasks
    path: ../other-tasks
workflow:
  - id: text
    task: blob
  - id: measured
    task: length
    partial:
      text: ${{ workflow.text.return }}
";

const SPEC: &str = "id: reuse_flow
requirements:
  - name: reuse-tasks
    path: ../reuse-tasks
  - name: other-tasks
    path: ../other-tasks
workflow:
  - id: numbers
    task: fetch
  - id: squares
    task: square
    map:
      argnames: x
      argvalues: ${{ workflow.numbers.return }}
  - id: total
    task: add_up
    partial:
      values: ${{ workflow.squares.return }}
  - id: labelled
    task: label
    partial:
      value: ${{ workflow.total.return }}
";

/// A workspace with the two libraries and the spec, a results store and a log.
struct Flow {
    dir: tempfile::TempDir,
}

impl Flow {
    fn new() -> Flow {
        let dir = tempfile::tempdir().unwrap();
        write_library(dir.path(), "reuse-tasks", TASKS);
        write_library(dir.path(), "other-tasks", OTHER_TASKS);
        std::fs::create_dir_all(dir.path().join("flow")).unwrap();
        std::fs::write(dir.path().join("flow/spec.yaml"), SPEC).unwrap();
        std::fs::create_dir_all(dir.path().join("big")).unwrap();
        std::fs::write(dir.path().join("big/spec.yaml"), BIG_SPEC).unwrap();
        Flow { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self, mode: &str, config: &Value, extra: &[&str], store: &str) -> Command {
        let mut cmd = wt();
        cmd.arg("run")
            .arg(self.path("flow/spec.yaml"))
            .arg("--config-json")
            .arg(config.to_string())
            .args(["--execution-mode", mode, "--reuse", "--explain"])
            .arg("--results-store")
            .arg(store)
            .arg("--out")
            .arg(self.path("ws"))
            .args(extra)
            .env("REUSE_LOG", self.path("log"))
            // Lithops' localhost state lives under TMPDIR: runs side by side keep their own.
            .env("TMPDIR", self.tmp())
            .env_remove("REUSE_FAIL");
        cmd
    }

    /// Runs the workflow; returns (exit code, stdout, stderr) and the tasks that executed.
    fn run(
        &self,
        mode: &str,
        config: &Value,
        extra: &[&str],
    ) -> (i32, String, String, Vec<String>) {
        self.run_with(self.command(mode, config, extra, &self.store()))
    }

    fn run_with(&self, mut cmd: Command) -> (i32, String, String, Vec<String>) {
        let _ = std::fs::remove_file(self.path("log"));
        let results = self.path("results");
        let out = cmd.arg("--results").arg(&results).output().unwrap();
        let log = std::fs::read_to_string(self.path("log")).unwrap_or_default();
        let mut ran: Vec<String> = log.lines().map(str::to_string).collect();
        ran.sort();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            ran,
        )
    }

    /// A temporary folder of this flow's own (created on first use).
    fn tmp(&self) -> PathBuf {
        let tmp = self.path("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        tmp
    }

    fn store(&self) -> String {
        self.path("store").display().to_string()
    }
}

fn config(n: u32, bonus: i64) -> Value {
    json!({"numbers": {"n": n}, "total": {"bonus": bonus}})
}

fn names(list: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// The same in every mode: the first run executes everything; an identical second run only
/// the io task (whose identical output cuts off everything after it); a changed parameter
/// re-runs its instance and what depends on it.
fn first_second_and_a_changed_parameter(mode: &str) {
    let flow = Flow::new();
    let (code, out, err, ran) = flow.run(mode, &config(3, 0), &[]);
    assert_eq!(code, 0, "{mode}: {err}");
    assert_eq!(out, "\"total=5\"", "{mode}");
    assert_eq!(
        ran,
        names(&["fetch", "square", "square", "square", "total", "label"]),
        "{mode}"
    );
    let (code, out, err, ran) = flow.run(mode, &config(3, 0), &[]);
    assert_eq!((code, out.as_str()), (0, "\"total=5\""), "{mode}: {err}");
    assert_eq!(ran, names(&["fetch"]), "{mode}: {err}");
    assert!(
        err.contains("explain: squares  reused (3 elements)"),
        "{mode}: {err}"
    );
    let (code, out, err, ran) = flow.run(mode, &config(3, 10), &[]);
    assert_eq!((code, out.as_str()), (0, "\"total=15\""), "{mode}: {err}");
    assert_eq!(ran, names(&["fetch", "total", "label"]), "{mode}: {err}");
    assert!(
        err.contains("explain: total  ran: parameter `bonus` changed"),
        "{mode}: {err}"
    );
}

#[test]
fn sequential_runs_reuse_what_did_not_change() {
    first_second_and_a_changed_parameter("sequential");
}

#[test]
fn parallel_runs_reuse_what_did_not_change() {
    first_second_and_a_changed_parameter("parallel");
}

#[test]
fn async_runs_reuse_what_did_not_change() {
    first_second_and_a_changed_parameter("async");
}

/// One more element of a fan-out runs that element alone; io results are reused on request;
/// a library edit re-runs its own tasks only, and an unchanged result cuts off the rest.
#[test]
fn elements_io_and_library_edits() {
    let flow = Flow::new();
    assert_eq!(flow.run("sequential", &config(3, 0), &[]).0, 0);
    let (code, out, err, ran) = flow.run("sequential", &config(4, 0), &[]);
    assert_eq!((code, out.as_str()), (0, "\"total=14\""), "{err}");
    assert_eq!(ran, names(&["fetch", "square", "total", "label"]), "{err}");
    assert!(
        err.contains("explain: squares  3 reused, 1 ran: element 3 changed"),
        "{err}"
    );

    let (_, _, err, ran) = flow.run("sequential", &config(4, 0), &["--reuse-io"]);
    assert_eq!(ran, Vec::<String>::new(), "{err}");
    assert!(err.contains("explain: numbers  reused"), "{err}");

    let module = flow.path("reuse-tasks/reuse_tasks/__init__.py");
    let source = std::fs::read_to_string(&module).unwrap();
    std::fs::write(&module, source + "\n# an edit\n").unwrap();
    let (code, out, err, ran) = flow.run("sequential", &config(4, 0), &[]);
    assert_eq!((code, out.as_str()), (0, "\"total=14\""), "{err}");
    assert_eq!(
        ran,
        names(&["fetch", "square", "square", "square", "square", "total"]),
        "the other library's task is reused: {err}"
    );
    assert!(err.contains("explain: total  ran: code changed"), "{err}");
    assert!(err.contains("explain: labelled  reused"), "{err}");
}

/// A run that fails keeps what succeeded; the next run resumes at the failed task.
#[test]
fn a_failed_run_resumes_where_it_failed() {
    let flow = Flow::new();
    let mut failing = flow.command("parallel", &config(3, 0), &[], &flow.store());
    failing.env("REUSE_FAIL", "total");
    let (code, _, err, ran) = flow.run_with(failing);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("total failed on purpose"), "{err}");
    assert_eq!(
        ran,
        names(&["fetch", "square", "square", "square", "total"])
    );
    let (code, out, err, ran) = flow.run("parallel", &config(3, 0), &[]);
    assert_eq!((code, out.as_str()), (0, "\"total=5\""), "{err}");
    assert_eq!(ran, names(&["fetch", "total", "label"]), "{err}");
}

/// A corrupt store is a miss, never a wrong result; two runs sharing a store both succeed.
#[test]
fn a_corrupt_or_shared_store_still_gives_right_results() {
    let flow = Flow::new();
    assert_eq!(flow.run("sequential", &config(3, 0), &[]).0, 0);
    for blob in walkdir::WalkDir::new(flow.path("store/blobs")) {
        let blob = blob.unwrap();
        if blob.file_type().is_file() {
            std::fs::write(blob.path(), b"not what was stored").unwrap();
        }
    }
    let (code, out, err, ran) = flow.run("sequential", &config(3, 0), &[]);
    assert_eq!((code, out.as_str()), (0, "\"total=5\""), "{err}");
    assert_eq!(
        ran,
        names(&["fetch", "square", "square", "square", "total", "label"]),
        "{err}"
    );

    let children: Vec<Child> = [5, 6]
        .iter()
        .map(|n| {
            let mut cmd = flow.command("sequential", &config(*n, 0), &[], &flow.store());
            cmd.arg("--results")
                .arg(flow.path(&format!("results-{n}")))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<String> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        })
        .collect();
    assert_eq!(outs, ["\"total=30\"", "\"total=55\""]);
}

/// With a store, values travel between Lithops jobs by reference: 8 MiB from one task to the
/// next passes although each job's arguments may weigh 4 MiB (`data_limit`), which the same
/// run without a store exceeds.
#[test]
fn async_jobs_pass_results_by_reference() {
    let flow = Flow::new();
    let run = |store: bool| {
        let mut cmd = wt();
        cmd.arg("run")
            .arg(flow.path("big/spec.yaml"))
            .arg("--config-json")
            .arg(json!({"text": {"mib": 8}}).to_string())
            .args(["--execution-mode", "async"])
            .arg("--out")
            .arg(flow.path("big-ws"))
            .arg("--results")
            .arg(flow.path("big-results"))
            .env("TMPDIR", flow.tmp());
        if store {
            cmd.arg("--results-store").arg(flow.store());
        }
        cmd.output().unwrap()
    };
    let by_value = run(false);
    let stderr = String::from_utf8_lossy(&by_value.stderr);
    assert!(!by_value.status.success(), "{stderr}");
    assert!(stderr.contains("exceed Lithops' data_limit"), "{stderr}");
    let by_reference = run(true);
    assert!(
        by_reference.status.success(),
        "{}",
        String::from_utf8_lossy(&by_reference.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&by_reference.stdout).trim(),
        (8 * 1024 * 1024).to_string()
    );
}

/// A moto S3 server on 127.0.0.1 (from `WT_TEST_PYTHON`'s environment), killed on drop.
struct S3Server {
    child: Child,
    port: u16,
}

impl S3Server {
    fn start() -> S3Server {
        let python = test_python::python();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let server = python.parent().unwrap().join("moto_server");
        let child = Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        // Owned from here on: dropped (killed and waited for) on every path.
        let server = S3Server { child, port };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("moto_server did not listen on 127.0.0.1:{port}");
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Runs `script` with boto3 against this server.
    fn boto(&self, script: &str) -> String {
        test_python::run_python(
            &format!(
                "import boto3\ns3 = boto3.client('s3', endpoint_url='{}', region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')\n{script}",
                self.endpoint()
            ),
            Vec::<&str>::new(),
        )
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn with_s3(cmd: &mut Command, server: &S3Server) {
    cmd.env("AWS_ENDPOINT", server.endpoint())
        .env("AWS_ALLOW_HTTP", "true")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE");
}

/// A store on an S3-compatible server: workers (parallel) read and write it, a second run
/// reuses it, and the results are objects of the bucket.
#[test]
fn a_store_on_an_s3_compatible_server() {
    let server = S3Server::start();
    server.boto("s3.create_bucket(Bucket='wt-results')");
    let flow = Flow::new();
    let store = "s3://wt-results/team";
    for expected in [
        names(&["fetch", "square", "square", "square", "total", "label"]),
        names(&["fetch"]),
    ] {
        let mut cmd = flow.command("parallel", &config(3, 0), &[], store);
        with_s3(&mut cmd, &server);
        let (code, out, err, ran) = flow.run_with(cmd);
        assert_eq!((code, out.as_str()), (0, "\"total=5\""), "{err}");
        assert_eq!(ran, expected, "{err}");
    }
    let listed = server.boto(
        "print('\\n'.join(o['Key'] for o in s3.list_objects_v2(Bucket='wt-results', Prefix='team/')['Contents']))",
    );
    assert!(
        listed.lines().any(|k| k.starts_with("team/blobs/")),
        "{listed}"
    );
    assert!(
        listed.lines().any(|k| k.starts_with("team/keys/")),
        "{listed}"
    );
    assert!(
        !Path::new(&flow.store()).exists(),
        "nothing was written to the local store"
    );
}
