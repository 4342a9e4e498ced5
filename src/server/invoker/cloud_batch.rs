//! The Cloud Batch invoker (`CloudBatchInvoker`, docs/compatibility.md, “Invokers”): submits the
//! run as a Google
//! Cloud Batch job whose one container runs the workflow's pixi task, and does not wait.
//!
//! The job is created with the REST API (`jobs.create`):
//! `POST {endpoint}/v1/projects/{project}/locations/{region}/jobs?job_id={id}` with
//! `Authorization: Bearer <token>` and the [`job`] JSON. Configuration ([`CloudBatchConfig`],
//! read from the environment by `wt serve`):
//! - `WT_CLOUD_BATCH_ENDPOINT` (default `https://batch.googleapis.com`);
//! - `GOOGLE_CLOUD_PROJECT` (required; a request may give `project_id`), `CLOUD_RUN_REGION`
//!   (default `us-central1`; a request may give `region`), `BATCH_SERVICE_ACCOUNT` (optional);
//! - the access token: `WT_CLOUD_BATCH_TOKEN` when set (e.g. `gcloud auth print-access-token`),
//!   else the instance's service account token from the GCE metadata server (`GCE_METADATA_HOST`,
//!   default `metadata.google.internal`), which is how it works on Cloud Run / GCE / GKE.
//!
//! `https://` endpoints are verified with the system's certificate authorities
//! ([`crate::http_tls`]); `WT_CLOUD_BATCH_ENDPOINT` may also name an `http://` egress proxy.
//!
//! Fixes over the peer: the job id is fully sanitised to `[a-z]([-a-z0-9]{0,61}[a-z0-9])?`;
//! `gpu_count` is the count (the peer sent `gpu_count > 0`); a missing project is an error
//! (the peer sent `projects/None`); the server's own `WT_CLOUD_BATCH_*` variables are not
//! copied into the job.

use super::{BoxFuture, Completion, InvokeError, Invoker, RunRequest, random_hex};
use crate::server::secrets::{Redactor, Secret};
use crate::server::spans::{Destination, Spans};
use serde_json::{Map, Value as Json, json};
use std::sync::Arc;
use std::time::Duration;

pub const DEFAULT_ENDPOINT: &str = "https://batch.googleapis.com";
pub const DEFAULT_REGION: &str = "us-central1";
pub const DEFAULT_CPU_MILLI: u64 = 8000;
pub const DEFAULT_MEMORY_MIB: u64 = 32768;

#[derive(Debug, Clone)]
pub struct CloudBatchConfig {
    pub endpoint: String,
    pub project: Option<String>,
    pub region: String,
    pub service_account: Option<String>,
    /// None: ask the metadata server.
    pub token: Option<Secret>,
    pub metadata_host: String,
    pub request_timeout: Duration,
}

impl Default for CloudBatchConfig {
    fn default() -> Self {
        CloudBatchConfig {
            endpoint: DEFAULT_ENDPOINT.into(),
            project: None,
            region: DEFAULT_REGION.into(),
            service_account: None,
            token: None,
            metadata_host: "metadata.google.internal".into(),
            request_timeout: Duration::from_secs(60),
        }
    }
}

impl CloudBatchConfig {
    /// From `WT_CLOUD_BATCH_ENDPOINT`, `GOOGLE_CLOUD_PROJECT`, `CLOUD_RUN_REGION`,
    /// `BATCH_SERVICE_ACCOUNT`, `WT_CLOUD_BATCH_TOKEN`, `GCE_METADATA_HOST`.
    pub fn from_env() -> CloudBatchConfig {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let d = CloudBatchConfig::default();
        CloudBatchConfig {
            endpoint: var("WT_CLOUD_BATCH_ENDPOINT").unwrap_or(d.endpoint),
            project: var("GOOGLE_CLOUD_PROJECT"),
            region: var("CLOUD_RUN_REGION").unwrap_or(d.region),
            service_account: var("BATCH_SERVICE_ACCOUNT"),
            token: var("WT_CLOUD_BATCH_TOKEN").map(Secret::new),
            metadata_host: var("GCE_METADATA_HOST").unwrap_or(d.metadata_host),
            request_timeout: d.request_timeout,
        }
    }
}

#[derive(Clone)]
pub struct CloudBatchInvoker {
    config: Arc<CloudBatchConfig>,
    spans: Option<Arc<Spans>>,
}

