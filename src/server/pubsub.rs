//! `POST /run-from-pubsub`: runs from Google Cloud Pub/Sub push subscriptions.
//!
//! The body is a push envelope `{"message": {"data": <base64 JSON>, …}, "subscription": …}`;
//! the JSON is a `RunWorkflow` message `{"payload": {"match_spec", "invoker_type",
//! "invoker_kwargs": {workflow_run_id, results_url, params, data_connections_env_vars,
//! trace_context: {traceparent, tracestate}, execution_mode, mock_io, timeout, …Cloud Batch
//! options}}}`.
//!
//! Every answer is 200, so Pub/Sub does not redeliver what would fail again (as the peer):
//! `{"status": "processed"}` when the run succeeded (local invokers, which wait) or the job was
//! submitted (Cloud Batch); `{"status": "error", "error", "trace"}` otherwise. A message that
//! cannot be decoded reports only in the answer; any later failure is also written as
//! result.json to the run's results folder, so whoever waits on it learns why. Local runs are
//! bounded by the server's Pub/Sub timeout (570 s by default, the push deadline; the peer
//! meant to apply this cap but did not).

use super::handlers::RequestSpan;
use super::handlers::{Body, select};
use super::invoker::local::write_result;
use super::invoker::{
    Completion, InvokeError, Invoker, InvokerKind, Outcome, ResultsLocation, RunReport,
    TraceContext, random_hex,
};
use super::request::{Fields, results_location, run_request, trace_context};
use super::state::{AppState, LoggedRunId};
use axum::Json;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Map, Value, json};

fn error(message: impl Into<String>) -> Response {
    Json(json!({"status": "error", "error": message.into(), "trace": null})).into_response()
}

/// The `payload` of the message in a push envelope.
pub fn decode(body: &[u8]) -> Result<Map<String, Value>, String> {
    let envelope: Value = serde_json::from_slice(body)
        .map_err(|e| format!("the push envelope is not valid JSON: {e}"))?;
    let data = envelope
        .get("message")
        .and_then(|m| m.get("data"))
        .and_then(Value::as_str)
        .ok_or("the push envelope has no `message.data` string")?;
    let data = data.trim();
    let engines = [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let bytes = engines
        .iter()
        .find_map(|e| e.decode(data).ok())
        .ok_or("`message.data` is not base64")?;
    let message: Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("`message.data` is not a JSON RunWorkflow message: {e}"))?;
    let wide = super::exact_json::wide_integers(&bytes);
    if !wide.is_empty() {
        return Err(super::exact_json::describe_wide(&wide));
    }
    match message.get("payload") {
        Some(Value::Object(payload)) => Ok(payload.clone()),
        _ => Err("the RunWorkflow message has no `payload` object".into()),
    }
}

pub async fn run_from_pubsub(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let bytes = match body {
        Ok(b) => b,
        Err(e) => {
            return error(format!(
                "could not read the push request: {}",
                e.body_text()
            ));
        }
    };
    let payload = match decode(&bytes) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!("rejected a Pub/Sub message: {e}");
            return error(e);
        }
    };
    process(&state, payload, &headers).await
}

