//! What every handler shares: the served workflows, the server's configuration, the record of
//! runs and the invokers; and the run id a handler leaves for the request log. Kept apart from
//! the router (`super::app`) so handlers depend on the state, not on the router that calls them.

use super::ServerConfig;
use super::invoker::cloud_batch::CloudBatchInvoker;
use super::invoker::local::LocalInvoker;
use super::runs::Runs;
use super::workflows::Workflows;
use std::sync::Arc;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Turns true when the shutdown grace period is over: blocking runs still going are
    /// stopped and answered 503.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    pub workflows: Arc<Workflows>,
    pub config: Arc<ServerConfig>,
    pub runs: Arc<Runs>,
    pub local: LocalInvoker,
    pub cloud_batch: CloudBatchInvoker,
}

/// The run id of a request, put in the response's extensions for the request log.
#[derive(Clone, Debug)]
pub struct LoggedRunId(pub String);
