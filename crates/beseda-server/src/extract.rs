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
    ApiError::new(StatusCode::BAD_REQUEST, "wrong-argument-value", format!("bad {what}: {detail}"))
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
