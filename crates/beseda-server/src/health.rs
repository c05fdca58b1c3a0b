//! Liveness and readiness, and the answer for unknown paths.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

pub async fn healthz() -> impl IntoResponse {
    Json(json!({"status": "ok"}))
}

/// Ready when the database answers. A database that stays down is logged with back-off.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let version = env!("CARGO_PKG_VERSION");
    // Within a probe's patience: a database that is down must not hold the answer until the
    // pool gives up waiting for a connection.
    let ping = match tokio::time::timeout(std::time::Duration::from_secs(3), state.store.ping()).await {
        Ok(ping) => ping,
        Err(_) => Err(beseda_store::StoreError::Config("the database did not answer within 3 s".into())),
    };
    state.readiness_log.record("the database readiness check", &ping);
    match ping {
        Ok(()) => {
            (StatusCode::OK, Json(json!({"status": "ready", "database": state.store.backend(), "version": version})))
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unavailable", "version": version}))),
    }
}

/// An unknown path. Plain text on purpose: `crate::error::json_errors` answers it as
/// `unknown-method` in the error body of the API the path belongs to.
pub async fn not_found() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, "no such endpoint")
}
