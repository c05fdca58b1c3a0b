//! Chat work for operators: lists, one chat, take, reply, typing, read, close.

use super::session::OperatorAuth;
use crate::audit::{self, Actor};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Query};
use crate::state::AppState;
use crate::throttle::ClientIp;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use beseda_core::ids::ChatId;
use beseda_core::ids::OperatorId;
use beseda_core::operator_wire::answers::{ChatList as Chats, Done, Sent};
use beseda_core::operator_wire::{self, ChatRow};
use beseda_core::protocol::visitor as protocol;
use beseda_core::visibility::{self, ChatScope, Hidden};
use beseda_core::DomainError;
use beseda_store::{ChatDetail, ChatList, OperatorMessage, OperatorMessageKind, Redirect, RedirectTarget, TeleportTo};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid-json", e.to_string()))
}

#[derive(Deserialize)]
pub struct ListQuery {
    pub list: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    who: OperatorAuth,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Chats>> {
    let list = match q.list.as_deref().unwrap_or("waiting") {
        "waiting" => ChatList::Waiting,
        "mine" => ChatList::Mine,
        "others" => ChatList::Others,
        "bots" => ChatList::Bots,
        _ => return Err(ApiError::wrong_argument("list")),
    };
    let chats = state.store.operator_chats(&who.operator, list).await.map_err(ApiError::operator)?;
    Ok(Json(Chats { chats: chats.iter().map(|c| ChatRow::new(&c.chat, &c.visitor_name, &c.row)).collect() }))
}

/// Chat `id` with its messages, if the operator may see it (`beseda_core::visibility`): a
/// colleague's chat hidden by `hide_others_chats` is 403 `hidden-by-settings`, a chat of a
/// department or language the operator does not serve 403 `chat-not-served`. Every operator
/// read of a chat or of what it holds (its files) goes through here.
pub async fn visible_chat(state: &AppState, who: &OperatorAuth, id: ChatId) -> ApiResult<ChatDetail> {
    let detail = state
        .store
        .chat(id)
        .await
        .map_err(ApiError::operator)?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "chat-not-found", "no such chat"))?;
    let settings = state.store.settings().await.map_err(ApiError::operator)?;
    let bot = match detail.chat.operator_id {
        Some(holder) => state.store.bots().await.map_err(ApiError::operator)?.iter().any(|b| b.operator_id == holder),
        None => false,
    };
    match visibility::check(&who.operator, &settings, &ChatScope::of(&detail.chat, bot)) {
        Ok(()) => Ok(detail),
        Err(Hidden::BySettings) => Err(ApiError::operator(DomainError::HiddenBySettings.into())),
        Err(Hidden::NotServed) => Err(ApiError::operator(DomainError::ChatNotServed.into())),
    }
}

/// An answer to a survey offered after the chat.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatSurveyAnswer {
    pub survey_id: i64,
    /// The survey's title when it was offered.
    pub survey: String,
    pub form_id: i64,
    /// The question's position in its form, from 0.
    pub question_id: i64,
    /// `stars`, `radio` or `comment`.
    #[serde(rename = "type")]
    pub kind: String,
    pub question: String,
    /// A mark `1`–`5`, the chosen option's text, or the comment.
    pub answer: String,
    /// Unix seconds.
    pub answered_ts: f64,
}

/// One chat with everything the workspace shows of it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatView {
    pub chat: ChatRow,
    /// The title of the chat's placement (`chat.location`); `null` when the placement no
    /// longer exists. The organisation's text, shown as text.
    pub placement_title: Option<String>,
    /// The visitor protocol's visitor object.
    pub visitor: protocol::Visitor,
    /// The visitor protocol's operator object of the chat's operator.
    pub operator: Option<protocol::Operator>,
    /// The visitor protocol's message objects, every kind (internal notes too).
    pub messages: Vec<protocol::Message>,
    /// The visitor protocol's rating objects.
    pub ratings: Vec<protocol::Rating>,
    /// The visitor's answers to the surveys offered after this chat.
    pub survey_answers: Vec<ChatSurveyAnswer>,
    /// Messages to a messenger that could not be delivered.
    pub undelivered_message_ids: Vec<String>,
    /// The visitor's card in the CRM, when the settings give a link template.
    pub crm_link: Option<String>,
    pub visitor_page: Option<String>,
    pub visitor_on_priority_page: bool,
    pub visitor_context: super::context::VisitorContext,
}

