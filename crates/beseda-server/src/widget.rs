//! The web widget's files: the loader a site embeds, and the chat app in its iframe
//! (`crates/beseda-server/widget/`). Built into the binary; the app's files are served by
//! [`crate::assets`] under a hash of their contents, so browsers may keep them for a long time.

use crate::assets::App;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

pub const LOADER: &str = include_str!("../widget/loader.js");
const FRAME: &str = include_str!("../widget/frame.html");

/// What the iframe page may load and do: only this server's files, no inline code.
const FRAME_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                            connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'";

/// `GET /widget/loader.js`: re-checked every few minutes, so sites pick up new versions.
pub async fn loader() -> Response {
    let headers = [
        (header::CONTENT_TYPE, "application/javascript; charset=utf-8"),
        (header::CACHE_CONTROL, "public, max-age=300"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    // The loader draws an invitation's Markdown with the app's renderer, under the app's hash.
    static BODY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = BODY.get_or_init(|| LOADER.replace("{widget-hash}", App::Widget.hash()));
    (headers, body.as_str()).into_response()
}

/// `GET /widget/frame?location=…`: the chat window (the app reads its parameters itself).
pub async fn frame() -> Response {
    let page = FRAME.replace("{assets}", &format!("/assets/{}/widget", App::Widget.hash()));
    // No frame-ancestors and no X-Frame-Options: customers' sites embed this page.
    let headers = [
        (header::CONTENT_SECURITY_POLICY, FRAME_POLICY),
        (header::CACHE_CONTROL, "no-cache"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
    ];
    (headers, Html(page)).into_response()
}

/// The snippet a site puts into its template for placement `location`.
pub fn embed_code(origin: &str, location: &str) -> String {
    format!("<script src=\"{origin}/widget/loader.js\" data-location=\"{location}\" async></script>")
}
