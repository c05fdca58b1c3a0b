//! The operators' browser console: the workspace (`/workspace`) and the admin panel
//! (`/admin`), plain JavaScript in `crates/beseda-server/console/`, built into the binary.
//! Both pages load only this server's files; no inline code runs.

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

const COMMON: &str = include_str!("../console/common.js");
const WORKSPACE: &str = include_str!("../console/workspace.js");
const ADMIN: &str = include_str!("../console/admin.js");
const STYLE: &str = include_str!("../console/console.css");

const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; \
                      connect-src 'self' ws: wss:; media-src 'self' data:; base-uri 'none'; form-action 'none'; \
                      frame-ancestors 'none'";

/// Every console response: no type sniffing, no address of the console in other sites' logs.
const HARDENING: [(header::HeaderName, &str); 2] =
    [(header::X_CONTENT_TYPE_OPTIONS, "nosniff"), (header::REFERRER_POLICY, "same-origin")];

fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| hex::encode(&Sha256::digest(format!("{COMMON}{WORKSPACE}{ADMIN}{STYLE}"))[..6]))
}

fn page(title: &str, script: &str) -> Response {
    let v = version();
    let html = format!(
        "<!doctype html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, \
         initial-scale=1\">\n<title>{title}</title>\n<link rel=\"icon\" href=\"data:,\">\n<link rel=\"stylesheet\" href=\"/console/console.css?v={v}\">\n</head>\n\
         <body>\n<div id=\"console\"></div>\n<script src=\"/console/common.js?v={v}\"></script>\n\
         <script src=\"/console/{script}.js?v={v}\"></script>\n</body>\n</html>\n"
    );
    ([(header::CONTENT_SECURITY_POLICY, POLICY), (header::CACHE_CONTROL, "no-cache")], HARDENING, Html(html))
        .into_response()
}

/// `GET /workspace`.
pub async fn workspace() -> Response {
    page("Beseda", "workspace")
}

/// `GET /admin`.
pub async fn admin() -> Response {
    page("Beseda — admin", "admin")
}

/// `GET /console/{file}`.
pub async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "common.js" => (COMMON, "application/javascript; charset=utf-8"),
        "workspace.js" => (WORKSPACE, "application/javascript; charset=utf-8"),
        "admin.js" => (ADMIN, "application/javascript; charset=utf-8"),
        "console.css" => (STYLE, "text/css; charset=utf-8"),
        _ => return axum::http::StatusCode::NOT_FOUND.into_response(),
    };
    let cache = "public, max-age=31536000, immutable";
    (
        [(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, cache), (header::CONTENT_SECURITY_POLICY, POLICY)],
        HARDENING,
        body,
    )
        .into_response()
}
