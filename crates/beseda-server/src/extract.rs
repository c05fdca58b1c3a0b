//! Path and query extractors of the operator and admin APIs whose rejections are the API's
//! JSON errors (`wrong-argument-value`), not axum's plain text.

use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// Path parameters; a value of the wrong type (`/chats/abc`) is a 400 `wrong-argument-value`.
pub struct Path<T>(pub T);

/// Query parameters; a value of the wrong type is a 400 `wrong-argument-value`.
pub struct Query<T>(pub T);

fn wrong(what: &str, detail: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "wrong-argument-value", format!("bad {what}: {}", plain(&detail)))
}

/// axum's and serde's wording in words a client's developer reads without knowing Rust:
/// "Cannot parse `abc` to a `i64`" becomes "`abc` is not a whole number".
fn plain(detail: &str) -> String {
    let detail = detail
        .trim_start_matches("Invalid URL: ")
        .trim_start_matches("Failed to deserialize query string: ")
        .replace("invalid digit found in string", "not a whole number")
        .replace("number too large to fit in target type", "too large a number");
    let Some((value, kind)) = detail
        .split_once("Cannot parse `")
        .and_then(|(_, rest)| rest.split_once("` to a `"))
        .and_then(|(value, rest)| rest.split_once('`').map(|(kind, _)| (value, kind)))
    else {
        return detail;
    };
    let kind = match kind {
        "i64" | "u64" | "i32" | "u32" | "usize" => "a whole number",
        "f64" | "f32" => "a number",
        "bool" => "true or false",
        _ => "a valid value here",
    };
    format!("`{value}` is not {kind}")
}

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|e| wrong("path", e.body_text()))
    }
}

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e| wrong("query", e.body_text()))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rejections_are_worded_for_people() {
        assert_eq!(super::plain("Invalid URL: Cannot parse `abc` to a `i64`"), "`abc` is not a whole number");
        assert_eq!(
            super::plain("Failed to deserialize query string: cursor: invalid digit found in string"),
            "cursor: not a whole number"
        );
    }
}
