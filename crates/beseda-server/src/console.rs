//! The operators' browser console: the workspace (`/workspace`) and the admin panel
//! (`/admin`), plain JavaScript ES modules in `crates/beseda-server/console/` (with the
//! helpers in `common/`), built into the binary and served by [`crate::assets`]. Both pages
//! load only this server's files; no inline code runs.

use crate::assets::App;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; \
                      connect-src 'self' ws: wss:; media-src 'self' data:; base-uri 'none'; form-action 'none'; \
                      frame-ancestors 'none'";

/// Every console response: no type sniffing, no address of the console in other sites' logs.
const HARDENING: [(header::HeaderName, &str); 2] =
    [(header::X_CONTENT_TYPE_OPTIONS, "nosniff"), (header::REFERRER_POLICY, "same-origin")];

fn page(title: &str, app: &str) -> Response {
    let style = App::Console.url("console/console.css");
    let script = App::Console.url(&format!("console/{app}/main.js"));
    let html = format!(
        "<!doctype html>\n<html lang=\"ru\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, \
         initial-scale=1\">\n<title>{title}</title>\n<link rel=\"icon\" href=\"data:,\">\n<link rel=\"stylesheet\" href=\"{style}\">\n\
         <script type=\"module\" src=\"{script}\"></script>\n</head>\n<body>\n<div id=\"console\"></div>\n</body>\n</html>\n"
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

/// The workspace's service worker: shows Web Push notifications and opens their chats. A fixed
/// address (browsers update a worker in place), within its own scope `/workspace/`, revalidated
/// on every load; it loads nothing itself.
const SERVICE_WORKER: &str = include_str!("../console/workspace/sw.js");

/// `GET /workspace/sw.js`.
pub async fn service_worker() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'"),
        ],
        HARDENING,
        SERVICE_WORKER,
    )
        .into_response()
}
