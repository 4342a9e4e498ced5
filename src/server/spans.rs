//! The server's spans: one per run request, one per run, in the caller's W3C trace.
//!
//! Configured as the published runner is (docs/compatibility.md, “Runner”), from the
//! environment of `wt serve`:
//! - `ECOSCOPE_WORKFLOWS_OTEL_EXPORTER`: `console` or `gcp` (unset: no spans);
//! - `ECOSCOPE_WORKFLOWS_OTEL_CONSOLE_EXPORTER_DST`: `stdout` or `file` (the default);
//! - `ECOSCOPE_WORKFLOWS_OTEL_CONSOLE_EXPORTER_FILE_DST_TARGET_DIR`: the folder of
//!   `otel_traces.jsonl` (required with `file`).
//!
//! `console` writes each span as one JSON line, in opentelemetry-sdk's
//! `ReadableSpan.to_json(indent=None)` form. `gcp` posts OTLP/HTTP JSON to the endpoint of the
//! standard variables (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT`
//! followed by `/v1/traces`, default `http://localhost:4318`; headers from
//! `OTEL_EXPORTER_OTLP_HEADERS`), where an OpenTelemetry Collector forwards them (to Cloud
//! Trace, or anywhere).
//!
//! A request's span continues its `traceparent`/`tracestate`; its run's span is the request
//! span's child, and the workflow gets the run span as its `TRACEPARENT`, with the same
//! exporter (`--otel-exporter`), so its spans (the run, each task instance, each mapped
//! element: the package's `spans.py`) land in the same place and the same trace.

use super::invoker::TraceContext;
use serde_json::{Value as Json, json};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const EXPORTER_VAR: &str = "ECOSCOPE_WORKFLOWS_OTEL_EXPORTER";
pub const CONSOLE_DST_VAR: &str = "ECOSCOPE_WORKFLOWS_OTEL_CONSOLE_EXPORTER_DST";
pub const TARGET_DIR_VAR: &str = "ECOSCOPE_WORKFLOWS_OTEL_CONSOLE_EXPORTER_FILE_DST_TARGET_DIR";
const OTLP_TIMEOUT: Duration = Duration::from_secs(10);

/// Where spans go.
#[derive(Debug, Clone, PartialEq)]
pub enum Destination {
    Stdout,
    /// `otel_traces.jsonl` in this folder.
    Folder(PathBuf),
    /// OTLP/HTTP JSON to this URL, with these headers.
    Otlp {
        endpoint: String,
        headers: Vec<(String, String)>,
    },
}

/// The server's span exporter.
#[derive(Debug)]
pub struct Spans {
    pub destination: Destination,
    resource: Vec<(String, Json)>,
    /// One writer at a time, so lines never interleave.
    lock: Mutex<()>,
}

