//! `wt serve`: the runner HTTP server (`wt-runner` 0.3.1; docs/compatibility.md, “Runner”), serving
//! workflows compiled by this build.
//!
//! The published runner (`wt-runner`, FastAPI) runs one workflow package chosen per request by
//! a rattler matchspec through an invoker. We keep its API — the same endpoints, query
//! parameters, body fields, response shapes and status codes — and fix its faults
//! (docs/compatibility.md, “Where wt departs on purpose”):
//! - the served set is fixed at start-up (the targets `wt serve` built), and a request picks
//!   one by release name (`matchspec`) or `label`; nothing a client sends is ever used as a
//!   path or a command;
//! - parameters are validated against params.json before any process starts (422 with
//!   jsonschema-native items), and conversions and schemas are answered in Rust;
//! - the local invoker reads the child's stdout/stderr concurrently into bounded buffers (no
//!   pipe deadlock), always deletes its temporary config, passes arguments as an argv (no
//!   whitespace splitting), waits without blocking the event loop (runs are concurrent, bounded
//!   by a semaphore), kills the whole process group on timeout and uses the exit code;
//! - any JSON result is fine (the peer turned a non-object result into a 500);
//! - Cloud Batch job ids are fully sanitised, `gpu_count` is a count, a missing project is an
//!   error rather than `projects/None`, and the Pub/Sub timeout cap is applied;
//! - secrets (`data_connections_env_vars`) are wrapped in [`secrets::Secret`] and redacted
//!   from everything the server logs or answers.
//!
//! Layout: [`app`] (router and middleware), [`handlers`] (endpoints), [`request`] (run
//! options from the query string and body), [`workflows`] (the served set and matchspecs),
//! [`invoker`] (local subprocess and Cloud Batch), [`runs`] (asynchronous runs),
//! [`pubsub`], [`secrets`], [`openapi`], [`error`], [`ui`] (the launchpad page), [`listen`] (connections: timeouts and
//! limits) with [`bare_errors`].

pub mod app;
pub mod error;
pub mod exact_json;
pub mod handlers;
pub mod hyper_error_bodies;
pub mod invoker;
pub mod listen;
pub mod lithops_settings;
pub mod openapi;
pub mod pubsub;
pub mod request;
pub mod results_confinement;
pub mod run_history;
pub mod run_progress;
pub mod run_settings;
pub mod runs;
pub mod secrets;
pub mod spans;
pub mod state;
pub mod ui;
pub mod workflows;

pub use invoker::cloud_batch::CloudBatchConfig;
pub use workflows::ServedWorkflow;

use anyhow::{Context, Result};
use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

/// How the server behaves; [`ServerConfig::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where a run writes when the request names no `results_url`: `<root>/<run id>/`.
    pub results_root: PathBuf,
    /// Largest accepted request body, in bytes (larger: 413).
    pub body_limit: usize,
    /// Local workflow processes running at once; further runs wait for a slot.
    pub max_concurrent_runs: usize,
    /// Worker processes each local parallel run starts (Lithops localhost workers of an async
    /// one); None: the generated CLI's default, one per CPU. Runs times workers is what a busy
    /// server has working at once.
    pub workers_per_run: Option<usize>,
    /// The operator's Lithops configuration (`--lithops-config`): every setting a request may
    /// not choose ([`lithops_settings`]); a request's choices are laid over it.
    pub lithops_operator: Option<serde_json::Value>,
    /// The store of task results runs that ask for `reuse` use (`--allow-reuse`); None: a
    /// request's `reuse` is refused.
    pub results_store: Option<String>,
    /// Environment variables set for every run (`--env NAME=VALUE`): settings the workflows
    /// read, not secrets.
    pub settings: Vec<(String, String)>,
    /// Where the spans of requests, runs and their workflows go (None: no spans).
    pub spans: Option<std::sync::Arc<spans::Spans>>,
    /// Per workflow, a warm process that imported it, of which each local run is a fork
    /// (`--no-warm-workers`: each run starts a new interpreter).
    pub warm_workers: bool,
    /// Bytes of a run's stdout and of its stderr kept (the tail) for error reports.
    pub output_limit: usize,
    /// Timeout of runs whose request gives none (None: unlimited).
    pub default_timeout: Option<Duration>,
    /// Upper bound of a Pub/Sub-triggered run (the push deadline; the peer meant to cap at
    /// 570 s but did not).
    pub pubsub_timeout: Duration,
    /// Finished asynchronous runs remembered for `GET /runs/{id}` (oldest forgotten first).
    pub retained_runs: usize,
    /// Folders besides `results_root` that local results may be written under
    /// (`--allow-results-under`); anywhere else is refused.
    pub allowed_results_roots: Vec<PathBuf>,
    /// A matchspec that selects the workflow of every request, whatever it asks
    /// (`ECOSCOPE_WORKFLOWS_MATCHSPEC_OVERRIDE` of the peer).
    pub matchspec_override: Option<String>,
    /// Where and how Cloud Batch jobs are submitted.
    pub cloud_batch: CloudBatchConfig,
    /// After a shutdown signal, how long in-flight requests may finish before the server
    /// stops anyway (runs still going are then killed).
    pub shutdown_grace: Duration,
    /// Longest wait for a complete request head (also the idle limit of a kept-alive
    /// connection); the connection is then closed.
    pub header_timeout: Duration,
    /// Longest wait for a complete request body once its head has arrived (then 408).
    pub body_timeout: Duration,
    /// Connections served at once; one more is answered 503 and closed.
    pub max_connections: usize,
}

