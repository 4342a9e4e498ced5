//! A client of a Bazel-style HTTP remote cache: `GET/PUT/HEAD <url>/ac/<key>` and
//! `<url>/cas/<sha256>`, 404 meaning "not there". Any server that stores what is PUT and serves
//! it back works: nginx with WebDAV PUT, bazel-remote, a plain object store behind a proxy.
//!
//! `http://` and `https://` (verified as [`crate::http_tls`] says). Credentials in the URL
//! (`https://user:password@cache.example`) are sent as HTTP basic auth, the scheme
//! bazel-remote and nginx use, and never printed: every message shows the URL without them.
//! Timeouts are bounded (connect 5 s, a whole request 60 s) so a dead cache costs seconds, and
//! after the first transport failure the remote is switched off for the rest of the process
//! (see [`super::Cache`]).

use super::remote_auth::{basic_auth, parse_header, redacted};
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
    /// 401 or 403: the remote wants other credentials. Reads are switched off after one of
    /// these (they would all be refused); a refused upload only stops uploads (read-only
    /// credentials).
    Denied(String),
    /// Another answer that is neither success nor 404 (500, ...).
    Status(String),
}

impl std::fmt::Display for RemoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RemoteError::Unreachable(m) | RemoteError::Denied(m) | RemoteError::Status(m) => {
                f.write_str(m)
            }
        }
    }
}

pub(crate) struct Remote {
    /// The URL without credentials and without a trailing `/`.
    base: String,
    /// Sent with every request: `Authorization: Basic …` when the URL carried credentials,
    /// then the configured headers.
    headers: Vec<(String, String)>,
    pub read_only: bool,
    agent: ureq::Agent,
    /// Set after a transport failure: no more requests this process.
    down: AtomicBool,
    /// Set after an upload failure: lookups go on, uploads stop.
    uploads_off: AtomicBool,
}

impl Remote {
    pub fn new(config: &RemoteConfig) -> Result<Remote, CacheError> {
        let invalid = |reason: &str| CacheError::InvalidRemote {
            url: redacted(&config.url),
            reason: reason.to_string(),
        };
        let mut url = url::Url::parse(config.url.trim()).map_err(|e| {
            invalid(&format!(
                "{e}; expected an http:// or https:// URL, e.g. https://cache.internal:8080"
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid(
                "expected an http:// or https:// URL, e.g. https://cache.internal:8080",
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("the URL has no host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("the URL must not have a query or fragment"));
        }
        let mut headers: Vec<(String, String)> = basic_auth(&url)
            .map(|value| ("Authorization".to_string(), value))
            .into_iter()
            .collect();
        for header in &config.headers {
            headers.push(parse_header(header).map_err(|reason| invalid(&reason))?);
        }
        let _ = url.set_username("");
        let _ = url.set_password(None);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            .http_status_as_error(false)
            .user_agent(concat!("wt/", env!("CARGO_PKG_VERSION")))
            .tls_config(crate::http_tls::config())
            .build()
            .into();
        Ok(Remote {
            base: url.as_str().trim_end_matches('/').to_string(),
            headers,
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

    fn authorize<B>(&self, request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        self.headers.iter().fold(request, |request, (name, value)| {
            request.header(name, value)
        })
    }

    fn unreachable(&self, method: &str, url: &str, e: ureq::Error) -> RemoteError {
        RemoteError::Unreachable(format!("{method} {url} failed: {e}"))
    }

    fn status(&self, method: &str, url: &str, status: ureq::http::StatusCode) -> RemoteError {
        let message = format!("{method} {url} answered {status}");
        match status.as_u16() {
            401 | 403 => RemoteError::Denied(message),
            _ => RemoteError::Status(message),
        }
    }

    /// The object's bytes, or `None` on 404.
    pub fn get(&self, store: Store, name: &str) -> Result<Option<Vec<u8>>, RemoteError> {
        let url = self.url(store, name);
        let response = self
            .authorize(self.agent.get(&url))
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
            .authorize(self.agent.head(&url))
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
            .authorize(self.agent.put(&url))
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