/// `GET /chats/{id}`, for those who may see the chat (see `visible_chat`).
pub async fn get(State(state): State<AppState>, who: OperatorAuth, Path(id): Path<i64>) -> ApiResult<Json<ChatView>> {
    let detail = visible_chat(&state, &who, ChatId(id)).await?;
    let settings = state.store.settings().await.map_err(ApiError::operator)?;
    let row = state
        .store
        .chat_summary(ChatId(id))
        .await
        .map_err(ApiError::operator)?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "chat-not-found", "no such chat"))?;
    let context = super::context::build(&state, &who.operator, &settings, &detail, &row.visitor_name).await?;
    let answers = state.store.chat_survey_answers(ChatId(id)).await.map_err(ApiError::operator)?;
    let placement = state.store.placement(&detail.chat.location).await.map_err(ApiError::operator)?;
    Ok(Json(ChatView {
        chat: ChatRow::new(&row.chat, &row.visitor_name, &row.row),
        placement_title: placement.map(|p| p.title),
        visitor: protocol::Visitor::new(&detail.visitor),
        operator: detail.operator.as_ref().map(protocol::Operator::new),
        messages: detail.messages.iter().map(operator_wire::message_object).collect(),
        ratings: detail.ratings.iter().map(protocol::Rating::new).collect(),
        survey_answers: answers
            .into_iter()
            .map(|a| ChatSurveyAnswer {
                survey_id: a.survey_id,
                survey: a.title,
                form_id: a.form_id,
                question_id: a.question_id,
                kind: a.kind,
                question: a.question,
                answer: a.answer,
                answered_ts: beseda_core::time::micros_to_secs(a.answered_at),
            })
            .collect(),
        undelivered_message_ids: detail.undelivered.iter().map(|m| m.as_str().to_owned()).collect(),
        crm_link: detail.visitor.provided_id.as_deref().and_then(|id| settings.crm_link(id)),
        visitor_on_priority_page: detail.page_url.as_deref().is_some_and(|u| settings.is_priority_page(u)),
        visitor_page: detail.page_url,
        visitor_context: context,
    }))
}

pub async fn take(State(state): State<AppState>, who: OperatorAuth, Path(id): Path<i64>) -> ApiResult<Json<Done>> {
    let changes = state.store.take_chat(who.operator.id, ChatId(id)).await.map_err(ApiError::operator)?;
    state.publish(changes);
    Ok(Json(Done::default()))
}

/// A keyboard button under an operator's message.
#[derive(Deserialize, ToSchema)]
pub struct KeyboardButton {
    pub id: String,
    pub text: String,
}

/// An operator's message (idempotent by `clientSideId`).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SendMessage)]
pub struct SendBody {
    #[schema(max_length = 64, min_length = 1)]
    pub client_side_id: String,
    #[serde(default)]
    pub text: String,
    /// Rows of buttons.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Vec<KeyboardButton>>>)]
    pub keyboard: Option<Value>,
    /// The message kind: `operator` (the default), `cont_req` (asks the visitor for contact
    /// details; an empty `text` is the default request in the chat's language) or
    /// `action_request` (`text` for the visitor, `data` for the visitor's app).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub kind: Option<String>,
    /// The `action_request`'s data: a JSON object of at most 16 KB.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub data: Option<Value>,
}

/// The message kind of a send body; `data` only with `action_request`, a keyboard only with
/// `operator`.
fn message_kind(b: &SendBody) -> ApiResult<OperatorMessageKind> {
    let kind = match b.kind.as_deref().unwrap_or("operator") {
        "operator" => OperatorMessageKind::Text,
        "cont_req" => OperatorMessageKind::ContactRequest,
        "action_request" => {
            let data = b.data.clone().ok_or_else(|| ApiError::argument_missing("data"))?;
            if !data.is_object() || crate::limits::fields("data", &data).is_err() {
                return Err(ApiError::wrong_argument("data"));
            }
            return match b.keyboard {
                None => Ok(OperatorMessageKind::ActionRequest(data)),
                Some(_) => Err(ApiError::wrong_argument("keyboard")),
            };
        }
        _ => return Err(ApiError::wrong_argument("kind")),
    };
    if b.data.is_some() {
        return Err(ApiError::wrong_argument("data"));
    }
    if kind != OperatorMessageKind::Text && b.keyboard.is_some() {
        return Err(ApiError::wrong_argument("keyboard"));
    }
    Ok(kind)
}

