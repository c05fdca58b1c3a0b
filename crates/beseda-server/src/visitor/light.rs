//! Light mode (visitor-api.md §15.3): `POST /l/v/m/auth` gives an app a visitor-scoped bearer
//! token; `GET /l/v/m/info` with it answers the unread counter for the app's badge;
//! `GET /l/v/m/init` with it and no query is a normal init for that visitor.

use super::init::{self, Client};
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::state::AppState;
use crate::throttle::visitor::VisitorAct;
use crate::throttle::ClientIp;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use beseda_core::ids::VisitorId;
use beseda_core::protocol::visitor::{LightAuthAnswer, LightInfoAnswer, Visitor};
use beseda_core::time::micros_to_secs;
use beseda_store::LightToken;
use serde_json::Value;

/// A light token is valid for 30 days after it was given.
pub const LIGHT_TOKEN_LIFETIME_MICROS: i64 = 30 * 24 * 3600 * 1_000_000;

/// Longest bearer token looked up (Beseda's are 64 characters).
const MAX_TOKEN: usize = 256;

fn unauthorized() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "unauthorized", "missing, unknown or expired light-mode token")
}

/// The token of an `Authorization: Bearer …` header, if the request has one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The visitor of a light token; unknown or expired → `unauthorized` (403).
pub async fn visitor_of(state: &AppState, token: &str) -> ApiResult<LightToken> {
    if token.len() > MAX_TOKEN {
        return Err(unauthorized());
    }
    let found = state.store.light_token(&auth::token_hash(token)).await.map_err(ApiError::visitor)?;
    found.ok_or_else(unauthorized)
}

/// `POST /l/v/m/auth`: the init identity fields in the query → a token and the visitor.
pub async fn auth(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    p: Params,
) -> ApiResult<Json<LightAuthAnswer>> {
    state.visitor_limits.check(ip, VisitorAct::Init)?;
    let location = p.required("location")?.to_owned();
    let visitor_id = p.json("visitor")?.and_then(|v| v.get("id").and_then(Value::as_str).and_then(VisitorId::parse));
    let provided = init::provided(&state, &p, "provided_visitor").await?;
    let req = init::visit_request(&state, &p, &Client::of(ip, &headers), location, visitor_id, provided)?;
    let outcome = state.store.init_visit(&req).await.map_err(ApiError::visitor)?;
    state.publish(outcome.changes);
    let snapshot = state.store.snapshot(&outcome.page.visit_session_id).await.map_err(ApiError::visitor)?;
    let token = auth::new_token();
    let expires_at = state.now() + LIGHT_TOKEN_LIFETIME_MICROS;
    state
        .store
        .save_light_token(&auth::token_hash(&token), &outcome.page.visitor_id, &outcome.page.location, expires_at)
        .await
        .map_err(ApiError::visitor)?;
    let visitor = serde_json::to_string(&Visitor::new(&snapshot.visitor)).map_err(ApiError::internal)?;
    Ok(Json(LightAuthAnswer { auth_token: token, visitor }))
}

/// `GET /l/v/m/info` with `Authorization: Bearer <token>`: the badge count.
pub async fn info(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<LightInfoAnswer>> {
    let token = bearer(&headers).ok_or_else(unauthorized)?;
    let light = visitor_of(&state, token).await?;
    let info = state.store.light_info(&light).await.map_err(ApiError::visitor)?;
    Ok(Json(LightInfoAnswer {
        unread_messages_count: info.unread_by_visitor,
        history_last_change_ts: (info.history_revision > 0).then(|| micros_to_secs(info.history_revision)),
    }))
}
