//! The launchpad page (`GET /ui`): a form for every served workflow, rendered in the browser
//! by react-jsonschema-form from the workflow's rjsf.json, that runs it through this server's
//! own API and shows the result.
//!
//! The page is one bundle built from `ui/` (npm, pinned by `ui/package-lock.json`) and
//! committed in `ui/dist/`; it is embedded here at compile time, so building wt needs no node.
//! Answers carry a weak ETag (the same content gzipped or not) for revalidation, and a
//! Content-Security-Policy that allows the page's own script, style and API calls and nothing
//! else, plus `'unsafe-eval'`: Ajv, RJSF's validator, compiles each schema with `new Function`.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::OnceLock;

/// One embedded file of the page.
struct Asset {
    bytes: &'static [u8],
    content_type: &'static str,
    etag: OnceLock<String>,
}

impl Asset {
    const fn new(bytes: &'static [u8], content_type: &'static str) -> Asset {
        Asset {
            bytes,
            content_type,
            etag: OnceLock::new(),
        }
    }

    fn etag(&self) -> &str {
        self.etag.get_or_init(|| {
            let digest = blake3::hash(self.bytes).to_hex();
            format!("W/\"{}\"", &digest[..32])
        })
    }
}

static INDEX: Asset = Asset::new(
    include_bytes!("../../ui/dist/index.html"),
    "text/html; charset=utf-8",
);
static SCRIPT: Asset = Asset::new(
    include_bytes!("../../ui/dist/launchpad.js"),
    "text/javascript; charset=utf-8",
);
static STYLE: Asset = Asset::new(
    include_bytes!("../../ui/dist/launchpad.css"),
    "text/css; charset=utf-8",
);
static LICENSES: Asset = Asset::new(
    include_bytes!("../../ui/dist/launchpad.js.LEGAL.txt"),
    "text/plain; charset=utf-8",
);

/// What the page may load and connect to: itself only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// `GET /ui` (also `?workflow=<release>&run=<id>`, read by the page itself).
pub async fn page(headers: HeaderMap) -> Response {
    serve(&INDEX, &headers)
}

pub async fn script(headers: HeaderMap) -> Response {
    serve(&SCRIPT, &headers)
}

pub async fn style(headers: HeaderMap) -> Response {
    serve(&STYLE, &headers)
}

/// The licences of the third-party code in the bundle (React, RJSF, Ajv...).
pub async fn licenses(headers: HeaderMap) -> Response {
    serve(&LICENSES, &headers)
}

fn serve(asset: &'static Asset, request: &HeaderMap) -> Response {
    let etag = asset.etag();
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag.trim_start_matches("W/"))
        });
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            )],
            asset.bytes,
        )
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(
        header::ETAG,
        HeaderValue::from_str(etag).expect("an etag is ASCII"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
