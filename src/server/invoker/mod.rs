//! Invokers: how a validated run request is executed (`wt-invokers` 0.6.0; docs/compatibility.md,
//! “Invokers”).
//!
//! | `invoker_type`                   | invoker            | answer                      |
//! |----------------------------------|--------------------|-----------------------------|
//! | `BlockingLocalSubprocessInvoker` | [`local`]          | waits: result.json (200/500/504/422) |
//! | `AsyncLocalSubprocessInvoker`    | [`local`]          | 202 + run id, `GET /runs/{id}` |
//! | `CloudBatchInvoker`              | [`cloud_batch`]    | 202 once the job is created |
//!
//! The two local types share one invoker; whether the HTTP answer waits is the handler's
//! business. Every invoker returns a `'static` future, so a run can be spawned and outlive the
//! request that started it.

pub mod cloud_batch;
pub mod leftovers;
pub mod local;
pub mod report;
pub mod warm;

pub use report::RunReport;

use super::secrets::Secrets;
use super::workflows::ServedWorkflow;
use serde_json::Value as Json;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// The `invoker_type` of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvokerKind {
    BlockingLocal,
    AsyncLocal,
    CloudBatch,
}

impl InvokerKind {
    pub const NAMES: [&'static str; 3] = [
        "BlockingLocalSubprocessInvoker",
        "AsyncLocalSubprocessInvoker",
        "CloudBatchInvoker",
    ];

    pub fn parse(name: Option<&str>) -> Result<InvokerKind, String> {
        match name.map(str::trim) {
            None | Some("") | Some("BlockingLocalSubprocessInvoker") => {
                Ok(InvokerKind::BlockingLocal)
            }
            Some("AsyncLocalSubprocessInvoker") => Ok(InvokerKind::AsyncLocal),
            Some("CloudBatchInvoker") => Ok(InvokerKind::CloudBatch),
            Some(other) => Err(format!(
                "unknown invoker_type `{}`; use one of {}",
                super::workflows::shorten(other),
                InvokerKind::NAMES.join(", ")
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            InvokerKind::BlockingLocal => Self::NAMES[0],
            InvokerKind::AsyncLocal => Self::NAMES[1],
            InvokerKind::CloudBatch => Self::NAMES[2],
        }
    }
}

/// Where result.json goes.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultsLocation {
    /// A local folder (absolute), from a `file://` URL or an absolute path.
    Local(PathBuf),
    /// A URL the workflow writes to itself (`gs://…`, `s3://…`); Cloud Batch only.
    Remote(String),
}

impl ResultsLocation {
    /// The value of `WT_RESULTS` for the workflow.
    pub fn url(&self) -> String {
        match self {
            ResultsLocation::Local(dir) => file_url(dir),
            ResultsLocation::Remote(url) => url.clone(),
        }
    }
}

/// `file://` + the path, percent-encoding what a URL path cannot hold (the generated CLI
/// decodes it with `url2pathname`).
pub fn file_url(path: &std::path::Path) -> String {
    let mut out = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// W3C trace context headers, passed on as `TRACEPARENT` / `TRACESTATE`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TraceContext {
    pub traceparent: Option<String>,
    pub tracestate: Option<String>,
}

impl TraceContext {
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(v) = &self.traceparent {
            out.push((crate::env_vars::TRACEPARENT, v.clone()));
        }
        if let Some(v) = &self.tracestate {
            out.push((crate::env_vars::TRACESTATE, v.clone()));
        }
        out
    }
}

/// Cloud Batch options of a request (docs/compatibility.md, “Invokers”).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchOptions {
    pub docker_image_uri: Option<String>,
    pub cpu_milli: Option<u64>,
    pub memory_mib: Option<u64>,
    pub machine_type: Option<String>,
    pub gpu_type: Option<String>,
    pub gpu_count: Option<u64>,
    pub network: Option<String>,
    pub subnetwork: Option<String>,
    pub no_external_ip: Option<bool>,
    pub project_id: Option<String>,
    pub region: Option<String>,
}

