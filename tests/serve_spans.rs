//! `wt serve`'s spans, for real: servers in-process on 127.0.0.1 serving the example
//! workflows fan_out and safe_sqrt (built with the real engine, uv and CPython), one exporting
//! console JSON lines to a folder, one OTLP/HTTP JSON to a receiver on 127.0.0.1 in this test.
//! Every span of a request (the request's, the run's, the workflow's, each task instance's and
//! each mapped element's) must be in the caller's trace, each with the right parent. Also the
//! run records built on them: a run's per-task progress, kept across a server's restart.

use crate::support::{fs, served};

use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wt::server::ServerConfig;
use wt::server::spans::{Destination, Spans};

const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const CALLER_SPAN: &str = "b7ad6b7169203331";
const FAN_OUT: &str =
    r#"{"pairs": {"bases": [1, 2, 3]}, "scores": {"names": ["ab", "c"]}, "summary": {"count": 2}}"#;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The example workflows, built once for every server of this binary.
fn workflows() -> Vec<wt::server::ServedWorkflow> {
    static BUILT: Mutex<Option<(tempfile::TempDir, Vec<wt::server::ServedWorkflow>)>> =
        Mutex::new(None);
    let mut built = BUILT.lock().unwrap();
    if built.is_none() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("wt.toml"), "[workspace]\n").unwrap();
        fs::copy_dir(
            &repo().join("examples/wt-example-tasks"),
            &root.join("examples/wt-example-tasks"),
        );
        for name in ["fan_out", "safe_sqrt"] {
            fs::copy_dir(
                &repo().join("workflows").join(name),
                &root.join("workflows").join(name),
            );
        }
        let workflows = served::build(&root, &repo().join("target/e2e-cache"));
        *built = Some((dir, workflows));
    }
    built.as_ref().unwrap().1.clone()
}

fn serve(destination: Option<Destination>, results: &Path) -> String {
    let mut config = ServerConfig::new(results.to_path_buf());
    config.spans = destination.map(|d| Arc::new(Spans::new(d)));
    served::start(workflows(), config)
}

/// A blocking run with the caller's trace context; (status, answer).
fn run(base: &str, release: &str, mode: &str, params: &str) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into();
    let mut answer = agent
        .post(&format!(
            "{base}/?matchspec={release}&execution_mode={mode}"
        ))
        .header("traceparent", format!("00-{TRACE}-{CALLER_SPAN}-01"))
        .header("tracestate", "vendor=x")
        .send(format!(r#"{{"params": {params}}}"#))
        .unwrap();
    let status = answer.status().as_u16();
    let text = answer.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&text).unwrap())
}

/// A span as the tests read it, from either format.
#[derive(Debug, Clone)]
struct Seen {
    name: String,
    trace: String,
    id: String,
    parent: Option<String>,
    attributes: Value,
    error: bool,
}

fn from_console(line: &str) -> Seen {
    let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    let hex = |v: &Value| v.as_str().map(|s| s.trim_start_matches("0x").to_string());
    Seen {
        name: v["name"].as_str().unwrap().to_string(),
        trace: hex(&v["context"]["trace_id"]).unwrap(),
        id: hex(&v["context"]["span_id"]).unwrap(),
        parent: hex(&v["parent_id"]),
        attributes: v["attributes"].clone(),
        error: v["status"]["status_code"] == "ERROR",
    }
}

fn read_console(file: &Path) -> Vec<Seen> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(from_console)
        .collect()
}

fn from_otlp(body: &Value) -> Vec<Seen> {
    let mut out = Vec::new();
    for rs in body["resourceSpans"].as_array().unwrap() {
        for ss in rs["scopeSpans"].as_array().unwrap() {
            for s in ss["spans"].as_array().unwrap() {
                let mut attributes = serde_json::Map::new();
                for a in s["attributes"].as_array().unwrap() {
                    let v = &a["value"];
                    let value = v
                        .get("stringValue")
                        .cloned()
                        .or_else(|| v.get("boolValue").cloned())
                        .or_else(|| {
                            v.get("intValue")
                                .and_then(|i| i.as_str())
                                .map(|i| json!(i.parse::<i64>().unwrap()))
                        })
                        .unwrap_or(Value::Null);
                    attributes.insert(a["key"].as_str().unwrap().to_string(), value);
                }
                out.push(Seen {
                    name: s["name"].as_str().unwrap().to_string(),
                    trace: s["traceId"].as_str().unwrap().to_string(),
                    id: s["spanId"].as_str().unwrap().to_string(),
                    parent: s["parentSpanId"].as_str().map(str::to_string),
                    attributes: Value::Object(attributes),
                    error: s["status"]["code"] == 2,
                });
            }
        }
    }
    out
}