impl Spans {
    /// From the environment (`var`: how to read a variable); None when no exporter is set.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Option<Arc<Spans>>, String> {
        let get = |name: &str| {
            var(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let destination = match get(EXPORTER_VAR).as_deref() {
            None => return Ok(None),
            Some("console") => match get(CONSOLE_DST_VAR).as_deref() {
                Some("stdout") => Destination::Stdout,
                None | Some("file") => match get(TARGET_DIR_VAR) {
                    Some(dir) => Destination::Folder(crate::workspace::absolute(dir.as_ref())),
                    None => {
                        return Err(format!(
                            "{EXPORTER_VAR}=console writes spans to a file by default: set {TARGET_DIR_VAR} to its folder, or {CONSOLE_DST_VAR}=stdout"
                        ));
                    }
                },
                Some(other) => {
                    return Err(format!(
                        "{CONSOLE_DST_VAR}={other:?} is not a destination: use stdout or file"
                    ));
                }
            },
            Some("gcp") => {
                let endpoint = match get(crate::env_vars::OTEL_TRACES_ENDPOINT) {
                    Some(url) => url,
                    None => format!(
                        "{}/v1/traces",
                        get("OTEL_EXPORTER_OTLP_ENDPOINT")
                            .unwrap_or_else(|| "http://localhost:4318".into())
                            .trim_end_matches('/')
                    ),
                };
                if let Some(protocol) = get("OTEL_EXPORTER_OTLP_PROTOCOL")
                    .or_else(|| get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"))
                    .filter(|p| p != "http/json")
                {
                    return Err(format!(
                        "spans are exported as OTLP/HTTP JSON; OTEL_EXPORTER_OTLP_PROTOCOL={protocol} is not supported (unset it or use http/json)"
                    ));
                }
                let mut headers = Vec::new();
                for name in [
                    "OTEL_EXPORTER_OTLP_HEADERS",
                    "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
                ] {
                    for pair in get(name).unwrap_or_default().split(',') {
                        if let Some((k, v)) = pair.split_once('=') {
                            let decode = |s: &str| {
                                percent_encoding::percent_decode_str(s.trim())
                                    .decode_utf8_lossy()
                                    .into_owned()
                            };
                            headers.push((decode(k), decode(v)));
                        }
                    }
                }
                Destination::Otlp { endpoint, headers }
            }
            Some(other) => {
                return Err(format!(
                    "{EXPORTER_VAR}={other:?} is not an exporter: use console or gcp"
                ));
            }
        };
        Ok(Some(Arc::new(Spans::new(destination))))
    }

    pub fn new(destination: Destination) -> Spans {
        Spans {
            destination,
            resource: vec![
                ("telemetry.sdk.language".into(), json!("rust")),
                ("telemetry.sdk.name".into(), json!("wt")),
                ("service.name".into(), json!("wt-serve")),
                ("service.version".into(), json!(env!("CARGO_PKG_VERSION"))),
            ],
            lock: Mutex::new(()),
        }
    }

    /// The generated CLI's arguments that send a workflow's spans to the same place.
    pub fn workflow_args(&self) -> [&'static str; 4] {
        match self.destination {
            Destination::Otlp { .. } => [
                "--otel-exporter",
                "gcp",
                "--otel-console-exporter-dst",
                "stdout",
            ],
            _ => [
                "--otel-exporter",
                "console",
                "--otel-console-exporter-dst",
                "file",
            ],
        }
    }

    /// The environment a workflow's exporter reads (with [`Spans::workflow_args`]);
    /// `run_folder`: where a run's spans wait to be copied to stdout.
    pub fn workflow_env(&self, run_folder: Option<&std::path::Path>) -> Vec<(String, String)> {
        match &self.destination {
            Destination::Stdout => run_folder
                .map(|f| vec![(TARGET_DIR_VAR.to_string(), f.display().to_string())])
                .unwrap_or_default(),
            Destination::Folder(dir) => {
                vec![(TARGET_DIR_VAR.to_string(), dir.display().to_string())]
            }
            Destination::Otlp { endpoint, headers } => {
                let mut env = vec![(
                    crate::env_vars::OTEL_TRACES_ENDPOINT.to_string(),
                    endpoint.clone(),
                )];
                if !headers.is_empty() {
                    let encode = |s: &str| {
                        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
                            .to_string()
                    };
                    let text: Vec<String> = headers
                        .iter()
                        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                        .collect();
                    env.push(("OTEL_EXPORTER_OTLP_TRACES_HEADERS".into(), text.join(",")));
                }
                env
            }
        }
    }

    /// Starts a span continuing `parent` (a new trace when it has no valid `traceparent`).
    pub fn start(&self, name: &str, kind: Kind, parent: &TraceContext) -> Span {
        let (trace_id, parent_id) = match parent.traceparent.as_deref().and_then(parse_traceparent)
        {
            Some((trace, span)) => (trace, Some(span)),
            None => (random_hex(16), None),
        };
        Span {
            name: name.to_string(),
            kind,
            trace_id,
            span_id: random_hex(8),
            parent_id,
            trace_state: parent.tracestate.clone().unwrap_or_default(),
            start: SystemTime::now(),
            attributes: Vec::new(),
            error: None,
        }
    }

    /// Ends `span` now and exports it (OTLP: in the background).
    pub fn end(self: &Arc<Self>, mut span: Span) {
        let end = SystemTime::now();
        match &self.destination {
            Destination::Stdout => {
                let line = span.console_json(end, &self.resource);
                let _guard = self.lock.lock();
                println!("{line}");
            }
            Destination::Folder(dir) => {
                let line = span.console_json(end, &self.resource);
                self.append(dir, &[line]);
            }
            Destination::Otlp { .. } => {
                span.attributes.sort_by(|a, b| a.0.cmp(&b.0));
                let body = otlp_body(&span, end, &self.resource);
                let this = self.clone();
                tokio::task::spawn_blocking(move || this.post(&body));
            }
        }
    }

    /// Copies a run's span lines (written to its own folder) to stdout.
    pub fn forward_lines(&self, lines: &str) {
        let _guard = self.lock.lock();
        let mut out = std::io::stdout().lock();
        for line in lines.lines().filter(|l| !l.trim().is_empty()) {
            let _ = writeln!(out, "{line}");
        }
    }

    fn append(&self, dir: &std::path::Path, lines: &[String]) {
        let _guard = self.lock.lock();
        let written = std::fs::create_dir_all(dir).and_then(|_| {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join("otel_traces.jsonl"))?;
            let mut text = lines.join("\n");
            text.push('\n');
            file.write_all(text.as_bytes())
        });
        if let Err(e) = written {
            tracing::warn!("could not write spans to {}: {e}", dir.display());
        }
    }

    fn post(&self, body: &Json) {
        let Destination::Otlp { endpoint, headers } = &self.destination else {
            return;
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(OTLP_TIMEOUT))
            .http_status_as_error(false)
            .tls_config(crate::http_tls::config())
            .build()
            .into();
        let mut request = agent
            .post(endpoint)
            .header("Content-Type", "application/json");
        for (k, v) in headers {
            request = request.header(k, v);
        }
        match request.send(body.to_string()) {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => tracing::warn!("the span endpoint {endpoint} answered {}", r.status()),
            Err(e) => tracing::warn!("could not export spans to {endpoint}: {e}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Server,
    Internal,
}

/// A span being recorded.
#[derive(Debug, Clone)]
pub struct Span {
    pub name: String,
    pub kind: Kind,
    pub trace_id: String,
    pub span_id: String,
    pub parent_id: Option<String>,
    pub trace_state: String,
    pub start: SystemTime,
    pub attributes: Vec<(String, Json)>,
    /// Set when it failed: the status description.
    pub error: Option<String>,
}

impl Span {
    /// The trace context its children continue.
    pub fn context(&self) -> TraceContext {
        TraceContext {
            traceparent: Some(format!("00-{}-{}-01", self.trace_id, self.span_id)),
            tracestate: Some(self.trace_state.clone()).filter(|s| !s.is_empty()),
        }
    }

    pub fn set(&mut self, key: &str, value: impl Into<Json>) {
        self.attributes.push((key.to_string(), value.into()));
    }

    fn console_json(&self, end: SystemTime, resource: &[(String, Json)]) -> String {
        let mut status =
            json!({"status_code": if self.error.is_some() { "ERROR" } else { "UNSET" }});
        if let Some(e) = &self.error {
            status["description"] = json!(e);
        }
        let state: Vec<String> = self
            .trace_state
            .split(',')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| format!("{{key={}, value={}}}", k.trim(), v.trim()))
            .collect();
        json!({
            "name": self.name,
            "context": {
                "trace_id": format!("0x{}", self.trace_id),
                "span_id": format!("0x{}", self.span_id),
                "trace_state": python_list(&state),
            },
            "kind": match self.kind { Kind::Server => "SpanKind.SERVER", Kind::Internal => "SpanKind.INTERNAL" },
            "parent_id": self.parent_id.as_ref().map(|p| format!("0x{p}")),
            "start_time": iso(self.start),
            "end_time": iso(end),
            "status": status,
            "attributes": Json::Object(self.attributes.iter().cloned().collect()),
            "events": [],
            "links": [],
            "resource": {
                "attributes": Json::Object(resource.iter().cloned().collect()),
                "schema_url": "",
            },
        })
        .to_string()
    }
}

/// Python's `str()` of a list of strings.
fn python_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("'{s}'")).collect();
    format!("[{}]", quoted.join(", "))
}

fn otlp_value(value: &Json) -> Json {
    match value {
        Json::Bool(b) => json!({"boolValue": b}),
        Json::Number(n) if n.is_i64() || n.is_u64() => json!({"intValue": n.to_string()}),
        Json::Number(n) => json!({"doubleValue": n.as_f64()}),
        Json::Array(items) => {
            json!({"arrayValue": {"values": items.iter().map(otlp_value).collect::<Vec<_>>()}})
        }
        Json::String(s) => json!({"stringValue": s}),
        other => json!({"stringValue": other.to_string()}),
    }
}

fn otlp_attributes(attributes: &[(String, Json)]) -> Json {
    Json::Array(
        attributes
            .iter()
            .map(|(k, v)| json!({"key": k, "value": otlp_value(v)}))
            .collect(),
    )
}

fn nanos(at: SystemTime) -> String {
    at.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
        .to_string()
}

fn otlp_body(span: &Span, end: SystemTime, resource: &[(String, Json)]) -> Json {
    let mut out = json!({
        "traceId": span.trace_id,
        "spanId": span.span_id,
        "name": span.name,
        "kind": match span.kind { Kind::Internal => 1, Kind::Server => 2 },
        "startTimeUnixNano": nanos(span.start),
        "endTimeUnixNano": nanos(end),
        "attributes": otlp_attributes(&span.attributes),
        "status": {"code": if span.error.is_some() { 2 } else { 0 }},
    });
    if let Some(p) = &span.parent_id {
        out["parentSpanId"] = json!(p);
    }
    if !span.trace_state.is_empty() {
        out["traceState"] = json!(span.trace_state);
    }
    if let Some(e) = &span.error {
        out["status"]["message"] = json!(e);
    }
    json!({"resourceSpans": [{
        "resource": {"attributes": otlp_attributes(resource)},
        "scopeSpans": [{"scope": {"name": "wt"}, "spans": [out]}],
    }]})
}

/// `2026-01-02T03:04:05.123456Z`, as opentelemetry-sdk writes a time: nanoseconds through a
/// float of seconds, rounded half to even to the microsecond (Python's `fromtimestamp`).
fn iso(at: SystemTime) -> String {
    let seconds = at.duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos() as f64 / 1e9;
    let mut whole = seconds.trunc() as i64;
    let mut micros = ((seconds - seconds.trunc()) * 1e6).round_ties_even() as i64;
    if micros >= 1_000_000 {
        whole += 1;
        micros -= 1_000_000;
    }
    let (days, rem) = (whole.div_euclid(86_400), whole.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `(trace id, span id)` of a valid `traceparent` (version 00, ids not all zero).
fn parse_traceparent(text: &str) -> Option<(String, String)> {
    let text = text.trim().to_ascii_lowercase();
    let parts: Vec<&str> = text.split('-').collect();
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    match parts.as_slice() {
        ["00", trace, span, flags]
            if hex(trace, 32)
                && hex(span, 16)
                && hex(flags, 2)
                && trace.bytes().any(|b| b != b'0')
                && span.bytes().any(|b| b != b'0') =>
        {
            Some((trace.to_string(), span.to_string()))
        }
        _ => None,
    }
}

fn random_hex(bytes: usize) -> String {
    super::invoker::random_hex(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_iso_utc() {
        assert_eq!(iso(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        let at = UNIX_EPOCH + Duration::from_micros(1_796_000_000_123_456);
        assert_eq!(iso(at), "2026-11-30T00:53:20.123456Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(&iso(leap)[..10], "2000-02-29");
    }

    #[test]
    fn traceparents_are_checked() {
        let good = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        assert_eq!(
            parse_traceparent(good),
            Some((
                "0af7651916cd43dd8448eb211c80319c".into(),
                "b7ad6b7169203331".into()
            ))
        );
        for bad in [
            "",
            "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "00-00000000000000000000000000000000-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
            "00-0af7651916cd43dd-b7ad6b7169203331-01",
        ] {
            assert_eq!(parse_traceparent(bad), None, "{bad}");
        }
    }

    #[test]
    fn configuration_errors_name_the_variable() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(Spans::from_env(env(&[])).unwrap().is_none());
        let e = Spans::from_env(env(&[(EXPORTER_VAR, "console")])).unwrap_err();
        assert!(e.contains(TARGET_DIR_VAR), "{e}");
        let e = Spans::from_env(env(&[(EXPORTER_VAR, "jaeger")])).unwrap_err();
        assert!(e.contains("console or gcp"), "{e}");
        let spans = Spans::from_env(env(&[
            (EXPORTER_VAR, "gcp"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318/"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "x-token=a%20b"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(
            spans.destination,
            Destination::Otlp {
                endpoint: "http://127.0.0.1:4318/v1/traces".into(),
                headers: vec![("x-token".into(), "a b".into())],
            }
        );
    }
}
