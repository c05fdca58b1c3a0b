//! The transport layer's one error type: an HTTP status, a stable machine-readable code and a
//! human message. Renders as `{"error": "<code>", "message": "…"}` (visitor-protocol clients
//! read only `error`). Internal errors are logged and answered generically.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use beseda_core::DomainError;
use beseda_store::StoreError;

/// Every error answer's body, as it is sent.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(title = "Error")]
pub struct ErrorBody {
    /// A stable machine-readable code, e.g. `chat-not-found`, `wrong-argument-value`.
    pub error: String,
    /// What went wrong, for people.
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for `Retry-After`, if any.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after: None }
    }

    /// The same, with `Retry-After` (whole seconds, at least 1).
    pub fn retry_after(self, wait: std::time::Duration) -> Self {
        Self { retry_after: Some(crate::throttle::retry_secs(wait)), ..self }
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
                    ChatTaken
                    | ChatClosed
                    | OperatorOffline
                    | OperatorLanguageNotSpoken
                    | DepartmentOffline
                    | LanguageNotSpokenOnline
                    | MultilangOff
                    | VisitorHasChat
                    | VisitorBanned => StatusCode::CONFLICT,
                    HiddenBySettings | ChatNotServed | MessageNotOwned => StatusCode::FORBIDDEN,
                    ChatNotFound | MessageNotFound | FileNotFound | VisitorNotOnSite | VisitorNotFound
                    | TeleportPageNotFound => StatusCode::NOT_FOUND,
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
        let mut response =
            (self.status, Json(ErrorBody { error: self.code.to_owned(), message: self.message })).into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The error bodies of Beseda's APIs. The Bot API and the Custom Channel API speak Webim's
/// `{"error", "desc"}` (bot-api.md §5, custom-channel.md); every other API `{"error", "message"}`
/// ([`ErrorBody`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Beseda,
    Webim,
}

impl Dialect {
    fn of(path: &str) -> Self {
        if path.starts_with("/api/bot/") || path.starts_with("/api/custom-channel/") {
            Dialect::Webim
        } else {
            Dialect::Beseda
        }
    }
}

/// The code of an error answer that no handler wrote (axum's own rejections: a body too
/// large, a wrong method, a wrong content type, a failed WebSocket upgrade; an unknown path).
fn code_for(status: StatusCode, dialect: Dialect) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "unknown-method",
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "request-too-large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid-body",
        StatusCode::UPGRADE_REQUIRED => "upgrade-required",
        StatusCode::TOO_MANY_REQUESTS => "too-many-requests",
        s if s.is_server_error() && dialect == Dialect::Webim => "internal-error",
        s if s.is_server_error() => "internal_error",
        _ => "bad-request",
    }
}

/// Middleware: every error answer is JSON with a code, in the body of the API the path belongs
/// to. Handlers answer with [`ApiError`] (or their API's error) already; this rewrites the
/// plain-text rejections axum produces before a handler runs, and the unknown-path answer.
pub async fn json_errors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let dialect = Dialect::of(request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let mut message: String = String::from_utf8_lossy(&text).trim().chars().take(300).collect();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        message = "the request body is larger than this server accepts".to_owned();
    }
    if message.is_empty() {
        message = status.canonical_reason().unwrap_or("error").to_owned();
    }
    let code = code_for(status, dialect);
    let mut answer = match dialect {
        Dialect::Beseda => ApiError::new(status, code, message).into_response(),
        Dialect::Webim => {
            let body = beseda_core::protocol::bot::calls::ErrorBody { error: code.to_owned(), desc: message };
            (status, Json(body)).into_response()
        }
    };
    // Keep what the rejection said besides its body (Allow, Retry-After, WWW-Authenticate).
    for (name, value) in parts.headers.iter() {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            answer.headers_mut().append(name.clone(), value.clone());
        }
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::Dialect;

    #[test]
    fn the_bot_and_channel_apis_answer_in_webims_error_body() {
        assert!(Dialect::of("/api/bot/v2/send_message") == Dialect::Webim);
        assert!(Dialect::of("/api/custom-channel/v1/shop/message") == Dialect::Webim);
        assert!(Dialect::of("/api/operator/v1/me") == Dialect::Beseda);
        assert!(Dialect::of("/api/botany") == Dialect::Beseda);
    }
}
