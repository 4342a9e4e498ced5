//! `wt serve`: the runner HTTP server, for real. One server per test binary, started in-process
//! on 127.0.0.1:0 over a temporary workspace (the example workflows add_then_double and
//! safe_sqrt, plus a task library written here with tasks that sleep, fail, read the
//! environment and talk a lot), built with the real engine, uv and CPython. Requests are real
//! HTTP (ureq). Cloud Batch submissions go to a small fake Batch API on 127.0.0.1 that records
//! them. Server logs (at debug level, which includes every line workflows print) are captured
//! to check that secrets never show.
//!
//! All tests share the e2e cache folder under target/ so environments are built once.

use clap::Parser;
use serde_json::{Value, json};
use sha2::Digest;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use wt::server::secrets::Secret;
use wt::server::{CloudBatchConfig, ServerConfig};

use crate::support::wt_serve;
use wt_serve::{spawn_wt_serve, spawn_wt_serve_logged};

const SECRET: &str = "s3cr3t-Value-9f8e7d";
const TOKEN: &str = "ya29.test-token-1234567890";
const ADD: &str = "wt-add-then-double-workflow";
const BODY_LIMIT: usize = 256 * 1024;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------
// Captured logs

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

// ---------------------------------------------------------------------------------------
// The workspace and the server

struct Server {
    base: String,
    root: PathBuf,
    batch: Arc<Mutex<Vec<Captured>>>,
    _dirs: Vec<tempfile::TempDir>,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(start)
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy();
        if name == "__pycache__" || name.ends_with(".egg-info") {
            continue;
        }
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else if !entry.path().components().any(|c| {
            let c = c.as_os_str().to_string_lossy();
            c == "__pycache__" || c.ends_with(".egg-info")
        }) {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

const TASKS: &str = r#"import hashlib
import os
import subprocess
import sys
import time

from wt_registry import register


@register(description="Sleep, after writing its pid and a helper process's pid.")
def sleep_for(seconds: float, pid_file: str = "") -> float:
    if pid_file:
        helper = subprocess.Popen(["sleep", str(seconds)])
        with open(pid_file + ".partial", "w") as f:
            f.write(f"{os.getpid()} {helper.pid}")
        os.replace(pid_file + ".partial", pid_file)
    time.sleep(seconds)
    return seconds


@register(description="Start a child in a new session (it leaves the process group), write its pid, sleep.")
def escape(seconds: float, pid_file: str) -> float:
    child = subprocess.Popen(["sleep", "300"], start_new_session=True)
    with open(pid_file + ".partial", "w") as f:
        f.write(str(child.pid))
    os.replace(pid_file + ".partial", pid_file)
    time.sleep(seconds)
    return seconds


@register(description="Always raises.")
def fail(msg: str) -> int:
    raise RuntimeError(msg)


@register(description="An environment variable's value (and says it on stderr).")
def echo_env(name: str) -> str:
    value = os.environ[name]
    print(f"read {name}={value}", file=sys.stderr)
    return value


@register(description="An environment variable's value as the key of a mapping.")
def env_as_key(name: str) -> dict[str, str]:
    return {os.environ[name]: "x"}


@register(description="sha256 of a text.")
def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@register(description="The workflow process's command line.")
def argv(tag: str) -> list[str]:
    return sys.argv


@register(description="base ** exponent: Python integers have no size limit.")
def power(base: int, exponent: int) -> int:
    return base**exponent


@register(description="Prints a lot on stdout and stderr.")
def chatter(lines: int) -> int:
    for i in range(lines):
        print(f"stdout line {i} " + "x" * 80)
        print(f"stderr line {i} " + "y" * 80, file=sys.stderr)
    return lines
"#;

fn spec(id: &str, body: &str) -> String {
    format!(
        "id: {id}\nrequirements:\n  - name: serve-tasks\n    path: ../../libs/serve-tasks\nworkflow:\n{body}"
    )
}

fn make_workspace(root: &Path) {
    write(&root.join("wt.toml"), "[workspace]\n");
    copy_tree(
        &repo().join("examples/wt-example-tasks"),
        &root.join("examples/wt-example-tasks"),
    );
    for name in ["add_then_double", "safe_sqrt"] {
        let text =
            std::fs::read_to_string(repo().join("workflows").join(name).join("spec.yaml")).unwrap();
        write(&root.join("workflows").join(name).join("spec.yaml"), &text);
    }
    write(
        &root.join("libs/serve-tasks/pyproject.toml"),
        r#"[project]
name = "serve-tasks"
version = "0.0.1"
requires-python = ">=3.10"
dependencies = ["wt-registry"]

[project.entry-points."wt_registry"]
tasks = "serve_tasks"

[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"
"#,
    );
    write(
        &root.join("libs/serve-tasks/serve_tasks/__init__.py"),
        TASKS,
    );
    let flows = [
        ("sleeper", "  - id: nap\n    task: sleep_for\n"),
        ("power", "  - id: grow\n    task: power\n"),
        ("escaper", "  - id: away\n    task: escape\n"),
        ("failer", "  - id: boom\n    task: fail\n"),
        (
            "secret_digest",
            "  - id: secret\n    task: echo_env\n  - id: hashed\n    task: digest\n    partial:\n      text: ${{ workflow.secret.return }}\n",
        ),
        ("chatter", "  - id: talk\n    task: chatter\n"),
        ("echo", "  - id: read\n    task: echo_env\n"),
        ("keyed", "  - id: read\n    task: env_as_key\n"),
        (
            "setting",
            "  - id: read\n    task: echo_env\n    partial:\n      name: ${{ env.WT_TEST_SETTING }}\n",
        ),
        ("argv", "  - id: cmd\n    task: argv\n"),
    ];
    for (id, body) in flows {
        write(
            &root.join("workflows").join(id).join("spec.yaml"),
            &spec(id, body),
        );
    }
}

fn start() -> Server {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("wt=debug"))
        .with_writer(|| Capture)
        .with_ansi(false)
        .try_init();
    let ws = tempfile::tempdir().unwrap();
    let root = ws.path().canonicalize().unwrap();
    make_workspace(&root);
    let cache = repo().join("target/e2e-cache");
    let cli = wt::cli::Cli::try_parse_from([
        "wt".as_ref(),
        "--quiet".as_ref(),
        "--cache-dir".as_ref(),
        cache.as_os_str(),
        "serve".as_ref(),
    ])
    .unwrap();
    let workflows = wt::cli::serve::load_workflows(&cli, &root, &[])
        .unwrap_or_else(|e| panic!("building the test workspace failed: {e:#}"));
    let served: Vec<&str> = workflows.iter().map(|w| w.label.as_str()).collect();
    assert_eq!(served.len(), 12, "{served:?}");

    let (batch_url, batch) = fake_batch(16);
    let results = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::new(results.path().to_path_buf());
    // The tests' own results folders are temporary folders.
    config.allowed_results_roots = vec![std::env::temp_dir()];
    config.body_limit = BODY_LIMIT;
    config.cloud_batch = CloudBatchConfig {
        endpoint: batch_url,
        project: Some("test-project".into()),
        region: "europe-west1".into(),
        service_account: Some("runner@test-project.iam.gserviceaccount.com".into()),
        token: Some(Secret::new(TOKEN)),
        ..CloudBatchConfig::default()
    };
    let base = wt::server::serve_in_background(workflows, config).unwrap();
    let server = Server {
        base,
        root,
        batch,
        _dirs: vec![ws, results],
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while agent()
        .get(&format!("{}/", server.base))
        .call()
        .map_or(true, |r| r.status() != 200)
    {
        assert!(Instant::now() < deadline, "the server did not come up");
        std::thread::sleep(Duration::from_millis(20));
    }
    server
}

// ---------------------------------------------------------------------------------------
// HTTP helpers

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

fn url(path: &str) -> String {
    format!("{}{path}", server().base)
}

fn read(mut response: ureq::http::Response<ureq::Body>) -> (u16, Value, String) {
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    let value = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, value, text)
}

fn get(path: &str) -> (u16, Value, String) {
    match agent().get(&url(path)).call() {
        Ok(r) => read(r),
        Err(e) => (0, Value::Null, e.to_string()),
    }
}

fn post_text(path: &str, body: &str) -> (u16, Value, String) {
    let r = agent()
        .post(&url(path))
        .header("Content-Type", "application/json")
        .send(body)
        .unwrap();
    read(r)
}

/// The result.json a run left in `dir`.
fn result_json(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("result.json")).unwrap()).unwrap()
}

