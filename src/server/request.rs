//! Run options from a request: the query string and the JSON body, body winning.
//!
//! The peer takes `execution_mode`, `mock_io`, `results_url`, `workflow_run_id`, `timeout`
//! and `docker_image_uri` in the query string while its documentation puts some in the body;
//! we accept every option in both places. Query values are text (`mock_io=true`,
//! `timeout=2.5`), body values JSON (`"mock_io": true`, `"timeout": 2.5`; text is accepted
//! too). Each problem is a 422 naming the field.

use super::ServerConfig;
use super::error::ApiError;
use super::invoker::{
    BatchOptions, InvokerKind, ResultsLocation, RunRequest, TraceContext, random_hex,
};
use super::secrets::Secrets;
use super::workflows::{ServedWorkflow, shorten};
use axum::http::HeaderMap;
use serde_json::{Map, Value as Json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The options of one request.
#[derive(Debug, Clone, Default)]
pub struct Fields(Map<String, Json>);

impl Fields {
    /// Query parameters, overridden by body fields.
    pub fn merge(query: &HashMap<String, String>, body: Option<&Map<String, Json>>) -> Fields {
        let mut map: Map<String, Json> = query
            .iter()
            .map(|(k, v)| (k.clone(), Json::String(v.clone())))
            .collect();
        if let Some(body) = body {
            for (k, v) in body {
                map.insert(k.clone(), v.clone());
            }
        }
        Fields(map)
    }

    pub fn from_map(map: Map<String, Json>) -> Fields {
        Fields(map)
    }

    pub fn get(&self, key: &str) -> Option<&Json> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    pub fn string(&self, key: &str) -> Result<Option<String>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(format!("`{key}` must be a string, not {}", kind_of(other))),
        }
    }

    pub fn boolean(&self, key: &str) -> Result<Option<bool>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::Bool(b)) => Ok(Some(*b)),
            Some(Json::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(Some(true)),
                "false" | "0" | "no" | "off" => Ok(Some(false)),
                _ => Err(format!(
                    "`{key}` must be a boolean (true or false), not `{}`",
                    shorten(s)
                )),
            },
            Some(other) => Err(format!("`{key}` must be a boolean, not {}", kind_of(other))),
        }
    }

    pub fn number(&self, key: &str) -> Result<Option<f64>, String> {
        let n = match self.get(key) {
            None => return Ok(None),
            Some(Json::Number(n)) => n.as_f64(),
            Some(Json::String(s)) => s.trim().parse::<f64>().ok(),
            Some(other) => {
                return Err(format!("`{key}` must be a number, not {}", kind_of(other)));
            }
        };
        match n {
            Some(n) if n.is_finite() => Ok(Some(n)),
            _ => Err(format!("`{key}` must be a finite number")),
        }
    }

    pub fn count(&self, key: &str) -> Result<Option<u64>, String> {
        match self.number(key)? {
            None => Ok(None),
            Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= 1e15 => Ok(Some(n as u64)),
            Some(_) => Err(format!("`{key}` must be a non-negative integer")),
        }
    }
}

fn kind_of(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// `traceparent` / `tracestate` headers, when they are sane (visible ASCII, bounded).
pub fn trace_context(headers: &HeaderMap) -> TraceContext {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.len() <= 1024)
            .filter(|v| v.chars().all(|c| c.is_ascii_graphic() || c == ' '))
            .map(str::to_string)
    };
    TraceContext {
        traceparent: get("traceparent"),
        tracestate: get("tracestate"),
    }
}

/// Percent-decodes a URL path.
fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("a malformed %-escape")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "an escape that is not UTF-8".to_string())
}

/// Where a run's result.json goes: `results_url` as a `file://` URL or an absolute path (a
/// local folder, created if missing), another URL (`gs://…`, Cloud Batch only), or by
/// default `<results root>/<run id>/`. Relative paths, and local folders outside the results
/// root and the allowed folders, are refused.
pub fn results_location(
    raw: Option<&str>,
    config: &ServerConfig,
    run_id: &str,
    kind: InvokerKind,
) -> Result<ResultsLocation, String> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        if kind == InvokerKind::CloudBatch {
            return Err("`results_url` is required for the Cloud Batch invoker (e.g. gs://bucket/prefix): the job runs elsewhere".into());
        }
        return Ok(ResultsLocation::Local(config.results_root.join(run_id)));
    };
    if raw.contains('\0') {
        return Err("`results_url` contains a NUL character".into());
    }
    let path = if let Some(rest) = raw.strip_prefix("file://") {
        let rest = rest.strip_prefix("localhost").unwrap_or(rest);
        if !rest.starts_with('/') {
            return Err(format!(
                "`results_url` `{}` is not a local file URL: use file:///absolute/path",
                shorten(raw)
            ));
        }
        PathBuf::from(
            percent_decode(rest)
                .map_err(|e| format!("`results_url` `{}` has {e}", shorten(raw)))?,
        )
    } else if raw.starts_with('/') {
        PathBuf::from(raw)
    } else if let Some((scheme, _)) = raw.split_once("://")
        && !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        if kind != InvokerKind::CloudBatch {
            return Err(format!(
                "`results_url` `{}`: the local invokers write to the local file system; use a file:// URL or an absolute path",
                shorten(raw)
            ));
        }
        return Ok(ResultsLocation::Remote(raw.to_string()));
    } else {
        return Err(format!(
            "`results_url` `{}` is relative: give a file:// URL or an absolute path",
            shorten(raw)
        ));
    };
    let path = crate::workspace::normalize(&path);
    let roots = config.results_roots();
    if !super::results_confinement::allowed(&path, &roots) {
        return Err(super::results_confinement::refusal(&path, &roots));
    }
    Ok(ResultsLocation::Local(path))
}

