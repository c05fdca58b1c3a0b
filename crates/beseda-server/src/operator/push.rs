//! An operator's opt-in to Web Push: the server's VAPID public key for `pushManager.subscribe`,
//! and the browser's subscription stored (PUT), listed (GET) or removed (DELETE). What is
//! pushed, and when, is in `crate::push` and `beseda_core::push`.

use super::session::OperatorAuth;
use crate::error::{ApiError, ApiResult};
use crate::push::{self, subscription};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use beseda_core::operator_wire::answers::Ok as Result_;
use beseda_core::time::micros_to_secs;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The server's VAPID public key.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PushKey {
    /// base64url.
    pub public_key: String,
}

/// One Web Push subscription of yours.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PushSubscriptionRow {
    pub id: i64,
    pub endpoint: String,
    pub created_ts: f64,
}

#[derive(Serialize, ToSchema)]
pub struct PushSubscriptions {
    pub subscriptions: Vec<PushSubscriptionRow>,
}

/// The subscription saved.
#[derive(Serialize, ToSchema)]
pub struct PushSaved {
    pub result: Result_,
    pub id: i64,
    pub endpoint: String,
}

/// How many subscriptions were removed.
#[derive(Serialize, ToSchema)]
pub struct PushRemoved {
    pub result: Result_,
    pub removed: u64,
}

/// `GET /api/operator/v1/push/key`: `{publicKey}`, base64url (the uncompressed P-256 point).
pub async fn key(State(state): State<AppState>, _who: OperatorAuth) -> ApiResult<Json<PushKey>> {
    let vapid = push::vapid(&state).await.map_err(ApiError::internal)?;
    Ok(Json(PushKey { public_key: vapid.public_key.clone() }))
}

/// `GET /api/operator/v1/push/subscription`: the operator's subscriptions (their endpoints).
pub async fn list(State(state): State<AppState>, who: OperatorAuth) -> ApiResult<Json<PushSubscriptions>> {
    let subs = state.store.push_subscriptions(who.operator.id).await.map_err(ApiError::operator)?;
    let subscriptions = subs
        .iter()
        .map(|s| PushSubscriptionRow {
            id: s.id,
            endpoint: s.endpoint.clone(),
            created_ts: micros_to_secs(s.created_at),
        })
        .collect();
    Ok(Json(PushSubscriptions { subscriptions }))
}

/// `PUT /api/operator/v1/push/subscription`: the browser's `PushSubscription` JSON. A known
/// endpoint is replaced (new keys, this operator); beyond ten per operator the oldest goes.
pub async fn put(
    State(state): State<AppState>,
    who: OperatorAuth,
    body: axum::body::Bytes,
) -> ApiResult<Json<PushSaved>> {
    let body: subscription::SubscriptionBody = crate::admin::parse(&body)?;
    let sub = subscription::validate(&body, &state.config.push_insecure_hosts)
        .map_err(|r| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, r.code, r.message))?;
    let saved = state
        .store
        .save_push_subscription(who.operator.id, &sub, push::MAX_SUBSCRIPTIONS)
        .await
        .map_err(ApiError::operator)?;
    Ok(Json(PushSaved { result: Result_::Ok, id: saved.id, endpoint: saved.endpoint }))
}

#[derive(Deserialize, Default, ToSchema)]
#[schema(as = PushUnsubscribe)]
pub struct DeleteBody {
    /// Without it: every subscription of yours.
    #[serde(default)]
    pub endpoint: Option<String>,
}

/// `DELETE /api/operator/v1/push/subscription`, optionally `{endpoint}`: that subscription of
/// the operator, or all of theirs (opting out everywhere). `{removed}` says how many went.
pub async fn delete(
    State(state): State<AppState>,
    who: OperatorAuth,
    body: axum::body::Bytes,
) -> ApiResult<Json<PushRemoved>> {
    let body: DeleteBody =
        if body.iter().all(u8::is_ascii_whitespace) { DeleteBody::default() } else { crate::admin::parse(&body)? };
    let endpoint = body.endpoint.as_deref().map(str::trim).filter(|e| !e.is_empty());
    if endpoint.is_some_and(|e| e.len() > subscription::MAX_ENDPOINT_BYTES) {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-push-endpoint", "endpoint is too long"));
    }
    let removed = state.store.delete_push_subscriptions(who.operator.id, endpoint).await.map_err(ApiError::operator)?;
    Ok(Json(PushRemoved { result: Result_::Ok, removed }))
}