impl CloudBatchInvoker {
    pub fn new(config: CloudBatchConfig) -> CloudBatchInvoker {
        CloudBatchInvoker {
            config: Arc::new(config),
            spans: None,
        }
    }

    /// Jobs export their spans as the server does, when it posts them to an OTLP endpoint (a
    /// console file on the job's machine would reach nobody).
    pub fn with_spans(mut self, spans: Option<Arc<Spans>>) -> CloudBatchInvoker {
        self.spans = spans.filter(|s| matches!(s.destination, Destination::Otlp { .. }));
        self
    }
}

/// Adds the span exporter's arguments and variables to the job's container.
pub fn export_spans(body: &mut Json, spans: &Spans) {
    let runnable = &mut body["taskGroups"][0]["taskSpec"]["runnables"][0];
    if let Some(commands) = runnable["container"]["commands"].as_array_mut() {
        commands.extend(spans.workflow_args().iter().map(|a| json!(a)));
    }
    if let Some(vars) = runnable["environment"]["variables"].as_object_mut() {
        for (k, v) in spans.workflow_env(None) {
            vars.insert(k, json!(v));
        }
    }
}

impl Invoker for CloudBatchInvoker {
    fn is_waitable(&self) -> bool {
        false
    }

    fn run(&self, request: RunRequest) -> BoxFuture<Result<Completion, InvokeError>> {
        let config = self.config.clone();
        let spans = self.spans.clone();
        Box::pin(async move { submit(config, spans, request).await })
    }
}

/// `job-<6 random hex>-<run id>` made a valid Batch job id: lowercase letters, digits and
/// `-`, starting with a letter, at most 63 characters, not ending with `-`.
pub fn job_id(workflow_run_id: &str, random: &str) -> String {
    let mut id = format!("job-{random}-");
    let mut last_dash = true;
    for c in workflow_run_id.trim().chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            id.push(c);
            last_dash = false;
        } else if !last_dash {
            id.push('-');
            last_dash = true;
        }
    }
    id.truncate(63);
    id.trim_end_matches('-').to_string()
}

/// The environment of the job's container: the server's `WT_*` variables (not its own
/// `WT_CLOUD_BATCH_*` settings), the secrets, the trace context and `WT_RESULTS`.
pub fn job_environment(
    request: &RunRequest,
    host: impl IntoIterator<Item = (String, String)>,
) -> Map<String, Json> {
    let mut env = Map::new();
    let mut host: Vec<(String, String)> = host
        .into_iter()
        .filter(|(k, _)| k.starts_with("WT_") && !k.starts_with("WT_CLOUD_BATCH_"))
        .collect();
    host.sort();
    for (k, v) in host {
        env.insert(k, json!(v));
    }
    for (k, v) in request.secrets.iter() {
        env.insert(k.clone(), json!(v.expose()));
    }
    for (k, v) in &request.settings {
        env.insert(k.clone(), json!(v));
    }
    for (k, v) in request.trace.env() {
        env.insert(k.to_string(), json!(v));
    }
    env.insert(
        crate::env_vars::RESULTS.into(),
        json!(request.results.url()),
    );
    env
}

