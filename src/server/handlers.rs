//! The endpoints (`wt_runner` of wt-runner 0.3.1; docs/compatibility.md, “Endpoints”): health,
//! runs, schemas, conversions, the OpenAPI document.

use super::error::ApiError;
use super::invoker::{
    Completion, InvokeError, Invoker, InvokerKind, Outcome, RunRequest, StopReason,
};
use super::request::{Fields, run_request, trace_context};
use super::secrets::Redactor;
use super::state::{AppState, LoggedRunId};
use super::workflows::{SelectError, ServedWorkflow};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

pub type QueryMap = Result<Query<HashMap<String, String>>, QueryRejection>;
pub type Body = Result<Bytes, BytesRejection>;

pub fn query(q: QueryMap) -> Result<HashMap<String, String>, ApiError> {
    q.map(|Query(q)| q)
        .map_err(|e| ApiError::bad_request(format!("invalid query string: {}", e.body_text())))
}

/// The body as JSON: 413 when too large, 400 when it is not JSON, 422 when it has integers a
/// JSON value cannot carry exactly.
pub fn json_body(body: Body) -> Result<Value, ApiError> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::detail(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request body is larger than the limit of the server",
            )
        } else {
            ApiError::bad_request(format!(
                "could not read the request body: {}",
                e.body_text()
            ))
        }
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "the request body is empty: send a JSON document",
        ));
    }
    let doc = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request(format!("the request body is not valid JSON: {e}")))?;
    let wide = super::exact_json::wide_integers(&bytes);
    if !wide.is_empty() {
        return Err(ApiError::validation(super::exact_json::wide_items(&wide)));
    }
    Ok(doc)
}

/// The workflow a request names (`matchspec` or `label`).
pub fn select(state: &AppState, fields: &Fields) -> Result<Arc<ServedWorkflow>, ApiError> {
    let text = |k: &str| fields.string(k).map_err(ApiError::unprocessable);
    let matchspec = text("matchspec")?;
    let label = text("label")?;
    state
        .workflows
        .select(
            matchspec.as_deref(),
            label.as_deref(),
            state.config.matchspec_override.as_deref(),
        )
        .map_err(|e| match e {
            SelectError::NotFound(m) => ApiError::not_found(m),
            SelectError::Invalid(m) => {
                ApiError::not_found(format!("{m}; served: {}", state.workflows.describe()))
            }
        })
}

fn select_by_query(state: &AppState, q: QueryMap) -> Result<Arc<ServedWorkflow>, ApiError> {
    select(state, &Fields::merge(&query(q)?, None))
}

pub async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

pub async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!(
        "no endpoint {method} {}; see GET /openapi.json",
        super::workflows::shorten(uri.path())
    ))
}

pub async fn list_workflows(State(state): State<AppState>) -> Json<Value> {
    let list: Vec<Value> = state
        .workflows
        .iter()
        .map(|w| {
            let mut entry = serde_json::to_value(w.as_ref()).unwrap_or_default();
            entry["settings"] = super::run_settings::describe(w, &state.config.settings);
            entry
        })
        .collect();
    Json(json!({"workflows": list}))
}

pub async fn rjsf(State(state): State<AppState>, q: QueryMap) -> Result<Json<Value>, ApiError> {
    Ok(Json(select_by_query(&state, q)?.rjsf.clone()))
}

pub async fn params(State(state): State<AppState>, q: QueryMap) -> Result<Json<Value>, ApiError> {
    Ok(Json(select_by_query(&state, q)?.params.clone()))
}

pub async fn data_connection_property_names(
    State(state): State<AppState>,
    q: QueryMap,
) -> Result<Json<Value>, ApiError> {
    let w = select_by_query(&state, q)?;
    Ok(Json(crate::schema::data_connection_property_names(
        &w.params,
    )))
}

pub async fn formdata_to_params(
    State(state): State<AppState>,
    q: QueryMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let w = select_by_query(&state, q)?;
    let doc = json_body(body)?;
    crate::schema::formdata_to_params(&doc, &w.rjsf, &w.params)
        .map(Json)
        .map_err(ApiError::validation)
}

pub async fn params_to_formdata(
    State(state): State<AppState>,
    q: QueryMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let w = select_by_query(&state, q)?;
    let doc = json_body(body)?;
    crate::schema::params_to_formdata(&doc, &w.rjsf, &w.params)
        .map(Json)
        .map_err(ApiError::validation)
}

pub async fn openapi(State(state): State<AppState>) -> Json<Value> {
    Json(super::openapi::document(&state.workflows))
}

