//! The Stored Data API (stored-data-api.md): read access for integrations under `/api/v2/`
//! (`/api/v3/`, `/api/v4/` alike), HTTP Basic with an administrator's e-mail and password.
//! Authentication failures are 401/403; everything else answers HTTP 200 with `{"error"}`.

pub(crate) mod objects;

use crate::operator::session::{check_throttled, Credentials};
use crate::state::AppState;

mod verified;
use crate::throttle::ClientIp;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use beseda_core::model::Operator;
use beseda_core::protocol::stored::{ChatAnswer, ChatsAnswer, StoredError, StoredOk};
use beseda_core::provided_visitor::{self, ProvidedVisitor};
use beseda_core::state::OperatorRole;
use serde_json::Value;
use std::collections::HashMap;
use std::net::IpAddr;

/// An answer of this API: a status and `{"error": code}`.
fn error(status: StatusCode, code: &str) -> Response {
    (status, Json(StoredError::new(code))).into_response()
}

fn unauthorized() -> Response {
    let mut r = error(StatusCode::UNAUTHORIZED, "unauthorized");
    r.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Basic realm=\"Beseda\""));
    r
}

/// The administrator named by the Basic credentials, sent from `ip` (failures throttled like
/// every login: crate::throttle::login).
pub(crate) async fn administrator(state: &AppState, headers: &HeaderMap, ip: IpAddr) -> Result<Operator, Response> {
    let credentials = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.split_once(':').map(|(e, p)| Credentials {
                email: e.to_owned(),
                password: p.to_owned(),
                new_password: None,
                totp_code: None,
                recovery_code: None,
                code_in_password: true,
            })
        })
        .ok_or_else(unauthorized)?;
    let tag = verified::tag(&credentials.email, &credentials.password);
    if let Some(operator) = verified::recall(state, &tag, &credentials.email).await {
        return Ok(operator);
    }
    let email = credentials.email.clone();
    let operator = match check_throttled(state, ip, credentials).await {
        Ok(o) => o,
        Err(e) if e.status == StatusCode::TOO_MANY_REQUESTS => return Err(e.into_response()),
        Err(_) => return Err(unauthorized()),
    };
    if operator.role != OperatorRole::Admin {
        return Err(error(StatusCode::FORBIDDEN, "forbidden"));
    }
    // While the organisation requires 2FA, an administrator without it has no Basic access.
    if crate::operator::two_factor::check_required(state, &operator, "").await.is_err() {
        return Err(error(StatusCode::FORBIDDEN, "2fa-setup-required"));
    }
    verified::remember(state, tag, &email).await;
    Ok(operator)
}

/// `/api/v2/{method}`.
pub async fn call(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(method): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let admin = match administrator(&state, &headers, ip).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    if let Err(wait) = state.stored_calls.check(&admin.id.0.to_string()) {
        let mut r = error(StatusCode::TOO_MANY_REQUESTS, "too-many-requests");
        let secs = wait.as_secs().max(1).to_string();
        if let Ok(v) = header::HeaderValue::from_str(&secs) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return r;
    }
    if let Some(guid) = method.strip_prefix("file/") {
        return file(&state, guid).await;
    }
    let answer = match method.as_str() {
        "operators" => operators(&state).await,
        "departments" => departments(&state).await,
        "categories" => categories(&state).await,
        "chat" => chat(&state, &query).await,
        "chats" => chats(&state, &query).await,
        "rt/provide_visitor_fields" => provide_visitor_fields(&state, &body).await,
        _ => Ok(refusal("unknown-method")),
    };
    match answer {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, method, "stored data API call failed");
            refusal("internal-error")
        }
    }
}

/// A refused call: HTTP 200 with `{"error": code}`.
fn refusal(code: &str) -> Response {
    Json(StoredError::new(code)).into_response()
}

type Answer = Result<Response, beseda_store::StoreError>;

async fn operators(state: &AppState) -> Answer {
    let mut operators = state.store.operators().await?;
    operators.sort_by_key(|o| o.id.0);
    let bots: Vec<i64> = state.store.bots().await?.iter().map(|b| b.operator_id.0).collect();
    let objects: Vec<_> = operators.iter().map(|o| objects::operator(o, bots.contains(&o.id.0))).collect();
    Ok(Json(objects).into_response())
}

