//! The environment variables wt reads or sets in more than one place, named once. Each says
//! who reads it.

/// The cache folder (wt's own, and where it keeps environments and uv's downloads).
pub const CACHE_DIR: &str = "WT_CACHE_DIR";
/// Where a run writes `result.json` (`wt run`'s default, and what invokers hand a run).
pub const RESULTS: &str = "WT_RESULTS";
/// uv's download cache; wt points it into its own cache unless the user set it.
pub const UV_CACHE_DIR: &str = "UV_CACHE_DIR";
/// Lithops reads its settings from this file (lithops `config.py`), for `async` runs.
pub const LITHOPS_CONFIG_FILE: &str = "LITHOPS_CONFIG_FILE";
/// W3C trace context handed to a run, so its spans join the caller's trace.
pub const TRACEPARENT: &str = "TRACEPARENT";
pub const TRACESTATE: &str = "TRACESTATE";
/// Where a run exports its spans (OpenTelemetry's OTLP exporter reads it).
pub const OTEL_TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
/// Set in every Python process wt starts, so environments and workspaces stay as built.
pub const PYTHONDONTWRITEBYTECODE: &str = "PYTHONDONTWRITEBYTECODE";
/// Set (to the workspace) or removed, so a run imports what wt means it to.
pub const PYTHONPATH: &str = "PYTHONPATH";