impl ServerConfig {
    /// Every folder local results may be written under: the results root first.
    pub fn results_roots(&self) -> Vec<PathBuf> {
        let mut roots = vec![self.results_root.clone()];
        roots.extend(self.allowed_results_roots.iter().cloned());
        roots
    }

    /// The most workers (processes, Lithops workers) one run may have: `workers_per_run`, else
    /// one per CPU. No request can raise it.
    pub fn worker_bound(&self) -> usize {
        self.workers_per_run.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        })
    }

    pub fn new(results_root: PathBuf) -> ServerConfig {
        ServerConfig {
            results_root,
            body_limit: 10 * 1024 * 1024,
            max_concurrent_runs: std::thread::available_parallelism()
                .map_or(4, |n| n.get() * 4)
                .max(4),
            workers_per_run: None,
            lithops_operator: None,
            results_store: None,
            settings: Vec::new(),
            warm_workers: true,
            spans: None,
            output_limit: 64 * 1024,
            default_timeout: None,
            pubsub_timeout: Duration::from_secs(570),
            retained_runs: 1000,
            allowed_results_roots: Vec::new(),
            matchspec_override: None,
            cloud_batch: CloudBatchConfig::default(),
            shutdown_grace: Duration::from_secs(30),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

/// Serves `workflows` on `listener` until SIGINT or SIGTERM, then stops accepting, lets
/// in-flight requests finish and kills the processes of runs still going.
pub async fn serve(
    listener: tokio::net::TcpListener,
    workflows: Vec<ServedWorkflow>,
    config: ServerConfig,
) -> Result<()> {
    serve_until(listener, workflows, config, shutdown_signal()).await
}

/// [`serve`], stopping when `shutdown` completes: no new connections, in-flight requests get
/// `shutdown_grace` to finish. Runs still going when the caller drops the runtime are killed.
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    workflows: Vec<ServedWorkflow>,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    std::fs::create_dir_all(&config.results_root).with_context(|| {
        format!(
            "could not create the results root {}",
            config.results_root.display()
        )
    })?;
    let grace = config.shutdown_grace;
    let limits = listen::ConnectionLimits {
        header_timeout: config.header_timeout,
        max_connections: config.max_connections,
    };
    let (stop_runs, stopping) = tokio::sync::watch::channel(false);
    let (begin_shutdown, shutting_down) = tokio::sync::watch::channel(false);
    let router = app::router(workflows, config, stopping, shutting_down);
    let (stopping, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = listen::serve_connections(listener, router, limits, async move {
        shutdown.await;
        // Runs still waiting for a slot never start from now on.
        let _ = begin_shutdown.send(true);
        let _ = stopping.send(());
    });
    let deadline = async move {
        if stopped.await.is_err() {
            return std::future::pending().await;
        }
        tokio::time::sleep(grace).await;
    };
    let mut server = std::pin::pin!(server);
    tokio::select! {
        _ = &mut server => return Ok(()),
        _ = deadline => {}
    }
    tracing::warn!(
        "requests still in flight after {} s; stopping their runs",
        grace.as_secs_f64()
    );
    // Blocking runs stop (their result.json says why) and answer 503; give those answers a
    // moment to leave before the connections close.
    let _ = stop_runs.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(2), &mut server).await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

/// Starts a server on a free 127.0.0.1 port in a background thread with its own runtime, and
/// returns its base URL (`http://127.0.0.1:PORT`). For embedding the server in tests and
/// benchmarks; it runs until the process exits.
pub fn serve_in_background(workflows: Vec<ServedWorkflow>, config: ServerConfig) -> Result<String> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").context("could not bind 127.0.0.1")?;
    listener.set_nonblocking(true)?;
    let base = format!("http://{}", listener.local_addr()?);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener for tokio");
            serve_until(listener, workflows, config, std::future::pending())
                .await
                .expect("server runs");
        });
    });
    Ok(base)
}
