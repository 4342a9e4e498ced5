//! Accepting connections: the HTTP/1.1 server loop under the router, with the limits a server
//! facing untrusted clients needs and `axum::serve` does not give.
//!
//! - **Header timeout.** A connection must deliver a complete request head within
//!   `header_timeout` of starting to wait for one (after accepting, and again between requests
//!   of a kept-alive connection); otherwise it is closed. Half-open and dribbling connections
//!   are released instead of being held forever.
//! - **Connection limit.** At most `max_connections` connections are served at once; one more
//!   is answered `503` with a JSON body and closed at once, so it costs nothing to hold.
//! - **JSON errors from the parser.** Requests hyper cannot parse are answered by hyper itself
//!   (400, 414, 431) with an empty body; [`BareErrors`] gives those answers a JSON `detail`
//!   like every other error of the server.
//!
//! Body read timeouts are the router's (`app::read_body_in_time`), since only a handler knows
//! when it reads a body.

use super::hyper_error_bodies::BareErrors;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// What a connection may take of the server.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Longest wait for a complete request head.
    pub header_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting, asks every
/// connection to finish its current request and close, and returns when all have closed.
pub async fn serve_connections(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait for connections to close
                    // rather than spin.
                    tracing::warn!("could not accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tokio::spawn(refuse(stream, limits.max_connections));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(BareErrors::new(stream));
        let connection =
            graceful.watch(http.serve_connection(io, TowerToHyperService::new(router.clone())));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("connection closed: {e}");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Answers a connection over the limit with a 503 and closes it (bounded in time, so a client
/// that does not read cannot hold the task).
async fn refuse(mut stream: TcpStream, limit: usize) {
    let body = serde_json::json!({
        "detail": format!("the server is at its limit of {limit} open connections; try again shortly"),
    })
    .to_string();
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nretry-after: 1\r\nconnection: close\r\ncache-control: no-store\r\n\r\n{body}",
        body.len()
    );
    let send = async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), send).await;
}