/// `GET /runs`: this server's most recent asynchronous runs, newest first.
pub async fn list_runs(State(state): State<AppState>) -> Json<Value> {
    Json(json!({"runs": state.runs.recent(RECENT_RUNS)}))
}

/// How many runs `GET /runs` lists.
const RECENT_RUNS: usize = 50;

pub async fn run_status(
    State(state): State<AppState>,
    Path(run_id): Path<String>,
) -> Result<Response, ApiError> {
    match state.runs.get(&run_id) {
        Some(mut record) => {
            // Filled into the record, not through a JSON value: the result's numbers stay
            // exactly as the workflow wrote them.
            record.tasks = state
                .runs
                .progress_file(&run_id)
                .map(|file| super::run_progress::read(&file));
            let mut response = Json(record).into_response();
            response.extensions_mut().insert(LoggedRunId(run_id));
            Ok(response)
        }
        None => Err(ApiError::not_found(format!(
            "no run `{}` (finished runs are forgotten after a while; result.json stays in the results folder)",
            super::workflows::shorten(&run_id)
        ))),
    }
}

/// The HTTP status of a finished run.
pub fn outcome_status(outcome: Outcome) -> StatusCode {
    match outcome {
        Outcome::Succeeded => StatusCode::OK,
        Outcome::Failed => StatusCode::INTERNAL_SERVER_ERROR,
        Outcome::TimedOut => StatusCode::GATEWAY_TIMEOUT,
        Outcome::Rejected => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// An invoker's refusal as an answer (secrets redacted).
pub fn invoke_error(e: &InvokeError, redactor: &Redactor) -> ApiError {
    let message = redactor.text(e.message());
    match e {
        InvokeError::Invalid(_) => ApiError::unprocessable(message),
        _ => ApiError::run_failed(e.status(), message, None),
    }
}

/// `POST /`: run a workflow.
pub async fn run(
    State(state): State<AppState>,
    q: QueryMap,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let query = query(q)?;
    let body = match json_body(body)? {
        Value::Object(map) => map,
        _ => {
            return Err(ApiError::unprocessable(
                "the body must be a JSON object with `params` (and optionally execution_mode, mock_io, results_url, workflow_run_id, timeout, data_connections_env_vars, lithops_config)",
            ));
        }
    };
    let fields = Fields::merge(&query, Some(&body));
    let workflow = select(&state, &fields)?;
    let kind = InvokerKind::parse(
        fields
            .string("invoker_type")
            .map_err(ApiError::unprocessable)?
            .as_deref(),
    )
    .map_err(ApiError::unprocessable)?;
    let follow_client = super::request::follows_client(&fields)?;
    let mut span = RequestSpan::start(&state, "POST /", trace_context(&headers));
    let request = run_request(&state.config, workflow, kind, &fields, span.context())?;
    let run_id = request.run_id.clone();
    span.describe(&request, kind);
    let mut response = match kind {
        InvokerKind::BlockingLocal => run_blocking(&state, request, follow_client).await,
        InvokerKind::AsyncLocal => run_async(&state, request),
        InvokerKind::CloudBatch => submit_cloud_batch(&state, request).await,
    }
    .unwrap_or_else(IntoResponse::into_response);
    span.end(response.status());
    response.extensions_mut().insert(LoggedRunId(run_id));
    Ok(response)
}

/// The span of a run request (when the server exports spans): continues the caller's trace,
/// and is the parent of its run's span.
pub struct RequestSpan {
    spans: Option<std::sync::Arc<super::spans::Spans>>,
    span: Option<super::spans::Span>,
    incoming: super::invoker::TraceContext,
}

impl RequestSpan {
    pub fn start(
        state: &AppState,
        name: &str,
        incoming: super::invoker::TraceContext,
    ) -> RequestSpan {
        let spans = state.config.spans.clone();
        let span = spans
            .as_ref()
            .map(|s| s.start(name, super::spans::Kind::Server, &incoming));
        RequestSpan {
            spans,
            span,
            incoming,
        }
    }

    /// The trace context the run continues: this span's, else the caller's.
    pub fn context(&self) -> super::invoker::TraceContext {
        match &self.span {
            Some(span) => span.context(),
            None => self.incoming.clone(),
        }
    }

    pub fn describe(&mut self, request: &RunRequest, kind: InvokerKind) {
        if let Some(span) = &mut self.span {
            span.set("wt.run_id", request.run_id.clone());
            span.set("wt.workflow_run_id", request.workflow_run_id.clone());
            span.set("wt.workflow", request.workflow.release.clone());
            span.set("wt.invoker_type", kind.name());
        }
    }

    pub fn end(mut self, status: StatusCode) {
        if let (Some(spans), Some(mut span)) = (self.spans.take(), self.span.take()) {
            span.set("http.response.status_code", status.as_u16());
            if status.is_server_error() {
                span.error = Some(format!("answered {status}"));
            }
            spans.end(span);
        }
    }
}

/// Runs and waits. The run is its own task, stopped when the answer is no longer wanted: the
/// client hung up (unless it asked `on_disconnect=continue`), the timeout passed, or the
/// shutdown grace period ended (then it is answered 503). A stopped run's result.json says
/// why.
async fn run_blocking(
    state: &AppState,
    request: RunRequest,
    follow_client: bool,
) -> Result<Response, ApiError> {
    let redactor = request.secrets.redactor();
    let stop_reason = request.stop_reason.clone();
    let handle = tokio::spawn(state.local.run(request));
    // Dropped with this future when hyper sees the client go.
    let mut follow = FollowClient {
        run: follow_client.then(|| handle.abort_handle()),
        reason: stop_reason,
    };
    let abort = handle.abort_handle();
    let mut stopping = state.stopping.clone();
    let joined = tokio::select! {
        joined = handle => joined,
        _ = stopping.wait_for(|stop| *stop) => {
            follow.run = None;
            abort.abort();
            return Err(ApiError::detail(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is shutting down: the run was stopped after the shutdown grace period (its result.json says so); run it again",
            ));
        }
    };
    follow.run = None;
    match joined {
        Ok(Ok(Completion::Finished(f))) => {
            Ok((outcome_status(f.outcome), Json(f.body)).into_response())
        }
        Ok(Ok(Completion::Submitted { .. })) => Err(ApiError::internal(
            "the local invoker did not wait for its run",
        )),
        Ok(Err(e)) => Err(invoke_error(&e, &redactor)),
        Err(e) => Err(ApiError::run_failed(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the run crashed: {e}"),
            None,
        )),
    }
}

/// Stops a blocking run whose request is dropped before it answered: hyper drops a request's
/// handler when its client disconnects.
struct FollowClient {
    /// The run to stop; `None` once answered (or when the client asked the run to go on).
    run: Option<tokio::task::AbortHandle>,
    reason: StopReason,
}

impl Drop for FollowClient {
    fn drop(&mut self) {
        if let Some(run) = self.run.take() {
            self.reason.set(
                "The client disconnected before the workflow finished, so the run was stopped and its processes killed. Send `on_disconnect=continue` for a run that outlives its client.",
            );
            run.abort();
        }
    }
}

/// Starts a run and answers 202 with its id.
fn run_async(state: &AppState, mut request: RunRequest) -> Result<Response, ApiError> {
    let run_id = request.run_id.clone();
    request.progress = state.runs.progress_file(&run_id);
    let results_url = request.results.url();
    state.runs.start(&request, &results_url);
    let runs = state.runs.clone();
    let redactor = request.secrets.redactor();
    let run = tokio::spawn(state.local.run(request));
    let id = run_id.clone();
    tokio::spawn(async move {
        match run.await {
            Ok(Ok(Completion::Finished(f))) => runs.finish(&id, &f),
            Ok(Ok(Completion::Submitted { .. })) => {
                runs.fail(&id, "the local invoker did not wait for its run".into())
            }
            Ok(Err(e)) => runs.fail(&id, redactor.text(e.message())),
            Err(e) => runs.fail(&id, format!("the run crashed: {e}")),
        }
    });
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "run_id": run_id,
            "status": "running",
            "status_url": format!("/runs/{run_id}"),
            "results_url": results_url,
        })),
    )
        .into_response())
}

/// Submits to Cloud Batch and answers 202 (the peer's `{"result": {}, "error": null,
/// "trace": null}`, plus the run and job ids).
async fn submit_cloud_batch(state: &AppState, request: RunRequest) -> Result<Response, ApiError> {
    let run_id = request.run_id.clone();
    let redactor = request.secrets.redactor();
    match state.cloud_batch.run(request).await {
        Ok(Completion::Submitted { job_id, job }) => Ok((
            StatusCode::ACCEPTED,
            Json(json!({
                "result": {},
                "error": null,
                "trace": null,
                "run_id": run_id,
                "job_id": job_id,
                "job_name": job.get("name").cloned().unwrap_or(Value::Null),
            })),
        )
            .into_response()),
        Ok(Completion::Finished(f)) => {
            Ok((outcome_status(f.outcome), Json(f.body)).into_response())
        }
        Err(e) => Err(invoke_error(&e, &redactor)),
    }
}
