//! The HTTP client and async runtime behind rattler's (async) channel and package APIs.

use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};

/// A client for channels and packages. Offline, every request is refused before it leaves the
/// machine, so `--offline` is a guarantee rather than a preference.
pub fn client(offline: bool) -> ClientWithMiddleware {
    let inner = reqwest::Client::builder()
        .user_agent(concat!("wt/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default();
    let builder = ClientBuilder::new(inner);
    if offline {
        builder.with(rattler_networking::OfflineMiddleware).build()
    } else {
        builder.build()
    }
}

/// Runs a future to completion on a runtime of its own. Build steps run on plain threads, so
/// each solve or install drives its own small runtime.
pub fn block_on<F: std::future::Future>(future: F) -> std::io::Result<F::Output> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(rt.block_on(future))
}