fn post(path: &str, body: &Value) -> (u16, Value, String) {
    post_text(path, &body.to_string())
}

/// Percent-encodes a query value.
fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn run_path(matchspec: &str) -> String {
    format!("/?matchspec={}", enc(matchspec))
}

fn sha256(text: &str) -> String {
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in [SECRET, TOKEN] {
        assert!(
            !text.contains(secret),
            "a secret leaked into {what}:\n{text}"
        );
    }
}

/// Whether a process is still running (zombies count as gone).
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => false,
        Ok(stat) => !matches!(
            stat.rsplit(')')
                .next()
                .and_then(|s| s.trim().chars().next()),
            Some('Z' | 'X')
        ),
    }
}

// ---------------------------------------------------------------------------------------
// A fake Cloud Batch API

#[derive(Debug, Clone)]
struct Captured {
    request_line: String,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Captured {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Answers at most `max` requests: 403 for the project `refuse-me`, else 200 with the job.
fn fake_batch(max: usize) -> (String, Arc<Mutex<Vec<Captured>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let captured = Arc::new(Mutex::new(Vec::new()));
    let sink = captured.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max) {
            let Ok(mut stream) = stream else { continue };
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    headers.push((k.trim().to_string(), v.trim().to_string()));
                }
            }
            let length: usize = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .map_or(0, |(_, v)| v.parse().unwrap());
            let mut body = vec![0u8; length];
            reader.read_exact(&mut body).unwrap();
            let request_line = request_line.trim_end().to_string();
            let (status, answer) = if request_line.contains("/projects/refuse-me/") {
                (
                    "403 Forbidden",
                    json!({"error": {"code": 403, "message": "Permission denied on project refuse-me"}}),
                )
            } else {
                let id = request_line
                    .split("job_id=")
                    .nth(1)
                    .and_then(|s| s.split(' ').next())
                    .unwrap_or("")
                    .to_string();
                (
                    "200 OK",
                    json!({"name": format!("projects/test-project/locations/europe-west1/jobs/{id}"), "uid": "u-1"}),
                )
            };
            let answer = answer.to_string();
            // Recorded before answering: the server's client may look as soon as it is answered.
            sink.lock().unwrap().push(Captured {
                request_line,
                headers,
                body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            });
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (url, captured)
}

// ---------------------------------------------------------------------------------------
// Tests

