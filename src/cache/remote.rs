//! A client of a Bazel-style HTTP remote cache: `GET/PUT/HEAD <url>/ac/<key>` and
//! `<url>/cas/<sha256>`, 404 meaning "not there". Any server that stores what is PUT and serves
//! it back works: nginx with WebDAV PUT, bazel-remote, a plain object store behind a proxy.
//!
//! Only plain `http://` is built in (no TLS stack, to keep wt lean); put a TLS-terminating proxy
//! in front of an `https://` cache. Timeouts are bounded (connect 5 s, a whole request 60 s) so a
//! dead cache costs seconds, and after the first transport failure the remote is switched off
//! for the rest of the process (see [`super::Cache`]).

use super::{CacheError, RemoteConfig};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The two stores of the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Store {
    Ac,
    Cas,
}

impl Store {
    fn path(self) -> &'static str {
        match self {
            Store::Ac => "ac",
            Store::Cas => "cas",
        }
    }
}

/// Why a request failed.
#[derive(Debug)]
pub(crate) enum RemoteError {
    /// No answer: refused, timed out, reset. The remote is switched off after one of these.
    Unreachable(String),
    /// An answer that is neither success nor 404 (403, 500, ...).
    Status(String),
}

impl std::fmt::Display for RemoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RemoteError::Unreachable(m) | RemoteError::Status(m) => f.write_str(m),
        }
    }
}

pub(crate) struct Remote {
    /// The URL without a trailing `/`.
    base: String,
    pub read_only: bool,
    agent: ureq::Agent,
    /// Set after a transport failure: no more requests this process.
    down: AtomicBool,
    /// Set after an upload failure: lookups go on, uploads stop.
    uploads_off: AtomicBool,
}

impl Remote {
    pub fn new(config: &RemoteConfig) -> Result<Remote, CacheError> {
        let url = config.url.trim();
        let invalid = |reason: &str| CacheError::InvalidRemote {
            url: config.url.clone(),
            reason: reason.to_string(),
        };
        if url.starts_with("https://") {
            return Err(invalid(
                "this wt build has no TLS support; use an http:// URL (for example a local TLS-terminating proxy)",
            ));
        }
        let Some(rest) = url.strip_prefix("http://") else {
            return Err(invalid(
                "expected an http:// URL, e.g. http://cache.internal:8080",
            ));
        };
        if rest.is_empty() || rest.starts_with('/') {
            return Err(invalid("the URL has no host"));
        }
        if rest.contains(['?', '#']) {
            return Err(invalid("the URL must not have a query or fragment"));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            .http_status_as_error(false)
            .user_agent(concat!("wt/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Remote {
            base: url.trim_end_matches('/').to_string(),
            read_only: config.read_only,
            agent,
            down: AtomicBool::new(false),
            uploads_off: AtomicBool::new(false),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    /// Switches the remote off; true if this call did it (so only one warning is printed).
    pub fn set_down(&self) -> bool {
        !self.down.swap(true, Ordering::Relaxed)
    }

    pub fn uploads_off(&self) -> bool {
        self.read_only || self.is_down() || self.uploads_off.load(Ordering::Relaxed)
    }

    pub fn set_uploads_off(&self) {
        self.uploads_off.store(true, Ordering::Relaxed);
    }

    fn url(&self, store: Store, name: &str) -> String {
        format!("{}/{}/{name}", self.base, store.path())
    }

    fn unreachable(&self, method: &str, url: &str, e: ureq::Error) -> RemoteError {
        RemoteError::Unreachable(format!("{method} {url} failed: {e}"))
    }

    fn status(&self, method: &str, url: &str, status: ureq::http::StatusCode) -> RemoteError {
        RemoteError::Status(format!("{method} {url} answered {status}"))
    }

    /// The object's bytes, or `None` on 404.
    pub fn get(&self, store: Store, name: &str) -> Result<Option<Vec<u8>>, RemoteError> {
        let url = self.url(store, name);
        let response = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| self.unreachable("GET", &url, e))?;
        match response.status().as_u16() {
            200 => response
                .into_body()
                .into_with_config()
                .limit(u64::MAX)
                .read_to_vec()
                .map(Some)
                .map_err(|e| self.unreachable("GET", &url, e)),
            404 => Ok(None),
            _ => Err(self.status("GET", &url, response.status())),
        }
    }

    /// Whether the object exists.
    pub fn head(&self, store: Store, name: &str) -> Result<bool, RemoteError> {
        let url = self.url(store, name);
        let response = self
            .agent
            .head(&url)
            .call()
            .map_err(|e| self.unreachable("HEAD", &url, e))?;
        match response.status().as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(self.status("HEAD", &url, response.status())),
        }
    }

    /// Stores the object.
    pub fn put(&self, store: Store, name: &str, data: &[u8]) -> Result<(), RemoteError> {
        let url = self.url(store, name);
        let response = self
            .agent
            .put(&url)
            .header("Content-Type", "application/octet-stream")
            .send(data)
            .map_err(|e| self.unreachable("PUT", &url, e))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(self.status("PUT", &url, response.status()))
        }
    }
}
