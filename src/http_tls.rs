//! TLS for wt's blocking HTTP clients: the remote cache and `wt serve`'s Cloud Batch client.
//!
//! Servers are verified by rustls with the platform verifier, the same stack and trust roots
//! as the conda channel client ([`crate::conda::net`]): the system's certificate authorities,
//! which on Linux are read from `SSL_CERT_FILE` / `SSL_CERT_DIR` when those are set (a private
//! CA, a TLS-intercepting proxy). The crypto provider is aws-lc-rs, the one reqwest already
//! links, so TLS adds no second implementation to the binary.

use std::sync::Arc;
use ureq::tls::{RootCerts, TlsConfig, TlsProvider};

/// The TLS settings every ureq agent of wt uses.
pub fn config() -> TlsConfig {
    TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .root_certs(RootCerts::PlatformVerifier)
        .build()
}