#[test]
fn health_and_workflow_list() {
    server();
    assert_eq!(get("/").1, json!({"status": "ok"}));
    let (status, body, _) = get("/workflows");
    assert_eq!(status, 200);
    let releases: Vec<&str> = body["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["release"].as_str().unwrap())
        .collect();
    assert!(releases.contains(&ADD), "{releases:?}");
    assert_eq!(body["workflows"][0]["version"], "0.0.0");
}

#[test]
fn blocking_run_returns_the_result() {
    let s = server();
    let results = tempfile::tempdir().unwrap();
    let folder = results.path().join("new/sub folder");
    let (status, body, _) = post(
        &run_path(ADD),
        &json!({
            "params": {"total": {"a": 3, "b": 3}},
            "results_url": format!("file://{}", folder.display().to_string().replace(' ', "%20")),
            "execution_mode": "sequential",
            "mock_io": false,
        }),
    );
    assert_eq!(
        (status, &body),
        (200, &json!({"result": 12, "error": null, "trace": null}))
    );
    let on_disk: Value = result_json(&folder);
    assert_eq!(on_disk["result"], 12);

    // Options in the query string, the workflow by label, an absolute path as results_url.
    let path = format!(
        "/?label={}&execution_mode=sequential&mock_io=false&workflow_run_id=r1&results_url={}",
        enc("//workflows/add_then_double"),
        enc(&results.path().join("by-label").display().to_string())
    );
    let (status, body, _) = post(&path, &json!({"params": {"total": {"a": 1, "b": 2}}}));
    assert_eq!((status, body["result"].clone()), (200, json!(6)));
    assert!(results.path().join("by-label/result.json").is_file());

    // A version constraint in the matchspec; a string result (the peer refused non-objects).
    let (status, body, _) = post(
        &run_path("wt-safe-sqrt-workflow >=0.0,<1"),
        &json!({"params": {"difference": {"a": 3, "b": 6}}}),
    );
    assert_eq!((status, body["result"].clone()), (200, json!("sqrt=3")));
    assert!(s.base.starts_with("http://127.0.0.1:"));
}

/// 2^64 is a Python int like any other: the answer, `GET /runs/{id}` and result.json carry its
/// digits, not a float. A parameter wider than 64 bits is refused before anything runs.
#[test]
fn integers_stay_exact_end_to_end() {
    server();
    let exact = "18446744073709551616";
    let results = tempfile::tempdir().unwrap();
    let params = json!({"params": {"grow": {"base": 2, "exponent": 64}}, "results_url": results.path().join("b").display().to_string()});
    let (status, _, text) = post(&run_path("wt-power-workflow"), &params);
    assert_eq!(status, 200, "{text}");
    assert!(text.contains(&format!("\"result\":{exact}")), "{text}");
    let on_disk = std::fs::read_to_string(results.path().join("b/result.json")).unwrap();
    assert!(on_disk.contains(exact), "{on_disk}");

    let (status, started, _) = post(
        &format!(
            "{}&invoker_type=AsyncLocalSubprocessInvoker",
            run_path("wt-power-workflow")
        ),
        &json!({"params": {"grow": {"base": 2, "exponent": 64}}}),
    );
    assert_eq!(status, 202);
    let status_url = started["status_url"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    let text = loop {
        let (_, record, text) = get(&status_url);
        if record["status"] != "running" {
            break text;
        }
        assert!(Instant::now() < deadline, "the run did not finish");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(text.contains(&format!("\"result\":{exact}")), "{text}");

    let wide =
        r#"{"params": {"grow": {"base": 12345678901234567890123456789012345678, "exponent": 1}}}"#;
    let (status, body, text) = post_text(&run_path("wt-power-workflow"), wide);
    assert_eq!(status, 422, "{text}");
    let item = &body["detail"][0];
    assert!(
        item["message"].as_str().unwrap().contains("64 bits"),
        "{text}"
    );
    assert_eq!(item["path"], json!(["params", "grow", "base"]), "{text}");
}

#[test]
fn invalid_params_are_422_with_items() {
    server();
    let (status, body, _) = post(
        &run_path(ADD),
        &json!({"params": {"total": {"a": "three"}}}),
    );
    assert_eq!(status, 422);
    let items = body["detail"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{body}");
    assert_eq!(items[0]["validator"], "required");
    assert_eq!(items[1]["path"], json!(["total", "a"]));
    assert_eq!(items[1]["message"], "'three' is not of type 'integer'");
    assert_eq!(items[1]["input"], "three");
    for item in items {
        for key in ["message", "path", "schema_path", "validator", "input"] {
            assert!(item.get(key).is_some(), "{item}");
        }
    }
    // Unknown instance ids are rejected too (params.json is closed).
    let (status, body, _) = post(
        &run_path(ADD),
        &json!({"params": {"total": {"a": 1, "b": 1}, "extra": {}}}),
    );
    assert_eq!(status, 422, "{body}");
}

#[test]
fn unknown_and_hostile_matchspecs_are_404() {
    server();
    for spec in [
        "wt-nope-workflow",
        "../../etc/passwd",
        "/etc/passwd",
        "; rm -rf /",
        "wt-add-then-double-workflow; rm -rf /",
        "$(touch /tmp/pwned)",
        "wt-add-then-double-workflow >=1",
    ] {
        let (status, body, _) = post(&run_path(spec), &json!({"params": {}}));
        assert_eq!(status, 404, "{spec}: {body}");
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.contains(ADD) && detail.contains("//workflows/add_then_double"),
            "{spec}: the message lists what is served: {detail}"
        );
        let (status, _, _) = get(&format!("/rjsf?matchspec={}", enc(spec)));
        assert_eq!(status, 404, "{spec}");
    }
    let (status, body, _) = get(&format!("/params?label={}", enc("//../..")));
    assert_eq!(status, 404, "{body}");
    // Several workflows are served: naming none is an error, not a guess.
    let (status, body, _) = post("/", &json!({"params": {}}));
    assert_eq!(status, 404);
    assert!(body["detail"].as_str().unwrap().contains("matchspec"));
    assert!(!Path::new("/tmp/pwned").exists());
}

#[test]
fn a_failing_workflow_is_500_with_error_and_trace() {
    server();
    let (status, body, _) = post(
        &run_path("wt-failer-workflow"),
        &json!({"params": {"boom": {"msg": "deliberate failure"}}}),
    );
    assert_eq!(status, 500, "{body}");
    assert!(body["result"].is_null());
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("deliberate failure"),
        "{body}"
    );
    assert!(
        body["trace"].as_str().unwrap().contains("RuntimeError"),
        "{body}"
    );
}

/// A child started in a new session leaves the run's process group; it is killed all the same
/// when the run ends, after success and after a timeout.
#[test]
fn a_blocking_run_follows_its_client() {
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    // Starts a blocking sleeper run over a raw connection, waits for its task to start, hangs up.
    let hang_up = |name: &str, seconds: u32, query: &str| -> (PathBuf, Vec<i32>) {
        let pid_file = dir.path().join(format!("{name}.pids"));
        let results = dir.path().join(name);
        let body = json!({
            "params": {"nap": {"seconds": seconds, "pid_file": pid_file.display().to_string()}},
            "results_url": results.display().to_string(),
        })
        .to_string();
        let mut stream = TcpStream::connect(s.base.trim_start_matches("http://")).unwrap();
        write!(
            stream,
            "POST {}{query} HTTP/1.1\r\nHost: wt\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            run_path("wt-sleeper-workflow"),
            body.len()
        )
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while !pid_file.exists() {
            assert!(Instant::now() < deadline, "the task did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        drop(stream);
        let pids = std::fs::read_to_string(&pid_file).unwrap();
        (
            results,
            pids.split_whitespace()
                .map(|p| p.parse().unwrap())
                .collect(),
        )
    };
    let wait_for_result = |results: &Path| -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(text) = std::fs::read_to_string(results.join("result.json")) {
                return serde_json::from_str(&text).unwrap();
            }
            assert!(
                Instant::now() < deadline,
                "no result.json in {}",
                results.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };

    let (results, pids) = hang_up("cancelled", 60, "");
    let written = wait_for_result(&results);
    assert!(
        written["error"]
            .as_str()
            .unwrap()
            .contains("The client disconnected"),
        "{written}"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|p| alive(*p)) {
        assert!(
            Instant::now() < deadline,
            "the run outlived its client: {pids:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let (results, _) = hang_up("continued", 2, "&on_disconnect=continue");
    let written = wait_for_result(&results);
    assert_eq!(
        written,
        json!({"result": 2.0, "error": null, "trace": null})
    );
}

#[test]
fn a_child_in_a_new_session_does_not_outlive_its_run() {
    server();
    for (seconds, timeout, status) in [(0.1, 60, 200), (30.0, 3, 504)] {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let (got, body, _) = post(
            &format!("{}&timeout={timeout}", run_path("wt-escaper-workflow")),
            &json!({"params": {"away": {"seconds": seconds, "pid_file": pid_file.display().to_string()}}}),
        );
        assert_eq!(got, status, "{body}");
        let pid: i32 = std::fs::read_to_string(&pid_file)
            .expect("the task started its child")
            .trim()
            .parse()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while alive(pid) {
            assert!(
                Instant::now() < deadline,
                "the child in a new session ({pid}) outlived its run"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn a_timeout_kills_the_whole_process_group() {
    timeout_kills_every_process("sequential");
}

/// In the parallel mode the task runs on a worker process of the run: the timeout stops it
/// too, and the child it started.
#[test]
fn a_timeout_kills_the_workers_of_a_parallel_run() {
    timeout_kills_every_process("parallel");
}

fn timeout_kills_every_process(mode: &str) {
    server();
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pids");
    let results = dir.path().join("results");
    let started = Instant::now();
    let (status, body, _) = post(
        &format!(
            "{}&timeout=6&execution_mode={mode}",
            run_path("wt-sleeper-workflow")
        ),
        &json!({
            "params": {"nap": {"seconds": 60, "pid_file": pid_file.display().to_string()}},
            "results_url": results.display().to_string(),
        }),
    );
    let took = started.elapsed();
    assert_eq!(status, 504, "{body}");
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert!(
        body["error"].as_str().unwrap().contains("timed out"),
        "{body}"
    );
    let on_disk: Value = result_json(&results);
    assert!(on_disk["error"].as_str().unwrap().contains("timed out"));
    let pids: Vec<i32> = std::fs::read_to_string(&pid_file)
        .expect("the task started before the timeout (raise it if Python is that slow here)")
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 2);
    let deadline = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|p| alive(*p)) {
        assert!(
            Instant::now() < deadline,
            "the workflow process or its child survived the timeout: {pids:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn async_runs_are_polled_to_their_result() {
    server();
    let (status, body, _) = post(
        &format!("{}&invoker_type=AsyncLocalSubprocessInvoker", run_path(ADD)),
        &json!({"params": {"total": {"a": 3, "b": 3}}, "workflow_run_id": "async-1"}),
    );
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["status"], "running");
    let run_id = body["run_id"].as_str().unwrap().to_string();
    assert_eq!(run_id.len(), 32);
    let results_url = body["results_url"].as_str().unwrap().to_string();

    // A second run that times out.
    let (status, late, _) = post(
        &format!(
            "{}&invoker_type=AsyncLocalSubprocessInvoker&timeout=1",
            run_path("wt-sleeper-workflow")
        ),
        &json!({"params": {"nap": {"seconds": 30}}}),
    );
    assert_eq!(status, 202, "{late}");
    let late_id = late["run_id"].as_str().unwrap().to_string();

    let poll = |id: &str| -> Value {
        for _ in 0..600 {
            let (status, body, _) = get(&format!("/runs/{id}"));
            assert_eq!(status, 200, "{body}");
            if body["status"] != "running" {
                return body;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("run {id} did not finish within 60 s");
    };
    let done = poll(&run_id);
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["result"], 12);
    assert_eq!(done["workflow_run_id"], "async-1");
    assert_eq!(done["workflow"], ADD);
    let dir = results_url.strip_prefix("file://").unwrap();
    assert!(Path::new(dir).join("result.json").is_file());

    let late = poll(&late_id);
    assert_eq!(late["status"], "timed_out", "{late}");
    assert!(late["error"].as_str().unwrap().contains("timed out"));

    let (status, _, _) = get("/runs/0123456789abcdef0123456789abcdef");
    assert_eq!(status, 404);
}

/// A multi-line secret (a PEM key) printed by the workflow is masked in every logged line and
/// in the answer; a secret equal to a key of the answer leaves the answer's structure intact.
#[test]
fn multi_line_and_key_named_secrets() {
    server();
    let pem =
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";
    let (status, body, text) = post(
        &run_path("wt-echo-workflow"),
        &json!({"params": {"read": {"name": "SA_KEY"}}, "data_connections_env_vars": {"SA_KEY": pem}}),
    );
    assert_eq!(status, 200, "{text}");
    assert_eq!(body["result"], "***", "{text}");
    let logs = logs();
    assert!(logs.contains("read SA_KEY=***"), "the echo was not logged");
    assert!(!logs.contains("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"), "{logs}");
    assert!(!text.contains("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"), "{text}");

    let (status, body, text) = post(
        &run_path("wt-echo-workflow"),
        &json!({"params": {"read": {"name": "NAMED"}}, "data_connections_env_vars": {"NAMED": "result"}}),
    );
    assert_eq!(status, 200, "{text}");
    assert_eq!(body, json!({"result": "***", "error": null, "trace": null}));
}

/// A secret the workflow returns as a key of a mapping is masked like a value, in every
/// execution mode, in the blocking answer and in the record of an async run.
#[test]
fn a_secret_returned_as_a_key_is_masked() {
    server();
    let path = run_path("wt-keyed-workflow");
    let body = |mode: &str| {
        json!({"params": {"read": {"name": "S1"}}, "execution_mode": mode,
            "data_connections_env_vars": {"S1": SECRET}})
    };
    for mode in ["sequential", "parallel", "async"] {
        let (status, answer, text) = post(&path, &body(mode));
        assert_eq!(status, 200, "{mode}: {text}");
        assert_eq!(answer["result"], json!({"***": "x"}), "{mode}: {text}");
        assert_no_secret("the answer", &text);
    }
    let (status, answer, text) = post(
        &format!("{path}&invoker_type=AsyncLocalSubprocessInvoker"),
        &body("sequential"),
    );
    assert_eq!(status, 202, "{text}");
    let id = answer["run_id"].as_str().unwrap();
    for _ in 0..600 {
        let (_, record, text) = get(&format!("/runs/{id}"));
        assert_no_secret("a run record", &text);
        if record["status"] != "running" {
            assert_eq!(record["result"], json!({"***": "x"}), "{text}");
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the async run did not finish");
}

/// Async (Lithops localhost) runs side by side each keep Lithops' state in a folder of their
/// own, and all finish.
#[test]
fn async_runs_side_by_side_all_finish() {
    server();
    let path = run_path("wt-power-workflow");
    let runs: Vec<_> = (2..5)
        .map(|exponent| {
            let path = path.clone();
            std::thread::spawn(move || {
                post(
                    &path,
                    &json!({"params": {"grow": {"base": 2, "exponent": exponent}}, "execution_mode": "async"}),
                )
            })
        })
        .collect();
    let answers: Vec<Value> = runs
        .into_iter()
        .map(|r| {
            let (status, body, text) = r.join().unwrap();
            assert_eq!(status, 200, "{text}");
            body["result"].clone()
        })
        .collect();
    assert_eq!(answers, [json!(4), json!(8), json!(16)]);
}

#[test]
fn secrets_reach_the_workflow_and_never_leak() {
    server();
    let path = run_path("wt-secret-digest-workflow");
    let (status, body, text) = post(
        &path,
        &json!({
            "params": {"secret": {"name": "ER_TOKEN"}},
            "data_connections_env_vars": {"ER_TOKEN": SECRET},
        }),
    );
    assert_eq!(status, 200, "{text}");
    // The workflow read it (and printed it on stderr, which the server logs at debug level).
    assert_eq!(body["result"], sha256(SECRET));
    assert_no_secret("the response", &text);

    // Invalid parameters, a bad variable name, an async run: the value shows nowhere.
    let (status, _, text) = post(
        &path,
        &json!({"params": {"secret": {}}, "data_connections_env_vars": {"ER_TOKEN": SECRET}}),
    );
    assert_eq!(status, 422);
    assert_no_secret("a 422", &text);
    let (status, body, text) = post(
        &path,
        &json!({"params": {"secret": {"name": "X"}}, "data_connections_env_vars": {"LD_PRELOAD": SECRET}}),
    );
    assert_eq!(status, 422);
    assert!(body["detail"].as_str().unwrap().contains("LD_PRELOAD"));
    assert_no_secret("a 422", &text);
    let (status, body, text) = post(
        &format!("{path}&invoker_type=AsyncLocalSubprocessInvoker"),
        &json!({"params": {"secret": {"name": "ER_TOKEN"}}, "data_connections_env_vars": {"ER_TOKEN": SECRET}}),
    );
    assert_eq!(status, 202);
    assert_no_secret("a 202", &text);
    let id = body["run_id"].as_str().unwrap();
    for _ in 0..600 {
        let (_, body, text) = get(&format!("/runs/{id}"));
        assert_no_secret("a run status", &text);
        if body["status"] != "running" {
            assert_eq!(body["result"], sha256(SECRET));
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let logs = logs();
    assert!(
        logs.contains("read ER_TOKEN=***"),
        "the workflow's stderr is logged, redacted"
    );
    assert_no_secret("the server logs", &logs);
}

#[test]
fn trace_headers_and_lithops_config_reach_the_workflow_and_temp_files_go() {
    server();
    let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    let echo = |name: &str, lithops: Option<Value>| -> Value {
        let mut body = json!({"params": {"read": {"name": name}}});
        if let Some(l) = lithops {
            body["lithops_config"] = l;
        }
        let r = agent()
            .post(&url(&run_path("wt-echo-workflow")))
            .header("traceparent", traceparent)
            .header("tracestate", "vendor=value")
            .send(body.to_string())
            .unwrap();
        let (status, body, text) = read(r);
        assert_eq!(status, 200, "{text}");
        body["result"].clone()
    };
    assert_eq!(echo("TRACEPARENT", None), traceparent);
    assert_eq!(echo("TRACESTATE", None), "vendor=value");
    let lithops = echo(
        "LITHOPS_CONFIG_FILE",
        Some(json!({"lithops": {"backend": "localhost", "storage": "localhost"}})),
    );
    let lithops = lithops.as_str().unwrap();
    assert!(lithops.contains("wt-lithops-"), "{lithops}");
    assert!(
        !Path::new(lithops).exists(),
        "the Lithops config file is deleted"
    );
    // The parameters go through a config file that is deleted after the run.
    let (status, body, _) = post(
        &run_path("wt-argv-workflow"),
        &json!({"params": {"cmd": {"tag": "x"}}}),
    );
    assert_eq!(status, 200, "{body}");
    let argv: Vec<&str> = body["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let at = argv.iter().position(|a| *a == "--config-file").unwrap();
    assert!(!Path::new(argv[at + 1]).exists(), "{argv:?}");
    assert_eq!(
        &argv[at + 2..],
        ["--execution-mode", "sequential", "--no-mock-io"]
    );
}

#[test]
fn a_chatty_workflow_does_not_deadlock() {
    server();
    // ~2 MB on each of stdout and stderr, far beyond a pipe's buffer.
    let (status, body, _) = post(
        &run_path("wt-chatter-workflow"),
        &json!({"params": {"talk": {"lines": 20000}}}),
    );
    assert_eq!((status, body["result"].clone()), (200, json!(20000)));
}

#[test]
fn schemas_and_data_connections() {
    let s = server();
    let ws = s
        .root
        .join("workflows/add_then_double/wt-add-then-double-workflow/wt_add_then_double_workflow");
    let file = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(ws.join(name)).unwrap()).unwrap()
    };
    let (status, params, _) = get(&format!("/params?matchspec={ADD}"));
    assert_eq!((status, &params), (200, &file("params.json")));
    let (status, rjsf, _) = get(&format!("/rjsf?matchspec={ADD}"));
    assert_eq!((status, &rjsf), (200, &file("rjsf.json")));
    let (status, names, _) = get(&format!(
        "/data-connection-property-names?label={}",
        enc("//workflows/add_then_double")
    ));
    assert_eq!((status, names), (200, json!({})));
}

#[test]
fn formdata_and_params_convert_both_ways() {
    server();
    let params = json!({"total": {"a": 3, "b": 4}});
    let (status, formdata, _) = post(&format!("/params-to-formdata?matchspec={ADD}"), &params);
    assert_eq!(status, 200, "{formdata}");
    let (status, back, _) = post(&format!("/formdata-to-params?matchspec={ADD}"), &formdata);
    assert_eq!((status, back), (200, params));

    let (status, body, _) = post(
        &format!("/formdata-to-params?matchspec={ADD}"),
        &json!({"total": {"a": "x", "b": 1}}),
    );
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["validator"], "type");
    assert_eq!(body["detail"][0]["path"], json!(["total", "a"]));
    let (status, body, _) = post(&format!("/params-to-formdata?matchspec={ADD}"), &json!([1]));
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["message"], "[1] is not of type 'object'");
    let (status, _, _) = post_text(&format!("/params-to-formdata?matchspec={ADD}"), "{oops");
    assert_eq!(status, 400);
}

fn envelope(message: &Value) -> Value {
    use base64::Engine;
    json!({
        "message": {
            "data": base64::engine::general_purpose::STANDARD.encode(message.to_string()),
            "messageId": "1",
        },
        "subscription": "projects/p/subscriptions/s",
    })
}

#[test]
fn pubsub_messages_run_or_report_errors() {
    server();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good");
    let message = json!({"payload": {
        "match_spec": ADD,
        "invoker_type": "BlockingLocalSubprocessInvoker",
        "invoker_kwargs": {
            "workflow_run_id": "ps-1",
            "results_url": format!("file://{}", good.display()),
            "params": {"total": {"a": 3, "b": 3}},
            "execution_mode": "sequential",
            "mock_io": false,
            "trace_context": {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
        },
    }});
    let (status, body, _) = post("/run-from-pubsub", &envelope(&message));
    assert_eq!((status, &body), (200, &json!({"status": "processed"})));
    let on_disk: Value = result_json(&good);
    assert_eq!(on_disk["result"], 12);

    // Undecodable: 200 with the reason (Pub/Sub must not redeliver it).
    for bad in [
        json!({"message": {"data": "***not base64***"}}),
        json!({"nothing": true}),
        json!({"message": {"data": "eyJub3BlIjogMX0="}}),
    ] {
        let (status, body, _) = post("/run-from-pubsub", &bad);
        assert_eq!(status, 200);
        assert_eq!(body["status"], "error", "{body}");
        assert!(body["error"].as_str().is_some());
    }
    let (status, body, _) = post_text("/run-from-pubsub", "not json");
    assert_eq!((status, body["status"].clone()), (200, json!("error")));

    // Decodable but wrong: the error also goes to result.json.
    let unknown = dir.path().join("unknown");
    let message = json!({"payload": {
        "match_spec": "wt-nope-workflow",
        "invoker_kwargs": {"results_url": unknown.display().to_string(), "params": {}},
    }});
    let (status, body, _) = post("/run-from-pubsub", &envelope(&message));
    assert_eq!((status, body["status"].clone()), (200, json!("error")));
    let on_disk: Value = result_json(&unknown);
    assert!(
        on_disk["error"]
            .as_str()
            .unwrap()
            .contains("wt-nope-workflow")
    );

    // A failing workflow.
    let failed = dir.path().join("failed");
    let message = json!({"payload": {
        "match_spec": "wt-failer-workflow",
        "invoker_kwargs": {
            "results_url": failed.display().to_string(),
            "params": {"boom": {"msg": "pubsub failure"}},
        },
    }});
    let (status, body, _) = post("/run-from-pubsub", &envelope(&message));
    assert_eq!(status, 200);
    assert_eq!(body["status"], "error");
    assert!(body["error"].as_str().unwrap().contains("pubsub failure"));
    let on_disk: Value = result_json(&failed);
    assert!(
        on_disk["error"]
            .as_str()
            .unwrap()
            .contains("pubsub failure")
    );
}

#[test]
fn cloud_batch_jobs_are_submitted() {
    let s = server();
    let path = format!(
        "{}&invoker_type=CloudBatchInvoker&docker_image_uri={}",
        run_path(ADD),
        enc("us-docker.pkg.dev/p/r/wt-add:1")
    );
    let (status, body, text) = post(
        &path,
        &json!({
            "params": {"total": {"a": 3, "b": 3}},
            "workflow_run_id": "  Run_42/ABC  ",
            "results_url": "gs://bucket/runs/42",
            "mock_io": true,
            "timeout": 119.5,
            "machine_type": "g2-standard-4",
            "gpu_type": "nvidia-l4",
            "gpu_count": 2,
            "data_connections_env_vars": {"ER_TOKEN": SECRET},
        }),
    );
    assert_eq!(status, 202, "{text}");
    assert_eq!(body["result"], json!({}));
    assert!(body["error"].is_null());
    let job_id = body["job_id"].as_str().unwrap().to_string();
    assert!(
        job_id.starts_with("job-") && job_id.ends_with("-run-42-abc"),
        "{job_id}"
    );
    assert_eq!(job_id.len(), "job-".len() + 6 + "-run-42-abc".len());
    assert_eq!(
        body["job_name"],
        format!("projects/test-project/locations/europe-west1/jobs/{job_id}")
    );
    assert_no_secret("the response", &text);

    let captured = s
        .batch
        .lock()
        .unwrap()
        .iter()
        .find(|c| c.request_line.contains(&job_id))
        .cloned()
        .expect("the fake Batch API got the job");
    assert_eq!(
        captured.request_line,
        format!(
            "POST /v1/projects/test-project/locations/europe-west1/jobs?job_id={job_id} HTTP/1.1"
        )
    );
    assert_eq!(
        captured.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    let job = &captured.body;
    let task = &job["taskGroups"][0]["taskSpec"];
    assert_eq!(job["taskGroups"][0]["taskCount"], 1);
    let runnable = &task["runnables"][0];
    assert_eq!(
        runnable["container"]["imageUri"],
        "us-docker.pkg.dev/p/r/wt-add:1"
    );
    assert_eq!(
        runnable["container"]["commands"],
        json!([
            "pixi",
            "run",
            ADD,
            "run",
            "--config-json",
            r#"{"total":{"a":3,"b":3}}"#,
            "--execution-mode",
            "sequential",
            "--mock-io"
        ])
    );
    let env = &runnable["environment"]["variables"];
    assert_eq!(env["ER_TOKEN"], SECRET);
    assert_eq!(env["WT_RESULTS"], "gs://bucket/runs/42");
    assert!(
        env.as_object()
            .unwrap()
            .keys()
            .all(|k| !k.starts_with("WT_CLOUD_BATCH_"))
    );
    assert_eq!(task["maxRunDuration"], "120s");
    assert_eq!(
        task["computeResource"],
        json!({"cpuMilli": 8000, "memoryMib": 32768})
    );
    let instance = &job["allocationPolicy"]["instances"][0];
    assert_eq!(instance["policy"]["machineType"], "g2-standard-4");
    assert_eq!(
        instance["policy"]["accelerators"],
        json!([{"type": "nvidia-l4", "count": 2}])
    );
    assert_eq!(instance["installGpuDrivers"], true);
    assert_eq!(
        job["allocationPolicy"]["serviceAccount"]["email"],
        "runner@test-project.iam.gserviceaccount.com"
    );

    // What Cloud Batch needs is checked before anything is sent.
    let base = json!({"params": {"total": {"a": 1, "b": 1}}, "workflow_run_id": "x", "results_url": "gs://b/p"});
    let mut no_image = base.clone();
    no_image["docker_image_uri"] = Value::Null;
    let (status, body, _) = post(
        &format!("{}&invoker_type=CloudBatchInvoker", run_path(ADD)),
        &no_image,
    );
    assert_eq!(status, 422);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("docker_image_uri")
    );
    let mut blank = base.clone();
    blank["workflow_run_id"] = json!("   ");
    let (status, body, _) = post(&path, &blank);
    assert_eq!(status, 422);
    assert!(body["detail"].as_str().unwrap().contains("workflow_run_id"));
    let mut no_results = base.clone();
    no_results["results_url"] = Value::Null;
    let (status, _, _) = post(&path, &no_results);
    assert_eq!(status, 422);

    // Batch refuses: 502 with its message, and still no secret anywhere.
    let mut refused = base.clone();
    refused["project_id"] = json!("refuse-me");
    refused["data_connections_env_vars"] = json!({"ER_TOKEN": SECRET});
    let (status, body, text) = post(&path, &refused);
    assert_eq!(status, 502, "{text}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("Permission denied")
    );
    assert_no_secret("a 502", &text);
    assert_no_secret("the server logs", &logs());
}

#[test]
fn bodies_over_the_limit_are_413() {
    let s = server();
    let big =
        json!({"params": {"total": {"a": 1, "b": 1}}, "padding": "x".repeat(BODY_LIMIT + 1024)});
    let (status, body, _) = post(&run_path(ADD), &big);
    assert_eq!(status, 413, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("larger"));

    // A declared length over the limit is refused before the body is read.
    let addr = s.base.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST /?matchspec={ADD} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 52428800\r\n\r\n{{"
    )
    .unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 413");

    // A body of unknown length (chunked) is cut at the limit.
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let chunk = format!("{{\"params\": \"{}\"}}", "y".repeat(BODY_LIMIT));
    let request = format!(
        "POST /?matchspec={ADD} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("larger than the limit"), "{answer}");
}

#[test]
fn malformed_requests_are_4xx_with_a_message() {
    server();
    let run = run_path(ADD);
    let ok_params = json!({"total": {"a": 1, "b": 1}});
    let cases: Vec<(String, String, u16, &str)> = vec![
        (run.clone(), "{\"params\": ".into(), 400, "not valid JSON"),
        (run.clone(), "".into(), 400, "empty"),
        (run.clone(), "[1, 2]".into(), 422, "JSON object"),
        (
            run.clone(),
            json!({}).to_string(),
            422,
            "`params` is required",
        ),
        (
            run.clone(),
            json!({"params": [1]}).to_string(),
            422,
            "`params` must be an object",
        ),
        (
            run.clone(),
            json!({"params": ok_params, "mock_io": "maybe"}).to_string(),
            422,
            "mock_io",
        ),
        (
            run.clone(),
            json!({"params": ok_params, "timeout": -1}).to_string(),
            422,
            "timeout",
        ),
        (
            run.clone(),
            json!({"params": ok_params, "timeout": "soon"}).to_string(),
            422,
            "timeout",
        ),
        (
            run.clone(),
            json!({"params": ok_params, "execution_mode": "distributed"}).to_string(),
            422,
            "execution_mode",
        ),
        (
            run.clone(),
            json!({"params": ok_params, "results_url": "relative/dir"}).to_string(),
            422,
            "relative",
        ),
        (
            run.clone(),
            json!({"params": ok_params, "results_url": "s3://b/p"}).to_string(),
            422,
            "file://",
        ),
        (
            run.clone(),
            json!({"params": ok_params, "data_connections_env_vars": ["x"]}).to_string(),
            422,
            "data_connections_env_vars",
        ),
        (
            run.clone(),
            json!({"params": ok_params, "lithops_config": "x"}).to_string(),
            422,
            "lithops_config",
        ),
        (
            format!("{run}&invoker_type=SandboxInvoker"),
            json!({"params": ok_params}).to_string(),
            422,
            "invoker_type",
        ),
        (
            format!("{run}&mock_io=perhaps"),
            json!({"params": ok_params}).to_string(),
            422,
            "mock_io",
        ),
        ("/no/such/endpoint".into(), "{}".into(), 404, "no endpoint"),
    ];
    // Results only under the results root and the allowed folders: not /etc, not /proc, not
    // through `..`, not through a symlink inside an allowed folder.
    let link_dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/etc", link_dir.path().join("etc")).unwrap();
    let inside = link_dir.path().display().to_string();
    let mut cases = cases;
    for outside in [
        "file:///etc".to_string(),
        "/proc/self".to_string(),
        format!("file://{inside}/../../../etc"),
        format!("{inside}/etc"),
        format!("{inside}/etc/sub"),
    ] {
        cases.push((
            run.clone(),
            json!({"params": ok_params, "results_url": outside}).to_string(),
            422,
            "outside the folders this server writes results to",
        ));
    }
    // Lithops settings that open files, name programs or start unbounded workers: only the
    // operator may set the first two, and no one the third.
    let written = tempfile::tempdir().unwrap();
    let log_file = written.path().join("lithops.log");
    cases.push((
        run.clone(),
        json!({"params": ok_params, "execution_mode": "async", "lithops_config": {"lithops": {
            "backend": "localhost", "storage": "localhost", "log_level": "DEBUG",
            "log_filename": log_file, "monitoring": "storage\ntouch /tmp/x #\n"}}})
        .to_string(),
        422,
        "`lithops_config.lithops.log_level` is not a setting a request may choose",
    ));
    cases.push((
        run.clone(),
        json!({"params": ok_params, "execution_mode": "async", "lithops_config": {
            "localhost": {"runtime": "/bin/sh"}}})
        .to_string(),
        422,
        "`lithops_config.localhost.runtime` is not a setting",
    ));
    cases.push((
        run.clone(),
        json!({"params": ok_params, "execution_mode": "async", "lithops_config": {
            "lithops": {"workers": 100000}, "localhost": {"worker_processes": 100000}}})
        .to_string(),
        422,
        "`lithops_config.lithops.workers` must be a whole number from 1 to",
    ));
    for (path, body, want, says) in cases {
        let (status, answer, text) = post_text(&path, &body);
        assert_eq!(status, want, "{path} {body}: {text}");
        let detail = answer["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(says), "{path} {body}: {text}");
    }
    assert!(
        !log_file.exists(),
        "a request wrote a file through Lithops' logging"
    );
    let r = agent().put(&url("/")).send("{}").unwrap();
    let (status, body, _) = read(r);
    assert_eq!(status, 405);
    assert!(body["detail"].as_str().is_some());
}

#[test]
fn the_openapi_document_lists_every_path() {
    server();
    let (status, doc, _) = get("/openapi.json");
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/",
        "/runs/{run_id}",
        "/workflows",
        "/rjsf",
        "/params",
        "/data-connection-property-names",
        "/formdata-to-params",
        "/params-to-formdata",
        "/run-from-pubsub",
        "/openapi.json",
    ] {
        assert!(paths.contains_key(path), "{path} is missing");
    }
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            assert!(op["responses"].is_object(), "{method} {path}");
        }
    }
    // Every $ref resolves.
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r.strip_prefix("#/components/schemas/").unwrap();
        assert!(doc["components"]["schemas"][name].is_object(), "{r}");
    }
}

#[test]
fn cors_and_gzip() {
    server();
    let r = agent()
        .options(&url("/"))
        .header("Origin", "https://app.example.org")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type,traceparent")
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let h = |name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    assert_eq!(h("access-control-allow-origin").as_deref(), Some("*"));
    assert!(h("access-control-allow-methods").unwrap().contains("POST"));
    assert!(h("access-control-allow-headers").is_some());

    // Large answers are gzipped for clients that accept it; small ones are not.
    let mut r = agent()
        .get(&url("/openapi.json"))
        .header("Accept-Encoding", "gzip")
        .call()
        .unwrap();
    assert_eq!(
        r.headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap()),
        Some("gzip")
    );
    let bytes = r.body_mut().read_to_vec().unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b]);
    let r = agent()
        .get(&url("/"))
        .header("Accept-Encoding", "gzip")
        .call()
        .unwrap();
    assert!(r.headers().get("content-encoding").is_none());
}

/// SIGTERM with runs still going after the grace period: the blocking client gets a 503, and
/// both the blocking and the asynchronous run leave a result.json saying the server stopped;
/// so do the runs still waiting for a slot (answered 202 before), saying they never started.
#[test]
fn shutdown_answers_503_and_leaves_result_json() {
    let s = server();
    let results = tempfile::tempdir().unwrap();
    let (mut child, base) = spawn_wt_serve(
        &s.root,
        "//workflows/sleeper",
        results.path(),
        &["--shutdown-grace", "1", "--max-concurrent-runs", "2"],
    );
    let params = json!({"params": {"nap": {"seconds": 60}}});
    let blocking_dir = results.path().join("blocking");
    let pid_file = results.path().join("blocking.pids");
    let body = json!({
        "params": {"nap": {"seconds": 60, "pid_file": pid_file.display().to_string()}},
        "results_url": blocking_dir.display().to_string(),
    });
    let url = format!("{base}/");
    let blocking = std::thread::spawn(move || {
        let r = agent().post(&url).send(body.to_string()).unwrap();
        read(r)
    });
    // The blocking run holds its slot (its task wrote its pid) before the others are sent, so
    // it is the one that was running, not one still waiting, when the server stops.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !pid_file.exists() {
        assert!(Instant::now() < deadline, "the blocking run did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    // An async run answered 202, writing under `name`.
    let accepted = |name: &str| -> PathBuf {
        let dir = results.path().join(name);
        let mut body = params.clone();
        body["results_url"] = json!(dir.display().to_string());
        let r = agent()
            .post(&format!("{base}/?invoker_type=AsyncLocalSubprocessInvoker"))
            .send(body.to_string())
            .unwrap();
        assert_eq!(read(r).0, 202);
        dir
    };
    let async_dir = accepted("async");
    let queued: Vec<PathBuf> = (0..3).map(|i| accepted(&format!("queued-{i}"))).collect();
    std::thread::sleep(Duration::from_secs(2));
    // SAFETY: kill has no memory-safety preconditions.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let (status, answer, text) = blocking.join().unwrap();
    assert_eq!(status, 503, "{text}");
    assert!(
        answer["detail"].as_str().unwrap().contains("shutting down"),
        "{text}"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "wt serve did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Runs that had started, then runs that were still waiting for a slot.
    let stopped = [blocking_dir, async_dir]
        .map(|dir| (dir, "The server stopped before the workflow finished"));
    let never_started = queued
        .into_iter()
        .map(|dir| (dir, "The server shut down before the run started"));
    for (dir, says) in stopped.into_iter().chain(never_started) {
        let written = result_json(&dir);
        assert!(
            written["error"].as_str().unwrap().contains(says),
            "{written}"
        );
    }
}

/// `reuse`: refused unless the operator allows it; with `--allow-reuse`, a second identical
/// run reuses the stored result instead of running the task (which would write its pid file
/// again), and a run with other secrets does not.
#[test]
fn reuse_is_the_operators_choice() {
    let s = server();
    let (status, body, _) = post(
        &run_path("wt-sleeper-workflow"),
        &json!({"params": {"nap": {"seconds": 0}}, "reuse": true}),
    );
    assert_eq!(status, 422, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("--allow-reuse"),
        "{body}"
    );

    let results = tempfile::tempdir().unwrap();
    let store = results.path().join("store");
    let (mut child, base) = spawn_wt_serve(
        &s.root,
        "//workflows/sleeper",
        results.path(),
        &["--allow-reuse", "--results-store", store.to_str().unwrap()],
    );
    let pid_file = results.path().join("pid");
    let run = |secret: &str| {
        let _ = std::fs::remove_file(&pid_file);
        let body = json!({"params": {"nap": {"seconds": 0, "pid_file": pid_file}},
            "reuse": true, "data_connections_env_vars": {"TOKEN": secret}});
        let r = agent()
            .post(&format!("{base}/"))
            .send(body.to_string())
            .unwrap();
        let (status, body, _) = read(r);
        assert_eq!(status, 200, "{body}");
        pid_file.exists()
    };
    let ran = [
        run("first-secret"),
        run("first-secret"),
        run("other-secret"),
    ];
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(ran, [true, false, true]);
    assert!(store.join("blobs").is_dir());
}

/// A workflow's `${{ env.X }}` settings are named when the server starts, with a warning when
/// unset; `--env NAME=VALUE` sets them for every run, unmasked (they are settings, not secrets).
#[test]
fn settings_are_named_at_start_and_set_with_env() {
    let s = server();
    let results = tempfile::tempdir().unwrap();
    let (mut child, _, log) =
        spawn_wt_serve_logged(&s.root, "//workflows/setting", results.path(), &[]);
    let _ = child.kill();
    let _ = child.wait();
    let log = log.join("\n");
    assert!(
        log.contains("//workflows/setting reads the setting WT_TEST_SETTING (workflows/setting/spec.yaml line 9: `name` of task `read`), which is not set"),
        "{log}"
    );
    assert!(log.contains("--env WT_TEST_SETTING=VALUE"), "{log}");

    let (mut child, base, log) = spawn_wt_serve_logged(
        &s.root,
        "//workflows/setting",
        results.path(),
        &["--env", "WT_TEST_SETTING=WT_TEST_SETTING"],
    );
    let r = agent()
        .post(&format!("{base}/"))
        .send(json!({"params": {}}).to_string())
        .unwrap();
    let (status, body, _) = read(r);
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        log.join("\n").contains("reads the setting WT_TEST_SETTING"),
        "{log:?}"
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"], "WT_TEST_SETTING");
}

/// `--workers-per-run N` reaches every run's command line (the default server's runs have no
/// `--workers`: see `trace_headers_and_lithops_config_reach_the_workflow_and_temp_files_go`),
/// and 0 is refused.
#[test]
fn workers_per_run_bound_each_run() {
    let s = server();
    let results = tempfile::tempdir().unwrap();
    let (mut child, base) = spawn_wt_serve(
        &s.root,
        "//workflows/argv",
        results.path(),
        &["--workers-per-run", "3"],
    );
    let r = agent()
        .post(&format!("{base}/"))
        .send(json!({"params": {"cmd": {"tag": "x"}}, "execution_mode": "parallel"}).to_string())
        .unwrap();
    let (status, body, _) = read(r);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 200, "{body}");
    let argv: Vec<&str> = body["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let at = argv.iter().position(|a| *a == "--execution-mode").unwrap();
    assert_eq!(
        &argv[at..],
        [
            "--execution-mode",
            "parallel",
            "--no-mock-io",
            "--workers",
            "3"
        ]
    );
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_wt"))
        .args(["serve", "--workers-per-run", "0"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--workers-per-run"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

#[test]
fn the_wt_serve_command_builds_and_serves() {
    let s = server();
    let results = tempfile::tempdir().unwrap();
    let (mut child, base) =
        spawn_wt_serve(&s.root, "//workflows/add_then_double", results.path(), &[]);
    let (status, body, _) = match agent().get(&format!("{base}/")).call() {
        Ok(r) => read(r),
        Err(e) => panic!("{e}"),
    };
    let r = agent()
        .post(&format!("{base}/"))
        .send(json!({"params": {"total": {"a": 2, "b": 2}}}).to_string())
        .unwrap();
    let (run_status, run_body, _) = read(r);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!((status, body), (200, json!({"status": "ok"})));
    // One workflow served: no matchspec needed.
    assert_eq!((run_status, run_body["result"].clone()), (200, json!(8)));
}
