//! The web widget's files: the loader a site embeds, and the chat app in its iframe
//! (`crates/beseda-server/widget/`). Built into the binary; the app's files are named with a
//! hash of their contents, so browsers may keep them for a long time.

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

pub const LOADER: &str = include_str!("../widget/loader.js");
pub const APP: &str = include_str!("../widget/app.js");
pub const STYLE: &str = include_str!("../widget/app.css");
const FRAME: &str = include_str!("../widget/frame.html");

/// What the iframe page may load and do: only this server's files, no inline code.
const FRAME_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                            connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'";

fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| hex::encode(&Sha256::digest(format!("{APP}{STYLE}"))[..6]))
}

fn file(body: &'static str, content_type: &'static str, cache: &'static str) -> Response {
    let nosniff = (header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, cache), nosniff], body).into_response()
}

/// `GET /widget/loader.js`: re-checked every few minutes, so sites pick up new versions.
pub async fn loader() -> Response {
    file(LOADER, "application/javascript; charset=utf-8", "public, max-age=300")
}

pub async fn app() -> Response {
    file(APP, "application/javascript; charset=utf-8", "public, max-age=31536000, immutable")
}

pub async fn style() -> Response {
    file(STYLE, "text/css; charset=utf-8", "public, max-age=31536000, immutable")
}

/// `GET /widget/frame?location=…`: the chat window (the app reads its parameters itself).
pub async fn frame() -> Response {
    let page = FRAME.replace("{version}", version());
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