/// Checks the tree of one request's spans; returns the task instance spans by name.
fn check_tree(spans: &[Seen], release: &str) -> HashMap<String, Seen> {
    let by_id: HashMap<&str, &Seen> = spans.iter().map(|s| (s.id.as_str(), s)).collect();
    assert!(
        spans.iter().all(|s| s.trace == TRACE),
        "every span is in the caller's trace: {spans:#?}"
    );
    let request = spans.iter().find(|s| s.name.starts_with("POST /")).unwrap();
    assert_eq!(request.parent.as_deref(), Some(CALLER_SPAN));
    let run = spans
        .iter()
        .find(|s| s.name == format!("run {release}"))
        .unwrap();
    assert_eq!(run.parent.as_deref(), Some(request.id.as_str()));
    assert_eq!(run.attributes["wt.status"], "succeeded", "{run:?}");
    let ran = run.attributes["wt.tasks.succeeded"].as_i64().unwrap()
        + run.attributes["wt.tasks.skipped"].as_i64().unwrap();
    assert_eq!(
        ran as usize,
        spans
            .iter()
            .filter(|s| s.attributes.get("wt.task_instance_id").is_some()
                && s.attributes.get("wt.element.index").is_none())
            .count(),
        "the run span counts its task instances: {run:?}"
    );
    let workflow = spans.iter().find(|s| s.name == release).unwrap();
    assert_eq!(workflow.parent.as_deref(), Some(run.id.as_str()));
    let mut instances = HashMap::new();
    for s in spans {
        if s.attributes.get("wt.task_instance_id").is_none() {
            continue;
        }
        let parent = by_id[s.parent.as_deref().unwrap()];
        if s.attributes.get("wt.element.index").is_some() {
            assert_eq!(
                parent.attributes["wt.task_instance_id"], s.attributes["wt.task_instance_id"],
                "an element's parent is its instance"
            );
        } else {
            assert_eq!(parent.id, workflow.id, "an instance's parent is the run");
            instances.insert(s.name.clone(), s.clone());
        }
    }
    instances
}

fn elements_of<'a>(spans: &'a [Seen], instance: &str) -> Vec<&'a Seen> {
    spans
        .iter()
        .filter(|s| {
            s.attributes["wt.task_instance_id"] == instance
                && s.attributes.get("wt.element.index").is_some()
        })
        .collect()
}

#[test]
fn console_spans_of_every_instance_and_element_share_the_callers_trace() {
    let traces = tempfile::tempdir().unwrap();
    let results = tempfile::tempdir().unwrap();
    let base = serve(
        Some(Destination::Folder(traces.path().to_path_buf())),
        results.path(),
    );
    let file = traces.path().join("otel_traces.jsonl");
    for mode in ["sequential", "parallel"] {
        let _ = std::fs::remove_file(&file);
        let (status, body) = run(&base, "wt-fan-out-workflow", mode, FAN_OUT);
        assert_eq!(status, 200, "{body}");
        let spans = read_console(&file);
        let instances = check_tree(&spans, "wt-fan-out-workflow");
        assert_eq!(instances.len(), 7, "{mode}: {:?}", instances.keys());
        assert_eq!(instances["powers"].attributes["wt.elements"], 3);
        assert_eq!(instances["summary"].attributes["wt.state"], "succeeded");
        assert_eq!(elements_of(&spans, "powers").len(), 3, "{mode}");
        let keys: Vec<&Value> = elements_of(&spans, "scaled")
            .iter()
            .map(|s| &s.attributes["wt.element.key"])
            .collect();
        assert_eq!(keys.len(), 2, "{mode}: {keys:?}");
    }

    // Skipped instances say so.
    let _ = std::fs::remove_file(&file);
    let (status, body) = run(
        &base,
        "wt-safe-sqrt-workflow",
        "sequential",
        r#"{"difference": {"a": -5, "b": 1}}"#,
    );
    assert_eq!(status, 200, "{body}");
    let spans = read_console(&file);
    let instances = check_tree(&spans, "wt-safe-sqrt-workflow");
    assert_eq!(instances["root"].attributes["wt.state"], "skipped");
    assert_eq!(instances["difference"].attributes["wt.state"], "succeeded");
    assert!(spans.iter().all(|s| !s.error));

    // A Pub/Sub message continues the trace context it carries.
    let _ = std::fs::remove_file(&file);
    let message = json!({"payload": {
        "match_spec": "wt-fan-out-workflow",
        "invoker_type": "BlockingLocalSubprocessInvoker",
        "invoker_kwargs": {
            "params": serde_json::from_str::<Value>(FAN_OUT).unwrap(),
            "trace_context": {"traceparent": format!("00-{TRACE}-{CALLER_SPAN}-01")},
        },
    }});
    use base64::Engine;
    let data = base64::engine::general_purpose::STANDARD.encode(message.to_string());
    let mut answer = ureq::post(&format!("{base}/run-from-pubsub"))
        .send(json!({"message": {"data": data, "messageId": "1"}}).to_string())
        .unwrap();
    let body = answer.body_mut().read_to_string().unwrap();
    assert!(body.contains("processed"), "{body}");
    let spans = read_console(&file);
    assert!(spans.iter().any(|s| s.name == "POST /run-from-pubsub"));
    assert_eq!(check_tree(&spans, "wt-fan-out-workflow").len(), 7);
}

