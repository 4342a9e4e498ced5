//! Error answers. Every error the server gives is JSON:
//! - `{"detail": "<message>"}` for request problems (400, 404, 405, 413, 422) and server
//!   problems (500, 502, 503), as FastAPI answers;
//! - `{"detail": [ValidationErrorItem, …]}` (422) for parameters or documents that do not
//!   match their schema;
//! - `{"result": null, "error": "<message>", "trace": …}` (the `ResponseModel` of the peer)
//!   when a run was attempted and failed.

use crate::contracts::ValidationErrorItem;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: Json,
}

impl ApiError {
    pub fn detail(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: json!({"detail": message.into()}),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::detail(StatusCode::BAD_REQUEST, message)
    }

    pub fn unprocessable(message: impl Into<String>) -> ApiError {
        ApiError::detail(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::detail(StatusCode::NOT_FOUND, message)
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::detail(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// 422 with jsonschema-native items.
    pub fn validation(items: Vec<ValidationErrorItem>) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: json!({"detail": items}),
        }
    }

    /// A run that was attempted and failed, in result.json's shape.
    pub fn run_failed(
        status: StatusCode,
        error: impl Into<String>,
        trace: Option<String>,
    ) -> ApiError {
        ApiError {
            status,
            body: json!({"result": null, "error": error.into(), "trace": trace}),
        }
    }

    /// The message, whatever the body's shape.
    pub fn message(&self) -> String {
        match (self.body.get("detail"), self.body.get("error")) {
            (Some(Json::String(s)), _) | (_, Some(Json::String(s))) => s.clone(),
            (Some(items @ Json::Array(_)), _) => {
                let items: Vec<ValidationErrorItem> =
                    serde_json::from_value(items.clone()).unwrap_or_default();
                crate::run::format_violations(&items).trim_end().to_string()
            }
            _ => self.body.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}
