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
use beseda_core::operator_wire::answers::Done;
use beseda_store::WebhookDelivery;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// A chat event handler call and where it stands (the store's row without the body).
#[derive(Serialize, ToSchema)]
pub struct WebhookCall {
    pub id: i64,
    /// The id the handler receives (the same on a re-send).
    pub event_id: String,
    /// `chat_started`, `chat_assigned`, `chat_closed`, …
    pub event: String,
    pub chat_id: i64,
    pub url: String,
    /// `pending`, `delivered`, `failed` (not retried) or `dead` (retries spent).
    pub status: String,
    /// Attempts made so far.
    pub attempts: i64,
    /// Microseconds since the epoch.
    pub created_at: i64,
    pub due_at: i64,
    pub done_at: Option<i64>,
    /// The HTTP status of the last attempt, and what went wrong.
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}

impl WebhookCall {
    fn new(d: &WebhookDelivery) -> Self {
        Self {
            id: d.id,
            event_id: d.event_id.clone(),
            event: d.event.clone(),
            chat_id: d.chat_id,
            url: d.url.clone(),
            status: d.status.clone(),
            attempts: d.attempts,
            created_at: d.created_at,
            due_at: d.due_at,
            done_at: d.done_at,
            last_status: d.last_status,
            last_error: d.last_error.clone(),
        }
    }
}

/// Chat event handler calls, newest first.
#[derive(Serialize, ToSchema)]
pub struct WebhookCalls {
    pub deliveries: Vec<WebhookCall>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
}

/// `GET /api/admin/v1/webhooks?status=`: the newest 200 calls.
pub async fn list(
    State(state): State<AppState>,
    who: OperatorAuth,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<WebhookCalls>> {
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
    Ok(Json(WebhookCalls { deliveries: calls.iter().map(WebhookCall::new).collect() }))
}

/// `POST /api/admin/v1/webhooks/{id}/resend`.
pub async fn resend(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> ApiResult<Json<Done>> {
    admin_only(&who)?;
    if !state.store.resend_webhook(id).await.map_err(ApiError::operator)? {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "not-found", "no such call, or it is already pending"));
    }
    state.webhook_wake.notify_one();
    let actor = crate::audit::Actor::operator(&who, ip);
    crate::audit::record(&state, &actor, "webhook.resend", ("webhook", &id), json!({})).await;
    Ok(Json(Done::default()))
}