/// Everything a run needs, validated.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// Chosen by the server: the key of `GET /runs/{id}` and of log lines.
    pub run_id: String,
    /// Chosen by the client (may be empty; Cloud Batch needs one).
    pub workflow_run_id: String,
    pub workflow: Arc<ServedWorkflow>,
    /// Validated against params.json.
    pub params: Json,
    pub execution_mode: String,
    pub mock_io: bool,
    /// Reuse stored task results (the server's results store): the request's `reuse`.
    pub reuse: bool,
    pub results: ResultsLocation,
    pub timeout: Option<Duration>,
    pub secrets: Secrets,
    /// Settings the request gives (`settings`: `${{ env.X }}` the server leaves unset).
    pub settings: Vec<(String, String)>,
    pub trace: TraceContext,
    /// The run's Lithops configuration: the operator's with the request's checked settings
    /// laid over it ([`crate::server::lithops_settings`]).
    pub lithops_config: Option<Json>,
    pub batch: BatchOptions,
    /// Set by whoever stops the run before it ends, for the result.json left behind.
    pub stop_reason: StopReason,
    /// Where the workflow writes its spans as it runs, for the run's page
    /// (`WT_RUN_PROGRESS`; asynchronous runs).
    pub progress: Option<PathBuf>,
}

/// Why a run was stopped before it finished, shared between the invoker and whoever stops
/// it (the handler of a blocking run whose client hung up). Unset: the server stopped.
#[derive(Debug, Clone, Default)]
pub struct StopReason(Arc<std::sync::OnceLock<String>>);

impl StopReason {
    /// Records why; the first reason given wins.
    pub fn set(&self, why: impl Into<String>) {
        let _ = self.0.set(why.into());
    }

    pub fn get(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }
}

/// How a run that ran here ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    /// The workflow raised (result.json has the error) or its process failed.
    Failed,
    /// Stopped at its timeout; its process group was killed.
    TimedOut,
    /// The workflow CLI refused its parameters or usage (exit code 2).
    Rejected,
}

/// A run that ran here and ended.
#[derive(Debug, Clone)]
pub struct Finished {
    pub outcome: Outcome,
    /// result.json: `{"result", "error", "trace"}`.
    pub body: RunReport,
    pub exit_code: Option<i32>,
}

impl Finished {
    pub fn error(outcome: Outcome, error: String, trace: Option<String>) -> Finished {
        Finished {
            outcome,
            body: RunReport::error(error, trace),
            exit_code: None,
        }
    }

    pub fn error_message(&self) -> Option<&str> {
        self.body.error.as_deref()
    }
}

/// What an invoker did.
#[derive(Debug, Clone)]
pub enum Completion {
    Finished(Finished),
    /// Handed to a service that runs it later; result.json will appear at the results URL.
    Submitted {
        job_id: String,
        job: Json,
    },
}

/// Why an invoker could not run a request.
#[derive(Debug, Clone, PartialEq)]
pub enum InvokeError {
    /// Something in the request (422).
    Invalid(String),
    /// Server configuration or an unreachable dependency (503).
    Unavailable(String),
    /// A remote service refused (502).
    Upstream(String),
    /// A bug or an I/O failure on the server (500).
    Internal(String),
}

impl InvokeError {
    pub fn message(&self) -> &str {
        match self {
            InvokeError::Invalid(m)
            | InvokeError::Unavailable(m)
            | InvokeError::Upstream(m)
            | InvokeError::Internal(m) => m,
        }
    }

    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            InvokeError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            InvokeError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            InvokeError::Upstream(_) => StatusCode::BAD_GATEWAY,
            InvokeError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An execution backend.
pub trait Invoker: Send + Sync {
    /// Whether a run ends here (and [`Completion::Finished`] is returned).
    fn is_waitable(&self) -> bool;

    /// Runs (or submits) the request.
    fn run(&self, request: RunRequest) -> BoxFuture<Result<Completion, InvokeError>>;
}

/// 16 random bytes as hex (run ids must not be guessable: they give access to results).
pub fn random_hex(bytes: usize) -> String {
    use std::io::Read;
    let mut buf = vec![0u8; bytes];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut buf));
    if read.is_err() {
        // No /dev/urandom: hash the clock, the pid and a counter (unique, less secret).
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let seed = format!(
            "{:?} {} {}",
            std::time::SystemTime::now(),
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let digest = blake3::hash(seed.as_bytes());
        buf.iter_mut()
            .zip(digest.as_bytes().iter().cycle())
            .for_each(|(b, d)| *b = *d);
    }
    hex::encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_are_encoded() {
        assert_eq!(
            file_url(std::path::Path::new("/tmp/a b/%x#y")),
            "file:///tmp/a%20b/%25x%23y"
        );
    }

    #[test]
    fn run_ids_are_random_hex() {
        let a = random_hex(16);
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_hex(16));
    }
}