/// The `jobs.create` body.
pub fn job(
    request: &RunRequest,
    config: &CloudBatchConfig,
    host_env: impl IntoIterator<Item = (String, String)>,
) -> Result<Json, InvokeError> {
    let b = &request.batch;
    let image = b
        .docker_image_uri
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            InvokeError::Invalid("docker_image_uri is required for the Cloud Batch invoker".into())
        })?;
    let config_json = serde_json::to_string(&request.params)
        .map_err(|e| InvokeError::Internal(format!("cannot serialise params: {e}")))?;
    let run = crate::codegen::cli_args::RunArgs {
        params: crate::codegen::cli_args::Params::Json(config_json),
        execution_mode: &request.execution_mode,
        mock_io: request.mock_io,
        workers: None,
    };
    let mut commands = vec![json!("pixi"), json!("run"), json!(request.workflow.release)];
    commands.extend(run.to_args().iter().map(|a| json!(a.to_string_lossy())));
    let commands = json!(commands);
    let mut task_spec = json!({
        "runnables": [{
            "container": {"imageUri": image, "commands": commands},
            "environment": {"variables": job_environment(request, host_env)},
        }],
        "computeResource": {
            "cpuMilli": b.cpu_milli.unwrap_or(DEFAULT_CPU_MILLI),
            "memoryMib": b.memory_mib.unwrap_or(DEFAULT_MEMORY_MIB),
        },
    });
    if let Some(t) = request.timeout {
        task_spec["maxRunDuration"] = json!(format!("{}s", t.as_secs_f64().ceil() as u64));
    }
    let mut policy = Map::new();
    if let Some(m) = &b.machine_type {
        policy.insert("machineType".into(), json!(m));
    }
    let mut instance = Map::new();
    if let Some(gpu) = &b.gpu_type {
        let count = b.gpu_count.unwrap_or(1);
        if count > 0 {
            policy.insert(
                "accelerators".into(),
                json!([{"type": gpu, "count": count}]),
            );
            instance.insert("installGpuDrivers".into(), json!(true));
        }
    }
    instance.insert("policy".into(), Json::Object(policy));
    let mut allocation = json!({"instances": [instance]});
    if b.network.is_some() || b.subnetwork.is_some() || b.no_external_ip.is_some() {
        let mut iface = Map::new();
        if let Some(n) = &b.network {
            iface.insert("network".into(), json!(n));
        }
        if let Some(s) = &b.subnetwork {
            iface.insert("subnetwork".into(), json!(s));
        }
        if let Some(x) = b.no_external_ip {
            iface.insert("noExternalIpAddress".into(), json!(x));
        }
        allocation["network"] = json!({"networkInterfaces": [iface]});
    }
    if let Some(email) = &config.service_account {
        allocation["serviceAccount"] = json!({"email": email});
    }
    Ok(json!({
        "taskGroups": [{"taskCount": 1, "taskSpec": task_spec}],
        "allocationPolicy": allocation,
        "labels": {"wt-workflow": label_value(&request.workflow.release)},
        "logsPolicy": {"destination": "CLOUD_LOGGING"},
    }))
}

/// A Batch label value: lowercase letters, digits, `-`, `_`, at most 63 characters.
fn label_value(text: &str) -> String {
    text.to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(63)
        .collect()
}

/// A project or region as it may appear in the URL path.
fn path_segment(what: &str, value: &str) -> Result<String, InvokeError> {
    let ok = !value.is_empty()
        && value.len() <= 100
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if ok {
        Ok(value.to_string())
    } else {
        Err(InvokeError::Invalid(format!(
            "`{}` is not a valid Cloud Batch {what}",
            crate::server::workflows::shorten(value)
        )))
    }
}

async fn submit(
    config: Arc<CloudBatchConfig>,
    spans: Option<Arc<Spans>>,
    request: RunRequest,
) -> Result<Completion, InvokeError> {
    if request.workflow_run_id.trim().is_empty() {
        return Err(InvokeError::Invalid(
            "workflow_run_id cannot be blank for the Cloud Batch invoker".into(),
        ));
    }
    let mut body = job(&request, &config, std::env::vars())?;
    if let Some(spans) = &spans {
        export_spans(&mut body, spans);
    }
    let project = match request
        .batch
        .project_id
        .as_deref()
        .or(config.project.as_deref())
    {
        Some(p) => path_segment("project", p)?,
        None => {
            return Err(InvokeError::Unavailable(
                "no Google Cloud project: set GOOGLE_CLOUD_PROJECT on the server (or send `project_id`)"
                    .into(),
            ));
        }
    };
    let region = path_segment(
        "region",
        request.batch.region.as_deref().unwrap_or(&config.region),
    )?;
    let id = job_id(&request.workflow_run_id, &random_hex(3));
    let url = format!(
        "{}/v1/projects/{project}/locations/{region}/jobs?job_id={id}",
        config.endpoint.trim_end_matches('/')
    );
    let redactor = request.secrets.redactor();
    let run_id = request.run_id.clone();
    let text = serde_json::to_string(&body)
        .map_err(|e| InvokeError::Internal(format!("cannot serialise the job: {e}")))?;
    let answer = tokio::task::spawn_blocking({
        let config = config.clone();
        let url = url.clone();
        move || -> Result<(u16, String, Redactor), InvokeError> {
            let token = match &config.token {
                Some(t) => t.clone(),
                None => metadata_token(&config)?,
            };
            let redactor = redactor.with([token.clone()]);
            let agent = agent(config.request_timeout);
            let mut response = agent
                .post(&url)
                .header("Authorization", &format!("Bearer {}", token.expose()))
                .header("Content-Type", "application/json")
                .send(text.as_str())
                .map_err(|e| {
                    InvokeError::Upstream(redactor.text(&format!(
                        "could not reach Cloud Batch at {}: {e}",
                        config.endpoint
                    )))
                })?;
            let status = response.status().as_u16();
            let body = response
                .body_mut()
                .with_config()
                .limit(1024 * 1024)
                .read_to_string()
                .unwrap_or_default();
            Ok((status, body, redactor))
        }
    })
    .await
    .map_err(|e| InvokeError::Internal(format!("the Cloud Batch submission panicked: {e}")))??;
    let (status, answer, redactor) = answer;
    if !(200..300).contains(&status) {
        let excerpt: String = answer.chars().take(2000).collect();
        return Err(InvokeError::Upstream(redactor.text(&format!(
            "Cloud Batch refused the job ({status}): {excerpt}"
        ))));
    }
    let created: Json = serde_json::from_str(&answer).unwrap_or(Json::Null);
    tracing::info!(run_id = %run_id, job_id = %id, "Cloud Batch job created");
    Ok(Completion::Submitted {
        job_id: id,
        job: created,
    })
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .tls_config(crate::http_tls::config())
        .http_status_as_error(false)
        .build()
        .into()
}

