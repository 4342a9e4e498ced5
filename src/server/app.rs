//! The axum application: routes and middleware (the state handlers share is `super::state`).
//!
//! Middleware, outermost first: request logging (`tracing`, one line per request: method,
//! path, status, duration, run id — never the query string or body), CORS (any origin,
//! GET/POST, any header, as the peer allows), gzip for answers of 1000 bytes or more, JSON
//! error bodies for errors produced outside the handlers (405), and the request body limit
//! (413).

use super::ServerConfig;
use super::handlers;
use super::invoker::cloud_batch::CloudBatchInvoker;
use super::invoker::local::LocalInvoker;
use super::runs::Runs;
use super::state::{AppState, LoggedRunId};
use super::workflows::{ServedWorkflow, Workflows};
use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::sync::Arc;
use std::time::Instant;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::SizeAbove;
use tower_http::cors::{Any, CorsLayer};

pub fn router(
    workflows: Vec<ServedWorkflow>,
    config: ServerConfig,
    stopping: tokio::sync::watch::Receiver<bool>,
    shutting_down: tokio::sync::watch::Receiver<bool>,
) -> Router {
    let workflows = Arc::new(Workflows::new(workflows));
    let mut local = LocalInvoker::new(config.output_limit, config.max_concurrent_runs)
        .with_workers_per_run(config.workers_per_run)
        .with_shutdown(shutting_down)
        .with_results_store(config.results_store.clone())
        .with_settings(config.settings.clone())
        .with_spans(config.spans.clone());
    if config.warm_workers {
        let served: Vec<_> = workflows.iter().cloned().collect();
        local = local.with_warm_workers(&served);
    }
    let state = AppState {
        stopping,
        workflows,
        runs: Arc::new(Runs::with_history(
            config.retained_runs,
            super::run_history::History::new(&config.results_root),
        )),
        local,
        cloud_batch: CloudBatchInvoker::new(config.cloud_batch.clone())
            .with_spans(config.spans.clone()),
        config: Arc::new(config),
    };
    let limit = state.config.body_limit;
    let body_timeout = state.config.body_timeout;
    Router::new()
        .route("/", get(handlers::health).post(handlers::run))
        .route("/runs", get(handlers::list_runs))
        .route("/runs/{run_id}", get(handlers::run_status))
        .route("/ui", get(super::ui::page))
        .route("/ui/", get(super::ui::page))
        .route("/ui/launchpad.js", get(super::ui::script))
        .route("/ui/launchpad.css", get(super::ui::style))
        .route("/ui/licenses.txt", get(super::ui::licenses))
        .route("/workflows", get(handlers::list_workflows))
        .route("/rjsf", get(handlers::rjsf))
        .route("/params", get(handlers::params))
        .route(
            "/data-connection-property-names",
            get(handlers::data_connection_property_names),
        )
        .route("/formdata-to-params", post(handlers::formdata_to_params))
        .route("/params-to-formdata", post(handlers::params_to_formdata))
        .route("/run-from-pubsub", post(super::pubsub::run_from_pubsub))
        .route("/openapi.json", get(handlers::openapi))
        .fallback(handlers::not_found)
        .with_state(state)
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn(move |req, next| {
            read_body_in_time(req, next, limit, body_timeout)
        }))
        .layer(middleware::from_fn(move |req, next| {
            refuse_large_bodies(req, next, limit)
        }))
        .layer(middleware::from_fn(move |req, next| {
            json_errors(req, next, limit)
        }))
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .compress_when(SizeAbove::new(1000)),
        )
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::POST])
                .allow_headers(Any),
        )
        .layer(middleware::from_fn(log_requests))
}

/// Bodies a request declares too large are read and dropped, up to this much more than the
/// limit, before the 413, so a client that sends its whole body before reading the answer
/// gets the 413 rather than a broken pipe; beyond it the connection is just answered and
/// closed.
const DRAIN_LIMIT: u64 = 16 * 1024 * 1024;

/// 413 for a declared `Content-Length` over the limit, before any handler runs. Bodies of
/// unknown length are cut at the limit by `DefaultBodyLimit` when a handler reads them.
async fn refuse_large_bodies(req: Request, next: Next, limit: usize) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let Some(declared) = declared.filter(|n| *n > limit as u64) else {
        return next.run(req).await;
    };
    if declared <= limit as u64 + DRAIN_LIMIT {
        let mut body = req.into_body();
        let drain = async {
            let mut read = 0u64;
            while let Some(Ok(frame)) =
                std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
            {
                read += frame.data_ref().map_or(0, |d| d.len() as u64);
                if read >= declared {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), drain).await;
    }
    let mut response = super::error::ApiError::detail(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request body is larger than the limit of {limit} bytes"),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Reads the whole request body (at most `limit` bytes) before the handler runs, within
/// `timeout` of the head's arrival: a client that stops sending mid-body gets a 408 and its
/// connection closed instead of holding a handler. Handlers read whole bodies anyway.
async fn read_body_in_time(
    req: Request,
    next: Next,
    limit: usize,
    timeout: std::time::Duration,
) -> Response {
    let (parts, body) = req.into_parts();
    let error = |status: StatusCode, detail: String| {
        let mut response = super::error::ApiError::detail(status, detail).into_response();
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        response
    };
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Ok(Err(e)) if is_length_limit(&e) => error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than the limit of {limit} bytes"),
        ),
        Ok(Err(e)) => error(
            StatusCode::BAD_REQUEST,
            format!("could not read the request body: {e}"),
        ),
        Err(_) => error(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request body did not arrive within {} s",
                timeout.as_secs_f64()
            ),
        ),
    }
}

/// Whether reading a body failed at the length limit (rather than a broken connection).
fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}

/// Gives errors made outside the handlers (body limit, method not allowed) a JSON body.
async fn json_errors(req: Request, next: Next, limit: usize) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let response = next.run(req).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let detail = match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            format!("the request body is larger than the limit of {limit} bytes")
        }
        StatusCode::METHOD_NOT_ALLOWED => format!("{method} is not allowed on {path}"),
        other => other
            .canonical_reason()
            .unwrap_or("request failed")
            .to_string(),
    };
    let mut fixed = super::error::ApiError::detail(status, detail).into_response();
    for name in [header::ALLOW, header::CONNECTION] {
        if let Some(v) = response.headers().get(&name) {
            fixed.headers_mut().insert(name, v.clone());
        }
    }
    fixed
}

/// One log line per request.
async fn log_requests(req: Request<Body>, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let mut response = next.run(req).await;
    let run_id = response
        .extensions_mut()
        .remove::<LoggedRunId>()
        .map(|r| r.0);
    let status = response.status().as_u16();
    let duration_ms = format!("{:.1}", start.elapsed().as_secs_f64() * 1000.0);
    let run_id = run_id.as_deref().unwrap_or("-");
    if status >= 500 {
        tracing::warn!(%method, %path, status, %duration_ms, run_id, "request");
    } else {
        tracing::info!(%method, %path, status, %duration_ms, run_id, "request");
    }
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}
