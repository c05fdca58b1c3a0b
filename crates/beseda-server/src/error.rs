//! The transport layer's one error type: an HTTP status, a stable machine-readable code and a
//! human message. Renders as `{"error": "<code>", "message": "…"}` (visitor-protocol clients
//! read only `error`). Internal errors are logged and answered generically.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use beseda_core::DomainError;
use beseda_store::StoreError;
use serde_json::json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "internal error")
    }

    /// A store error on the visitor protocol (statuses of visitor-api.md §17).
    pub fn visitor(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => Self::visitor_domain(d),
            StoreError::NotFound => Self::new(StatusCode::OK, "reinit-required", "session not found"),
            other => Self::internal(other),
        }
    }

    pub fn visitor_domain(d: DomainError) -> Self {
        use DomainError::*;
        let status = match d {
            ArgumentMissing(_) | WrongArgumentValue(_) => StatusCode::BAD_REQUEST,
            VisitorBanned => StatusCode::FORBIDDEN,
            FileNotFound => StatusCode::NOT_FOUND,
            _ => StatusCode::OK,
        };
        Self::new(status, d.code(), d.to_string())
    }

    /// A store error on the operator API.
    pub fn operator(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => {
                use DomainError::*;
                let status = match d {
                    ChatTaken | ChatClosed | OperatorOffline | DepartmentOffline => StatusCode::CONFLICT,
                    HiddenBySettings => StatusCode::FORBIDDEN,
                    ChatNotFound | MessageNotFound | FileNotFound => StatusCode::NOT_FOUND,
                    ArgumentMissing(_) | WrongArgumentValue(_) => StatusCode::BAD_REQUEST,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                Self::new(status, d.code(), d.to_string())
            }
            StoreError::NotFound => Self::new(StatusCode::NOT_FOUND, "not-found", "not found"),
            StoreError::Conflict(m) => Self::new(StatusCode::CONFLICT, "conflict", m),
            other => Self::internal(other),
        }
    }

    pub fn argument_missing(name: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "argument-missing", format!("missing argument `{name}`"))
    }

    pub fn wrong_argument(name: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "wrong-argument-value", format!("bad value for `{name}`"))
    }

    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request-too-large",
            format!("request body is larger than {limit} bytes"),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"error": self.code, "message": self.message}))).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