/// The default service account's access token from the GCE metadata server.
fn metadata_token(config: &CloudBatchConfig) -> Result<Secret, InvokeError> {
    let url = format!(
        "http://{}/computeMetadata/v1/instance/service-accounts/default/token",
        config.metadata_host
    );
    let unavailable = |why: String| {
        InvokeError::Unavailable(format!(
            "no Cloud Batch access token: set WT_CLOUD_BATCH_TOKEN, or run where the metadata server answers ({why})"
        ))
    };
    let mut response = agent(Duration::from_secs(5))
        .get(&url)
        .header("Metadata-Flavor", "Google")
        .call()
        .map_err(|e| unavailable(e.to_string()))?;
    if response.status().as_u16() != 200 {
        return Err(unavailable(format!("status {}", response.status())));
    }
    let text = response
        .body_mut()
        .read_to_string()
        .map_err(|e| unavailable(e.to_string()))?;
    let value: Json = serde_json::from_str(&text).map_err(|e| unavailable(e.to_string()))?;
    value
        .get("access_token")
        .and_then(Json::as_str)
        .map(Secret::new)
        .ok_or_else(|| unavailable("no access_token in its answer".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_export_spans_to_the_servers_otlp_endpoint() {
        let mut body = json!({"taskGroups": [{"taskSpec": {"runnables": [{
            "container": {"commands": ["pixi", "run"]},
            "environment": {"variables": {"WT_RESULTS": "gs://b/r"}},
        }]}}]});
        let spans = Spans::new(Destination::Otlp {
            endpoint: "https://collector.example/v1/traces".into(),
            headers: vec![],
        });
        export_spans(&mut body, &spans);
        let runnable = &body["taskGroups"][0]["taskSpec"]["runnables"][0];
        assert_eq!(
            runnable["container"]["commands"],
            json!([
                "pixi",
                "run",
                "--otel-exporter",
                "gcp",
                "--otel-console-exporter-dst",
                "stdout"
            ])
        );
        assert_eq!(
            runnable["environment"]["variables"]["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"],
            "https://collector.example/v1/traces"
        );
    }

    #[test]
    fn job_ids_are_valid_batch_ids() {
        assert_eq!(job_id("Run_42", "abc123"), "job-abc123-run-42");
        assert_eq!(job_id("  ../A b__c--  ", "abc123"), "job-abc123-a-b-c");
        assert_eq!(job_id("", "abc123"), "job-abc123");
        let long = job_id(&"x".repeat(200), "abc123");
        assert_eq!(long.len(), 63);
        let dash_at_cut = job_id(&format!("{}-yyyy", "x".repeat(52)), "abc123");
        assert!(!dash_at_cut.ends_with('-'), "{dash_at_cut}");
        for id in [long, dash_at_cut, job_id("ÜNÏCØDE/é", "0a0a0a")] {
            assert!(id.len() <= 63);
            assert!(id.starts_with(|c: char| c.is_ascii_lowercase()));
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            );
            assert!(!id.ends_with('-'));
        }
    }
}