async fn process(state: &AppState, payload: Map<String, Value>, headers: &HeaderMap) -> Response {
    let mut kwargs = match payload.get("invoker_kwargs") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(k)) => k.clone(),
        Some(_) => return error("`invoker_kwargs` must be an object"),
    };
    // Where to report failures, decided before anything else can fail.
    let kind = InvokerKind::parse(payload.get("invoker_type").and_then(Value::as_str));
    let results = results_location(
        kwargs.get("results_url").and_then(Value::as_str),
        &state.config,
        &random_hex(16),
        *kind.as_ref().unwrap_or(&InvokerKind::BlockingLocal),
    );
    if let Ok(ResultsLocation::Local(dir)) = &results {
        // Pin a default folder, so the run writes where failures are reported.
        kwargs.insert("results_url".into(), json!(dir.display().to_string()));
    }
    let fail = |message: String| {
        let results = results.clone();
        async move {
            report(&results, &message).await;
            error(message)
        }
    };
    let kind = match kind {
        Ok(k) => k,
        Err(e) => return fail(e).await,
    };
    for (from, to) in [("match_spec", "matchspec"), ("label", "label")] {
        if let Some(v) = payload.get(from) {
            kwargs.insert(to.into(), v.clone());
        }
    }
    let fields = Fields::from_map(kwargs.clone());
    let workflow = match select(state, &fields) {
        Ok(w) => w,
        Err(e) => return fail(e.message()).await,
    };
    let mut trace = trace_context(headers);
    if let Some(Value::Object(tc)) = kwargs.get("trace_context") {
        let text = |k: &str| tc.get(k).and_then(Value::as_str).map(str::to_string);
        trace = TraceContext {
            traceparent: text("traceparent").or(trace.traceparent),
            tracestate: text("tracestate").or(trace.tracestate),
        };
    }
    let cap = state.config.pubsub_timeout.as_secs_f64();
    if kind != InvokerKind::CloudBatch {
        let asked = fields.number("timeout").ok().flatten().filter(|t| *t > 0.0);
        kwargs.insert("timeout".into(), json!(asked.map_or(cap, |t| t.min(cap))));
    }
    let fields = Fields::from_map(kwargs);
    let mut span = RequestSpan::start(state, "POST /run-from-pubsub", trace);
    let request = match run_request(&state.config, workflow, kind, &fields, span.context()) {
        Ok(r) => r,
        Err(e) => return fail(e.message()).await,
    };
    span.describe(&request, kind);
    let run_id = request.run_id.clone();
    let redactor = request.secrets.redactor();
    let outcome = match kind {
        InvokerKind::CloudBatch => state.cloud_batch.run(request).await,
        _ => match tokio::spawn(state.local.run(request)).await {
            Ok(r) => r,
            Err(e) => Err(InvokeError::Internal(format!("the run crashed: {e}"))),
        },
    };
    let mut response = match outcome {
        Ok(Completion::Submitted { .. }) => Json(json!({"status": "processed"})).into_response(),
        Ok(Completion::Finished(f)) if f.outcome == Outcome::Succeeded => {
            Json(json!({"status": "processed"})).into_response()
        }
        // The local invoker wrote result.json already.
        Ok(Completion::Finished(f)) => Json(json!({
            "status": "error",
            "error": f.error_message().unwrap_or("the workflow failed"),
            "trace": f.body.trace,
        }))
        .into_response(),
        Err(e) => fail(redactor.text(e.message())).await,
    };
    span.end(response.status());
    response.extensions_mut().insert(LoggedRunId(run_id));
    response
}

/// Writes result.json with the error to a local results folder (remote ones are written only
/// by workflows).
async fn report(results: &Result<ResultsLocation, String>, message: &str) {
    match results {
        Ok(ResultsLocation::Local(dir)) => {
            if let Err(e) = tokio::fs::create_dir_all(dir).await {
                tracing::warn!("could not create {}: {e}", dir.display());
                return;
            }
            write_result(
                &dir.join("result.json"),
                &RunReport::error(message.to_string(), None),
            )
            .await;
        }
        Ok(ResultsLocation::Remote(url)) => {
            tracing::warn!(
                "cannot report the failure to {url}: only local results folders are written by the server"
            );
        }
        Err(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_decode() {
        let data = base64::engine::general_purpose::STANDARD
            .encode(br#"{"payload": {"match_spec": "x", "invoker_kwargs": {}}}"#);
        let env = json!({"message": {"data": data, "messageId": "1"}, "subscription": "s"});
        let payload = decode(env.to_string().as_bytes()).unwrap();
        assert_eq!(payload["match_spec"], "x");
        for bad in [
            "not json".to_string(),
            json!({"message": {}}).to_string(),
            json!({"message": {"data": "!!!"}}).to_string(),
            json!({"message": {"data": base64::engine::general_purpose::STANDARD.encode("[1]")}})
                .to_string(),
        ] {
            assert!(decode(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
