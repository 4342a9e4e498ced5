//! TLS for every HTTP client of wt: ureq's blocking agents (the remote cache, span export,
//! `wt serve`'s Cloud Batch client, PyPI metadata) and reqwest's async client under rattler.
//!
//! Servers are verified by rustls with the platform verifier, the same stack and trust roots
//! for both clients: the system's certificate authorities, which on Linux are read from
//! `SSL_CERT_FILE` / `SSL_CERT_DIR` when those are set (a private CA, a TLS-intercepting proxy).
//!
//! The crypto provider is *ring*. reqwest's `rustls` feature (which rattler's `rustls` features
//! turn on) would link aws-lc-rs instead, whose C library `aws-lc-sys` is the slowest crate of
//! a fresh build; wt enables reqwest's `rustls-no-provider` and installs ring as the process's
//! default provider before the first reqwest client is built ([`install_default_provider`]).

use std::sync::{Arc, Once};
use ureq::tls::{RootCerts, TlsConfig, TlsProvider};

/// The crypto provider of every TLS connection wt makes.
fn provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// Makes ring rustls's process-wide default, which reqwest (built without a provider of its
/// own) reads when a client is built. Idempotent; a default installed earlier by an embedding
/// program is kept.
pub fn install_default_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // Losing a race to another installer leaves a working default: ignore it.
            let _ = provider().install_default();
        }
    });
}

/// The TLS settings every ureq agent of wt uses.
pub fn config() -> TlsConfig {
    TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(Arc::new(provider()))
        .root_certs(RootCerts::PlatformVerifier)
        .build()
}
