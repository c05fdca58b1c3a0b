//! Visitors on the site: the live list, an operator's invitation to chat, and blocking a
//! visitor (from the list or from a chat). Who sees which visitor is
//! `beseda_core::visibility::may_see_visitor`; the list is kept live by the `visitor_new`,
//! `visitor_updated` and `visitor_left` events.

use super::session::OperatorAuth;
use crate::audit::{self, Actor};
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::state::AppState;
use crate::throttle::ClientIp;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use beseda_core::ids::{ChatId, VisitorId};
use beseda_core::model::SiteVisitor;
use beseda_core::operator_wire::answers::{Done, OneBlock, VisitorList};
use beseda_core::operator_wire::{BlockRow, SiteVisitorRow};
use beseda_core::visibility::{self, ChatScope, VisitorScope};
use beseda_store::NewBlock;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

/// A visit session counts as on the site while one of its pages was seen this recently (an
/// open socket or long-poll touches its page at least once a minute and a half).
pub const PRESENT_WINDOW_MICROS: i64 = 120 * 1_000_000;
/// Longest block reason and invitation text, in characters.
pub const MAX_REASON_CHARS: usize = 500;
pub const MAX_INVITATION_CHARS: usize = 1000;
/// Longest block: ten years (longer is "permanent").
pub const MAX_BLOCK_SECS: i64 = 10 * 365 * 24 * 3600;

fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid-json", e.to_string()))
}

fn not_served() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "visitor-not-served", "the visitor is on a placement you do not serve")
}

fn not_on_site() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "visitor-not-on-site", "the visitor is not on the site now")
}

fn scope(v: &SiteVisitor) -> VisitorScope {
    VisitorScope { departments: v.departments.clone() }
}

fn visitor_id(id: &str) -> ApiResult<VisitorId> {
    VisitorId::parse(id).ok_or_else(|| ApiError::wrong_argument("id"))
}

/// A visitor on the site the operator may see.
async fn visible_site_visitor(state: &AppState, who: &OperatorAuth, id: &VisitorId) -> ApiResult<SiteVisitor> {
    let seen_after = state.now() - PRESENT_WINDOW_MICROS;
    let v = state.store.site_visitor(id, seen_after).await.map_err(ApiError::operator)?.ok_or_else(not_on_site)?;
    if !visibility::may_see_visitor(&who.operator, &scope(&v)) {
        return Err(not_served());
    }
    Ok(v)
}

/// `GET /api/operator/v1/visitors`: the visitors on the site now that the operator may see,
/// newest arrival first.
pub async fn list(State(state): State<AppState>, who: OperatorAuth) -> ApiResult<Json<VisitorList>> {
    let now = state.now();
    let all = state.store.site_visitors(now - PRESENT_WINDOW_MICROS).await.map_err(ApiError::operator)?;
    let visitors = all
        .iter()
        .filter(|v| visibility::may_see_visitor(&who.operator, &scope(v)))
        .map(|v| SiteVisitorRow::new(v, now))
        .collect();
    Ok(Json(VisitorList { visitors }))
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Invitation)]
pub struct InviteBody {
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub text: Option<String>,
}

/// `POST /api/operator/v1/visitors/{id}/invite`: an invitation to chat from this operator (with
/// their text, or a default greeting). 409 `visitor-has-chat` when the visitor has a chat,
/// 409 `visitor_banned` when they are blocked.
pub async fn invite(
    State(state): State<AppState>,
    who: OperatorAuth,
    Path(id): Path<String>,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<Done>> {
    let b: InviteBody = if bytes.is_empty() { InviteBody::default() } else { body(&bytes)? };
    let text = b.text.unwrap_or_default();
    if text.chars().count() > MAX_INVITATION_CHARS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "wrong-argument-value",
            format!("text: at most {MAX_INVITATION_CHARS} characters"),
        ));
    }
    let id = visitor_id(&id)?;
    visible_site_visitor(&state, &who, &id).await?;
    let seen_after = state.now() - PRESENT_WINDOW_MICROS;
    let changes =
        state.store.invite_visitor(who.operator.id, &id, text.trim(), seen_after).await.map_err(ApiError::operator)?;
    state.publish(changes);
    Ok(Json(Done::default()))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = VisitorBlock)]
pub struct BlockBody {
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
    /// `null` or absent: permanent.
    #[serde(default)]
    #[schema(minimum = 60)]
    pub duration_secs: Option<i64>,
    /// Also block the address of the visitor's latest visit.
    #[serde(default)]
    pub block_address: bool,
    /// Blocking from a chat: the chat, which must be the visitor's and one the operator may see.
    #[serde(default)]
    pub chat_id: Option<i64>,
}

/// `POST /api/operator/v1/visitors/{id}/block`: blocks a visitor (with a reason, for
/// `durationSecs` or for good, optionally their address too). Their open chat ends; while the
/// block applies they cannot start chats (`visitor_banned`). Audited as `visitor.block`.
pub async fn block(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<OneBlock>> {
    let b: BlockBody = body(&bytes)?;
    let reason = b.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "wrong-argument-value",
            format!("reason: 1 to {MAX_REASON_CHARS} characters"),
        ));
    }
    if b.duration_secs.is_some_and(|d| !(60..=MAX_BLOCK_SECS).contains(&d)) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "wrong-argument-value",
            format!("durationSecs: from 60 to {MAX_BLOCK_SECS} seconds, or null for a permanent block"),
        ));
    }
    let id = visitor_id(&id)?;
    match b.chat_id {
        Some(chat_id) => may_see_chat_of(&state, &who, chat_id, &id).await?,
        None => {
            visible_site_visitor(&state, &who, &id).await?;
        }
    }
    let now = state.now();
    let new = NewBlock {
        visitor_id: id.clone(),
        block_address: b.block_address,
        reason,
        expires_at: b.duration_secs.map(|d| now + d * 1_000_000),
        created_by: who.operator.id,
    };
    let (block, changes) = state.store.block_visitor(&new).await.map_err(ApiError::operator)?;
    state.publish(changes);
    let answer = BlockRow::new(&block, now);
    let recorded = json!({"reason": block.reason, "address": block.address, "expiresTs": answer.expires_ts,
        "visitorId": block.visitor_id});
    audit::record(
        &state,
        &Actor::operator(&who, ip),
        "visitor.block",
        ("visitor_block", &block.id),
        audit::created(&recorded),
    )
    .await;
    Ok(Json(OneBlock { block: answer }))
}

/// The chat is the visitor's and the operator may see it.
async fn may_see_chat_of(state: &AppState, who: &OperatorAuth, chat_id: i64, visitor: &VisitorId) -> ApiResult<()> {
    let missing = || ApiError::new(StatusCode::NOT_FOUND, "chat-not-found", "no such chat of this visitor");
    let detail = state.store.chat(ChatId(chat_id)).await.map_err(ApiError::operator)?.ok_or_else(missing)?;
    if &detail.chat.visitor_id != visitor {
        return Err(missing());
    }
    let settings = state.store.settings().await.map_err(ApiError::operator)?;
    let bot = match detail.chat.operator_id {
        Some(holder) => state.store.bots().await.map_err(ApiError::operator)?.iter().any(|b| b.operator_id == holder),
        None => false,
    };
    if !visibility::may_see(&who.operator, &settings, &ChatScope::of(&detail.chat, bot)) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "chat-not-served", "you may not see this chat"));
    }
    Ok(())
}