pub async fn send(
    State(state): State<AppState>,
    who: OperatorAuth,
    Path(id): Path<i64>,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<Sent>> {
    let b: SendBody = body(&bytes)?;
    if b.client_side_id.is_empty() || b.client_side_id.len() > 64 {
        return Err(ApiError::wrong_argument("clientSideId"));
    }
    if let Some(k) = &b.keyboard {
        validate_keyboard(k)?;
    }
    let kind = message_kind(&b)?;
    let msg =
        OperatorMessage { client_side_id: b.client_side_id, text: b.text, markdown: false, keyboard: b.keyboard, kind };
    let (message_id, changes) =
        state.store.operator_message(who.operator.id, ChatId(id), &msg).await.map_err(ApiError::operator)?;
    state.metrics.message(crate::metrics::Author::Operator);
    state.publish(changes);
    Ok(Json(Sent::new(message_id.as_str())))
}

/// `DELETE /chats/{id}/messages/{messageId}`: the operator deletes a text or file message they
/// wrote, while the chat is not closed (`beseda_core::chat_access::may_delete_message`); for
/// those who may see the chat (see `visible_chat`). Audited as `message.delete`.
pub async fn delete_message(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
    Path((id, message)): Path<(i64, String)>,
) -> ApiResult<Json<Done>> {
    if message.is_empty() || message.len() > 64 {
        return Err(ApiError::wrong_argument("messageId"));
    }
    visible_chat(&state, &who, ChatId(id)).await?;
    let changes =
        state.store.operator_delete_message(who.operator.id, ChatId(id), &message).await.map_err(ApiError::operator)?;
    state.publish(changes);
    let changes = audit::diff(&json!({"chatId": id}), &Value::Null);
    audit::record(&state, &Actor::operator(&who, ip), "message.delete", ("message", &message), changes).await;
    Ok(Json(Done::default()))
}

/// Keyboard rows: arrays of buttons, each with a string `id` and `text`.
fn validate_keyboard(k: &Value) -> ApiResult<()> {
    let rows = k.as_array().filter(|r| !r.is_empty()).ok_or_else(|| ApiError::wrong_argument("keyboard"))?;
    for row in rows {
        let buttons = row.as_array().filter(|b| !b.is_empty()).ok_or_else(|| ApiError::wrong_argument("keyboard"))?;
        for b in buttons {
            let ok = b.get("id").and_then(Value::as_str).is_some_and(|s| !s.is_empty())
                && b.get("text").and_then(Value::as_str).is_some();
            if !ok {
                return Err(ApiError::wrong_argument("keyboard"));
            }
        }
    }
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[schema(as = Typing)]
pub struct TypingBody {
    pub typing: bool,
}

pub async fn typing(
    State(state): State<AppState>,
    who: OperatorAuth,
    Path(id): Path<i64>,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<Done>> {
    let b: TypingBody = body(&bytes)?;
    let changes =
        state.store.operator_typing(who.operator.id, ChatId(id), b.typing).await.map_err(ApiError::operator)?;
    state.publish(changes);
    Ok(Json(Done::default()))
}

/// Exactly one of `url` and `code`.
#[derive(Deserialize, ToSchema)]
#[schema(as = Teleport)]
pub struct TeleportBody {
    /// A page of the visitor's site: a path (`/delivery`, resolved against the page the
    /// visitor is on) or an absolute http(s) URL.
    pub url: Option<String>,
    /// The code of a page of the organisation's list (`teleport_pages`): teleport by code.
    pub code: Option<String>,
}

/// Sends the visitor to another page of the site the visitor is on (setting `teleport`): to an
/// address, or to a page of the organisation's list by its code.
pub async fn teleport(
    State(state): State<AppState>,
    who: OperatorAuth,
    Path(id): Path<i64>,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<Done>> {
    let b: TeleportBody = body(&bytes)?;
    let to = match (b.url, b.code) {
        (Some(url), None) => {
            if !beseda_core::teleport::valid_address(&url) {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "wrong-argument-value",
                    "url: a path of the visitor's site (/delivery) or an absolute http(s) URL",
                ));
            }
            TeleportTo::Url(url)
        }
        (None, Some(code)) if beseda_core::teleport::valid_code(&code) => TeleportTo::Code(code),
        (None, Some(_)) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "wrong-argument-value",
                "code: 1 to 32 letters, digits, `-` or `_`",
            ))
        }
        _ => return Err(ApiError::new(StatusCode::BAD_REQUEST, "argument-missing", "exactly one of `url` and `code`")),
    };
    let changes = state.store.teleport(who.operator.id, ChatId(id), &to).await.map_err(ApiError::operator)?;
    state.publish(changes);
    Ok(Json(Done::default()))
}