/// Validates a run: the parameters against params.json (422 with items), every option, the
/// results location. The run id is chosen here.
pub fn run_request(
    config: &ServerConfig,
    workflow: Arc<ServedWorkflow>,
    kind: InvokerKind,
    fields: &Fields,
    trace: TraceContext,
) -> Result<RunRequest, ApiError> {
    let params = match fields.get("params") {
        Some(p @ Json::Object(_)) => p.clone(),
        Some(other) => {
            return Err(ApiError::unprocessable(format!(
                "`params` must be an object of parameters keyed by task instance id, not {}",
                kind_of(other)
            )));
        }
        None => {
            return Err(ApiError::unprocessable(
                "`params` is required: an object of parameters keyed by task instance id (see GET /params)",
            ));
        }
    };
    let violations = crate::schema::validate(&params, &workflow.params);
    if !violations.is_empty() {
        return Err(ApiError::validation(violations));
    }
    let execution_mode = fields
        .string("execution_mode")
        .map_err(ApiError::unprocessable)?
        .unwrap_or_else(|| "sequential".into());
    if <crate::run::ExecutionMode as clap::ValueEnum>::from_str(&execution_mode, false).is_err() {
        return Err(ApiError::unprocessable(format!(
            "execution_mode `{}` is not supported: use `sequential`, `parallel` (local worker processes) or `async` (Lithops)",
            shorten(&execution_mode)
        )));
    }
    let mock_io = fields
        .boolean("mock_io")
        .map_err(ApiError::unprocessable)?
        .unwrap_or(false);
    let reuse = fields
        .boolean("reuse")
        .map_err(ApiError::unprocessable)?
        .unwrap_or(false);
    if reuse && config.results_store.is_none() {
        return Err(ApiError::unprocessable(
            "`reuse` is off on this server: its operator allows it with `wt serve --allow-reuse`",
        ));
    }
    let workflow_run_id = fields
        .string("workflow_run_id")
        .map_err(ApiError::unprocessable)?
        .unwrap_or_default();
    if workflow_run_id.len() > 1024 || workflow_run_id.chars().any(char::is_control) {
        return Err(ApiError::unprocessable(
            "`workflow_run_id` must be at most 1024 characters without control characters",
        ));
    }
    let timeout = match fields.number("timeout").map_err(ApiError::unprocessable)? {
        Some(t) if t > 0.0 && t <= 1e9 => Some(Duration::from_secs_f64(t)),
        Some(_) => {
            return Err(ApiError::unprocessable(
                "`timeout` must be a positive number of seconds",
            ));
        }
        None => config.default_timeout,
    };
    let secrets =
        Secrets::parse(fields.get("data_connections_env_vars")).map_err(ApiError::unprocessable)?;
    let settings =
        super::run_settings::from_request(fields.get("settings"), &workflow, &config.settings)
            .map_err(ApiError::unprocessable)?;
    let requested = match fields.get("lithops_config") {
        None => None,
        Some(c @ Json::Object(_)) => Some(
            super::lithops_settings::from_request(c, config.worker_bound())
                .map_err(ApiError::unprocessable)?,
        ),
        Some(other) => {
            return Err(ApiError::unprocessable(format!(
                "`lithops_config` must be an object, not {}",
                kind_of(other)
            )));
        }
    };
    let lithops_config =
        super::lithops_settings::merged(config.lithops_operator.as_ref(), requested.as_ref());
    let batch = BatchOptions {
        docker_image_uri: fields
            .string("docker_image_uri")
            .map_err(ApiError::unprocessable)?,
        cpu_milli: fields.count("cpu_milli").map_err(ApiError::unprocessable)?,
        memory_mib: fields
            .count("memory_mib")
            .map_err(ApiError::unprocessable)?,
        machine_type: fields
            .string("machine_type")
            .map_err(ApiError::unprocessable)?,
        gpu_type: fields.string("gpu_type").map_err(ApiError::unprocessable)?,
        gpu_count: fields.count("gpu_count").map_err(ApiError::unprocessable)?,
        network: fields.string("network").map_err(ApiError::unprocessable)?,
        subnetwork: fields
            .string("subnetwork")
            .map_err(ApiError::unprocessable)?,
        no_external_ip: fields
            .boolean("no_external_ip")
            .map_err(ApiError::unprocessable)?,
        project_id: fields
            .string("project_id")
            .map_err(ApiError::unprocessable)?,
        region: fields.string("region").map_err(ApiError::unprocessable)?,
    };
    let run_id = random_hex(16);
    let results_url = fields
        .string("results_url")
        .map_err(ApiError::unprocessable)?;
    let results = results_location(results_url.as_deref(), config, &run_id, kind)
        .map_err(ApiError::unprocessable)?;
    Ok(RunRequest {
        run_id,
        workflow_run_id,
        workflow,
        params,
        execution_mode,
        mock_io,
        reuse,
        results,
        timeout,
        secrets,
        settings,
        trace,
        lithops_config,
        batch,
        stop_reason: Default::default(),
        progress: None,
    })
}

