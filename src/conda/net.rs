//! The HTTP client and async runtime behind rattler's (async) channel and package APIs.
//!
//! Servers are verified by reqwest's rustls with rustls-platform-verifier (the system's trust
//! roots), plus the certificates of `SSL_CERT_FILE` and `SSL_CERT_DIR` (see [`super::certs`]),
//! so a private channel or a TLS-intercepting proxy is trusted the way curl and pip trust it.

use super::certs;
use anyhow::{Result, anyhow};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};

/// A client for channels and packages. Offline, every request is refused before it leaves the
/// machine, so `--offline` is a guarantee rather than a preference.
///
/// Fails when `SSL_CERT_FILE` or `SSL_CERT_DIR` names something that holds no usable
/// certificate: ignoring it would only move the problem to a later, vaguer TLS error.
pub fn client(offline: bool) -> Result<ClientWithMiddleware> {
    let roots = certs::from_env()?;
    crate::http_tls::install_default_provider();
    let inner = reqwest::Client::builder()
        .user_agent(concat!("wt/", env!("CARGO_PKG_VERSION")))
        .tls_certs_merge(roots.certificates)
        .build()
        .map_err(|e| setup_error(&e, &roots.sources))?;
    let builder = ClientBuilder::new(inner);
    Ok(if offline {
        builder.with(rattler_networking::OfflineMiddleware).build()
    } else {
        builder.build()
    })
}

/// reqwest reads the extra roots as X.509 only when it builds the client (a PEM block of
/// garbage passes [`certs`]), so a bad certificate surfaces here: name where it came from. On
/// Linux the platform verifier also fails when it finds no CA at all: a system without a CA
/// bundle (a slim container), or an `SSL_CERT_FILE` set to an empty value, which it does not
/// read as unset.
fn setup_error(e: &reqwest::Error, sources: &[String]) -> anyhow::Error {
    let cause = chain(e);
    let mut msg = format!("could not set up the HTTPS client for conda channels: {cause}");
    let no_ca = cause.contains("No CA certificates were loaded");
    let empty_file = std::env::var_os("SSL_CERT_FILE").is_some_and(|v| v.is_empty());
    if no_ca && empty_file {
        msg.push_str(
            "\n  = help: SSL_CERT_FILE is set to an empty value: unset it, or name a PEM bundle",
        );
    } else if no_ca {
        msg.push_str(
            "\n  = help: install the system's CA certificates (e.g. the `ca-certificates` package), \
             or set SSL_CERT_FILE to a PEM bundle of the certificates to trust",
        );
    } else if !sources.is_empty() {
        msg.push_str(&format!(
            "\n  = help: check the certificates of {}: each must be a valid X.509 certificate in PEM",
            sources.join(", ")
        ));
    }
    anyhow!(msg)
}

/// `e` and its sources, `: `-separated (reqwest's own Display leaves out the cause).
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.truncate(text.trim_end_matches('.').len());
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// Whether an error text is rustls refusing the server's certificate because no trusted CA
/// signed it (a private CA, a self-signed certificate, a TLS-intercepting proxy). rustls's
/// error is buried under reqwest's and hyper's, and rattler turns some into text, so the text
/// is all there is. Other certificate problems (expired, wrong name) keep rustls's words.
pub fn is_untrusted_certificate(message: &str) -> bool {
    message.contains("invalid peer certificate: UnknownIssuer")
}

/// What to do about a certificate [`is_untrusted_certificate`] describes.
pub const UNTRUSTED_HELP: &str = "the server's certificate is not signed by a CA wt trusts; if the channel (or a proxy in between) uses a private CA, set SSL_CERT_FILE to a PEM bundle that holds its certificate";

/// Runs a future to completion on a runtime of its own. Build steps run on plain threads, so
/// each solve or install drives its own small runtime.
pub fn block_on<F: std::future::Future>(future: F) -> std::io::Result<F::Output> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(rt.block_on(future))
}
