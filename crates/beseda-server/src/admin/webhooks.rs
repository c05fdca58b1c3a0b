//! Chat event handler calls in the admin panel: the list (failed and dead ones with their last
//! status and error) and a manual re-send with the same id and body.

use super::admin_only;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Query};
use crate::operator::session::OperatorAuth;
use crate::state::AppState;
use crate::throttle::ClientIp;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
}

/// `GET /api/admin/v1/webhooks?status=`: the newest 200 calls.
pub async fn list(
    State(state): State<AppState>,
    who: OperatorAuth,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    admin_only(&who)?;
    let status = q.status.filter(|s| !s.is_empty());
    if let Some(s) = &status {
        if !["pending", "delivered", "failed", "dead"].contains(&s.as_str()) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid-status",
                "status is pending, delivered, failed or dead",
            ));
        }
    }
    let calls = state.store.webhook_deliveries(status.as_deref(), 200).await.map_err(ApiError::operator)?;
    Ok(Json(json!({"deliveries": calls})))
}

/// `POST /api/admin/v1/webhooks/{id}/resend`.
pub async fn resend(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    admin_only(&who)?;
    if !state.store.resend_webhook(id).await.map_err(ApiError::operator)? {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "not-found", "no such call, or it is already pending"));
    }
    state.webhook_wake.notify_one();
    let actor = crate::audit::Actor::operator(&who, ip);
    crate::audit::record(&state, &actor, "webhook.resend", ("webhook", &id), json!({})).await;
    Ok(Json(json!({"result": "ok"})))
}