/// An OTLP/HTTP receiver on 127.0.0.1: the JSON bodies it got. Serves at most 200 requests.
fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/traces", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let store = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(200) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            let mut length = 0;
            let mut json_type = false;
            let mut tenant = false;
            reader.read_line(&mut line).unwrap();
            let post = line.starts_with("POST /v1/traces ");
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                if lower.starts_with("content-type: application/json") {
                    json_type = true;
                }
                // The headers of OTEL_EXPORTER_OTLP_HEADERS travel with every export.
                if lower.trim() == "x-tenant: wt tests" {
                    tenant = true;
                }
                if line.trim().is_empty() {
                    break;
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            if post && json_type && tenant {
                store
                    .lock()
                    .unwrap()
                    .push(serde_json::from_slice(&body).unwrap());
            }
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
            );
        }
    });
    (url, got)
}

#[test]
fn otlp_spans_reach_a_receiver_in_one_trace() {
    let (endpoint, got) = receiver();
    let results = tempfile::tempdir().unwrap();
    let base = serve(
        Some(Destination::Otlp {
            endpoint,
            headers: vec![("x-tenant".into(), "wt tests".into())],
        }),
        results.path(),
    );
    let (status, body) = run(&base, "wt-fan-out-workflow", "sequential", FAN_OUT);
    assert_eq!(status, 200, "{body}");
    // The server posts its spans in the background: wait for the request's and the run's.
    let deadline = Instant::now() + Duration::from_secs(20);
    let spans = loop {
        let spans: Vec<Seen> = got.lock().unwrap().iter().flat_map(from_otlp).collect();
        let has = |name: &str| spans.iter().any(|s| s.name == name);
        if has("POST /") && has("run wt-fan-out-workflow") {
            break spans;
        }
        assert!(
            Instant::now() < deadline,
            "no request or run span: {spans:#?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let instances = check_tree(&spans, "wt-fan-out-workflow");
    assert_eq!(instances.len(), 7);
    assert_eq!(elements_of(&spans, "powers").len(), 3);
}

fn get(url: &str) -> Value {
    let mut answer = ureq::get(url).call().unwrap();
    serde_json::from_str(&answer.body_mut().read_to_string().unwrap()).unwrap()
}

#[test]
fn a_runs_progress_and_record_outlive_its_server() {
    let results = tempfile::tempdir().unwrap();
    let base = serve(None, results.path());
    let mut answer = ureq::post(&format!(
        "{base}/?matchspec=wt-fan-out-workflow&invoker_type=AsyncLocalSubprocessInvoker"
    ))
    .send(format!(r#"{{"params": {FAN_OUT}}}"#))
    .unwrap();
    let started: Value =
        serde_json::from_str(&answer.body_mut().read_to_string().unwrap()).unwrap();
    let id = started["run_id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    let record = loop {
        let record = get(&format!("{base}/runs/{id}"));
        if record["status"] != "running" {
            break record;
        }
        assert!(Instant::now() < deadline, "the run did not end: {record}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(record["status"], "succeeded", "{record}");
    let tasks = &record["tasks"];
    assert_eq!(tasks.as_object().unwrap().len(), 7, "{tasks}");
    assert_eq!(tasks["powers"]["elements"], 3);
    assert_eq!(tasks["powers"]["elements_done"], 3);
    assert_eq!(tasks["summary"]["state"], "succeeded");

    // Another server on the same results root knows the run, its result and its progress.
    let again = serve(None, results.path());
    let listed = get(&format!("{again}/runs"));
    assert_eq!(listed["runs"][0]["run_id"], id.as_str(), "{listed}");
    let reread = get(&format!("{again}/runs/{id}"));
    assert_eq!(reread["result"], record["result"]);
    assert_eq!(reread["params"], record["params"]);
    assert_eq!(reread["tasks"], record["tasks"]);
}
