//! File links given to bots (bot-api.md §3.4): `GET /api/bot/v2/file/{guid}?hash=…`, where the
//! hash is the lowercase hex HMAC-SHA256 of the guid keyed with the bot's token. The link needs
//! no other credentials and works while the file exists and the token is unchanged.

use crate::auth;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use beseda_core::ids::FileGuid;
use beseda_core::protocol::bot::calls::ErrorCode;
use serde::Deserialize;

/// The signed link to a file for the bot with `token`.
pub fn link(origin: &str, token: &str, guid: &str) -> String {
    format!("{}/api/bot/v2/file/{guid}?hash={}", origin.trim_end_matches('/'), auth::hmac_hex(token, guid))
}

#[derive(Deserialize)]
pub struct HashQuery {
    pub hash: Option<String>,
}

fn error(status: StatusCode, code: &str) -> Response {
    (status, Json(ErrorCode { error: code.to_owned() })).into_response()
}

/// A stored file as a download (or, for a safe raster image, inline), with the safe headers.
pub fn attachment(file: beseda_store::FileRecord) -> Response {
    crate::file_headers::file(file.content_type, &file.filename, "private", file.content)
}

pub async fn download(State(state): State<AppState>, Path(guid): Path<String>, Query(q): Query<HashQuery>) -> Response {
    let Some(guid) = FileGuid::parse(&guid) else { return error(StatusCode::NOT_FOUND, "file-not-found") };
    let hash = q.hash.unwrap_or_default();
    // Links are signed with a bot's token or a custom channel's secret.
    let keys = match (state.store.bots().await, state.store.channels().await) {
        (Ok(bots), Ok(channels)) => {
            bots.into_iter().map(|b| b.token).chain(channels.into_iter().map(|c| c.secret)).collect::<Vec<_>>()
        }
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "listing link keys failed");
            return error(StatusCode::INTERNAL_SERVER_ERROR, "internal-error");
        }
    };
    let signed = keys.iter().any(|k| !k.is_empty() && auth::same(&auth::hmac_hex(k, guid.as_str()), &hash));
    if !signed {
        return error(StatusCode::FORBIDDEN, "access-denied");
    }
    match state.store.file(&guid).await {
        Ok(Some(file)) => attachment(file),
        Ok(None) => error(StatusCode::NOT_FOUND, "file-not-found"),
        Err(e) => {
            tracing::error!(error = %e, "reading a file failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal-error")
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_link_signature_matches_the_spec_example() {
        let url = super::link(
            "https://chat.example.com/",
            "7f3c9a1e5b2d4c6e8a0b1d3f5e7a9c2b4d6f8e0a",
            "010a56da72ee41e2a78d0509155de755",
        );
        assert_eq!(
            url,
            "https://chat.example.com/api/bot/v2/file/010a56da72ee41e2a78d0509155de755?hash=5f21b375c0aa822900d16cb9c168766901cb6cc62bce4b41906786483f6f7caa"
        );
    }
}