/// Whether a blocking run stops when its client disconnects (`on_disconnect`: `cancel`, the
/// default, or `continue`).
pub fn follows_client(fields: &Fields) -> Result<bool, ApiError> {
    match fields
        .string("on_disconnect")
        .map_err(ApiError::unprocessable)?
        .as_deref()
    {
        None | Some("cancel") => Ok(true),
        Some("continue") => Ok(false),
        Some(other) => Err(ApiError::unprocessable(format!(
            "on_disconnect `{}` is not supported: use `cancel` (stop the run when the client disconnects, the default) or `continue`",
            shorten(other)
        ))),
    }
}

/// The local folder of a results location, if it is one.
pub fn local_dir(location: &ResultsLocation) -> Option<&Path> {
    match location {
        ResultsLocation::Local(p) => Some(p),
        ResultsLocation::Remote(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ServerConfig {
        let mut c = ServerConfig::new(PathBuf::from("/srv/results"));
        c.allowed_results_roots = vec![PathBuf::from("/tmp")];
        c
    }

    #[test]
    fn results_locations() {
        let c = config();
        let local = |p: &str| Ok(ResultsLocation::Local(PathBuf::from(p)));
        let blocking = InvokerKind::BlockingLocal;
        assert_eq!(
            results_location(None, &c, "r1", blocking),
            local("/srv/results/r1")
        );
        assert_eq!(
            results_location(Some("file:///tmp/a%20b/"), &c, "r", blocking),
            local("/tmp/a b")
        );
        assert_eq!(
            results_location(Some("file://localhost/tmp/x"), &c, "r", blocking),
            local("/tmp/x")
        );
        assert_eq!(
            results_location(Some("/tmp/x/../y"), &c, "r", blocking),
            local("/tmp/y")
        );
        for bad in ["results", "./r", "file://host/x", "gs://b/p", "file:///%zz"] {
            assert!(
                results_location(Some(bad), &c, "r", blocking).is_err(),
                "{bad}"
            );
        }
        assert_eq!(
            results_location(Some("gs://b/p"), &c, "r", InvokerKind::CloudBatch),
            Ok(ResultsLocation::Remote("gs://b/p".into()))
        );
        assert!(results_location(None, &c, "r", InvokerKind::CloudBatch).is_err());
        let mut limited = config();
        limited.allowed_results_roots = vec![PathBuf::from("/srv")];
        assert!(results_location(Some("/srv/x"), &limited, "r", blocking).is_ok());
        assert!(results_location(Some("/srv/../etc"), &limited, "r", blocking).is_err());
        assert!(results_location(Some("/tmp/x"), &limited, "r", blocking).is_err());
        assert!(results_location(Some("file:///etc"), &c, "r", blocking).is_err());
        assert!(results_location(Some("file:///tmp/../etc"), &c, "r", blocking).is_err());
    }

    #[test]
    fn body_wins_over_query() {
        let query = HashMap::from([
            ("mock_io".to_string(), "true".to_string()),
            ("timeout".to_string(), "3".to_string()),
        ]);
        let body = serde_json::json!({"mock_io": false});
        let f = Fields::merge(&query, body.as_object());
        assert_eq!(f.boolean("mock_io"), Ok(Some(false)));
        assert_eq!(f.number("timeout"), Ok(Some(3.0)));
        assert!(
            Fields::merge(&HashMap::from([("timeout".into(), "x".into())]), None)
                .number("timeout")
                .is_err()
        );
    }
}