async fn departments(state: &AppState) -> Answer {
    let mut departments = state.store.departments().await?;
    departments.sort_by_key(|d| (d.order, d.id));
    let operators = state.store.operators().await?;
    let objects: Vec<_> = departments.iter().map(|d| objects::department(d, &operators)).collect();
    Ok(Json(objects).into_response())
}

async fn categories(state: &AppState) -> Answer {
    let settings = state.store.settings().await?;
    Ok(Json(objects::categories(&settings.categories)).into_response())
}

/// Registers a visitor token (visitor-identification.md §4).
async fn provide_visitor_fields(state: &AppState, body: &[u8]) -> Answer {
    let parsed: Option<(String, ProvidedVisitor)> = serde_json::from_slice::<Value>(body).ok().and_then(|b| {
        let token = b.get("token")?.as_str().filter(|t| provided_visitor::valid_token(t))?.to_owned();
        Some((token, provided_visitor::unsigned(b.get("fields")?).ok()?))
    });
    let Some((token, visitor)) = parsed else { return Ok(refusal("wrong-argument-value")) };
    state.store.save_visitor_token(&token, &visitor).await?;
    Ok(Json(StoredOk::default()).into_response())
}

/// `GET /chat?id=`: one chat with all its messages.
async fn chat(state: &AppState, query: &HashMap<String, String>) -> Answer {
    let Some(id) = query.get("id") else { return Ok(refusal("argument-missing")) };
    // A positive integer is Beseda's chat id; any other id of at most 128 characters is the
    // `chat.id` a custom channel was given (the chat's client-side id), as a bot platform that
    // collects its dialog logs knows it (Beseda extension).
    let id = match id.parse::<i64>() {
        Ok(n) if n > 0 => Some(beseda_core::ids::ChatId(n)),
        Ok(_) => None,
        Err(_) if !id.is_empty() && id.chars().count() <= 128 => match state.store.chat_by_client_side_id(id).await? {
            Some(chat) => Some(chat),
            None => return Ok(refusal("chat-not-found")),
        },
        Err(_) => None,
    };
    let Some(id) = id else {
        return Ok(refusal("wrong-argument-value"));
    };
    let Some(detail) = state.store.chat(id).await? else {
        return Ok(refusal("chat-not-found"));
    };
    let departments = state.store.departments().await?;
    Ok(Json(ChatAnswer { chat: objects::chat(&detail, &departments) }).into_response())
}

/// Chats per `/chats` page.
const CHATS_PAGE: usize = 100;

/// `GET /chats?since=`: chats in the order they last changed, a page at a time (no `since`:
/// from the beginning).
async fn chats(state: &AppState, query: &HashMap<String, String>) -> Answer {
    let since = query.get("since").map_or("0", String::as_str);
    let Some(since) = since.parse::<i64>().ok().filter(|s| *s >= 0) else {
        return Ok(refusal("wrong-argument-value"));
    };
    let mut page = state.store.chats_since(since, CHATS_PAGE as i64 + 1).await?;
    let more = page.len() > CHATS_PAGE;
    page.truncate(CHATS_PAGE);
    let last_ts = page.last().map_or(since, |(stamp, _)| *stamp);
    let departments = state.store.departments().await?;
    let chats = page.iter().map(|(_, detail)| objects::chat(detail, &departments)).collect();
    Ok(Json(ChatsAnswer { chats, last_ts, more_chats_available: more }).into_response())
}

/// `GET /file/{guid}`: the bytes of a file of any chat.
async fn file(state: &AppState, guid: &str) -> Response {
    let Some(guid) = beseda_core::ids::FileGuid::parse(guid) else {
        return refusal("wrong-argument-value");
    };
    match state.store.file(&guid).await {
        Ok(Some(file)) => crate::bot::files::attachment(file),
        Ok(None) => refusal("file-not-found"),
        Err(e) => {
            tracing::error!(error = %e, "reading a file failed");
            refusal("internal-error")
        }
    }
}
