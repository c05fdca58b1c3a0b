//! The organisation's images kept in the settings as `data:` URLs — the company logo and the
//! lead-generator photo: checked when saved (type from the content, at most 100×100 pixels),
//! served to the widget from `/widget/image/{name}`.

use crate::state::AppState;
use crate::visitor::files::{image_size, sniff};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use beseda_core::settings::OrgSettings;
use sha2::{Digest, Sha256};

/// Largest side, pixels (seed 003).
const MAX_SIDE: i64 = 100;
/// Largest image, bytes.
const MAX_BYTES: usize = 64 * 1024;

/// The bytes and content type of a `data:` URL whose content is one of `allowed`.
pub fn decode(data_url: &str, allowed: &[&str]) -> Result<(Vec<u8>, &'static str), &'static str> {
    let b64 = data_url
        .strip_prefix("data:")
        .and_then(|r| r.split_once(";base64,"))
        .map(|(_, b)| b)
        .ok_or("a data: URL with base64 content")?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64.trim()).map_err(|_| "base64 that decodes")?;
    if bytes.len() > MAX_BYTES {
        return Err("at most 64 KB");
    }
    let kind = sniff(&bytes).filter(|k| allowed.contains(k)).ok_or("an image of an allowed type")?;
    match image_size(&bytes) {
        Some((w, h)) if w <= MAX_SIDE && h <= MAX_SIDE && w > 0 && h > 0 => Ok((bytes, kind)),
        Some(_) => Err("at most 100×100 pixels"),
        None => Err("an image whose size can be read"),
    }
}

pub const LOGO_TYPES: &[&str] = &["image/jpeg", "image/gif", "image/png"];
pub const PHOTO_TYPES: &[&str] = &["image/jpeg", "image/png"];

fn data_url<'a>(s: &'a OrgSettings, name: &str) -> Option<&'a str> {
    match name {
        "logo" => Some(s.logo.as_str()),
        "lead_photo" => Some(s.lead_photo.as_str()),
        _ => None,
    }
    .filter(|u| !u.is_empty())
}

/// A short hash of an image's `data:` URL, which versions its path.
pub fn fingerprint(data_url: &str) -> String {
    hex::encode(&Sha256::digest(data_url.as_bytes())[..4])
}

/// The widget's path of image `name`, versioned by its content (`None` when there is none).
pub fn path(s: &OrgSettings, name: &str) -> Option<String> {
    let url = data_url(s, name)?;
    Some(format!("/widget/image/{name}?v={}", fingerprint(url)))
}

/// `GET /widget/image/{name}`: `logo`, `lead_photo` or `operator-{id}`.
pub async fn serve(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    let found = match name.strip_prefix("operator-").map(str::parse::<i64>) {
        Some(Ok(id)) => state.store.operator_photo(beseda_core::ids::OperatorId(id)).await,
        Some(Err(_)) => Ok(None),
        None => state.store.settings().await.map(|s| data_url(&s, &name).map(str::to_owned)),
    };
    let url = match found {
        Ok(u) => u,
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    match url.as_deref().and_then(|u| decode(u, LOGO_TYPES).ok()) {
        Some((bytes, kind)) => crate::file_headers::image(kind, "public, max-age=86400", bytes),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
