//! The IP allowlist guard of the workspace and the admin panel (the operator and admin APIs,
//! sign-in included). The visitor protocol, bots, channels and the Stored Data API are not
//! behind it. A stored list that no longer parses shuts everyone out until it is fixed with
//! `beseda allowlist clear`.

use crate::origin::client_ip;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use beseda_core::ip_allowlist::Allowlist;
use serde_json::json;
use std::net::SocketAddr;

fn refuse(message: String) -> Response {
    (StatusCode::FORBIDDEN, Json(json!({"error": "ip-not-allowed", "message": message}))).into_response()
}

pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let settings = match state.store.settings().await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "reading the settings failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    if settings.ip_allowlist.trim().is_empty() {
        return next.run(req).await;
    }
    let Ok(list) = Allowlist::parse(&settings.ip_allowlist) else {
        return refuse("the IP allowlist setting is invalid; clear it with `beseda allowlist clear`".into());
    };
    let Some(peer) = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) else {
        return refuse("the client address is unknown".into());
    };
    let ip = client_ip(&state.config.trusted_proxies, peer, req.headers());
    if list.allows(ip) {
        next.run(req).await
    } else {
        refuse(format!("{ip} is not in the IP allowlist"))
    }
}