pub async fn read(State(state): State<AppState>, who: OperatorAuth, Path(id): Path<i64>) -> ApiResult<Json<Done>> {
    let changes = state.store.operator_read(who.operator.id, ChatId(id)).await.map_err(ApiError::operator)?;
    state.publish(changes);
    Ok(Json(Done::default()))
}

pub async fn close(State(state): State<AppState>, who: OperatorAuth, Path(id): Path<i64>) -> ApiResult<Json<Done>> {
    let changes = state.store.operator_close(who.operator.id, ChatId(id)).await.map_err(ApiError::operator)?;
    state.publish(changes);
    Ok(Json(Done::default()))
}

/// Exactly one of `operatorId`, `departmentKey`, `queue`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Redirect)]
pub struct RedirectBody {
    pub operator_id: Option<i64>,
    pub department_key: Option<String>,
    #[serde(default)]
    pub queue: bool,
    pub language: Option<String>,
    #[serde(default)]
    pub allow_offline: bool,
    #[serde(default)]
    pub allow_invisible: bool,
}

/// Redirect to an operator (`operatorId`), a department (`departmentKey`, with
/// `allowOffline` / `allowInvisible`) or back to the queue (`queue: true`); optionally, in
/// multilingual mode, with a new `language` (an ISO 639-1 code; 422 `unknown-language`) that
/// the target operator, or an operator online serving where the chat goes, speaks (409
/// `operator-language-not-spoken` / `language-not-spoken-online`; 409 `multilang-off` without
/// multilingual mode).
pub async fn redirect(
    State(state): State<AppState>,
    who: OperatorAuth,
    Path(id): Path<i64>,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<Done>> {
    let b: RedirectBody = body(&bytes)?;
    let target = match (b.operator_id, b.department_key, b.queue) {
        (Some(op), None, false) => RedirectTarget::Operator(OperatorId(op)),
        (None, Some(key), false) => RedirectTarget::Department(key),
        (None, None, true) => RedirectTarget::Queue,
        _ => return Err(ApiError::wrong_argument("exactly one of operatorId, departmentKey, queue")),
    };
    if let Some(lang) = &b.language {
        crate::admin::known_language("language", lang)?;
    }
    let redirect =
        Redirect { target, language: b.language, allow_offline: b.allow_offline, allow_invisible: b.allow_invisible };
    let changes = state.store.redirect(who.operator.id, ChatId(id), &redirect).await.map_err(ApiError::operator)?;
    state.publish(changes);
    Ok(Json(Done::default()))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = Category)]
pub struct CategoryBody {
    pub category: String,
    pub subcategory: Option<String>,
}

pub async fn category(
    State(state): State<AppState>,
    who: OperatorAuth,
    Path(id): Path<i64>,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<Done>> {
    let b: CategoryBody = body(&bytes)?;
    let changes = state
        .store
        .set_category(who.operator.id, ChatId(id), &b.category, b.subcategory.as_deref())
        .await
        .map_err(ApiError::operator)?;
    state.publish(changes);
    Ok(Json(Done::default()))
}
