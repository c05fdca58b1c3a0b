//! Bot → Beseda: `POST /api/bot/v2/{send_message, redirect_chat, close_chat}` with
//! `Authorization: Token …` (bot-api.md §5). Errors are `{"error": code, "desc": …}`.

use crate::auth;
use crate::state::AppState;
use crate::throttle::ClientIp;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use beseda_core::ids::{hex_id, ChatId, OperatorId, VisitSessionId};
use beseda_core::protocol::bot::calls::{ErrorBody, OkAnswer, SendMessageAnswer, Success};
use beseda_core::{bot_wire, DomainError};
use beseda_store::{BotCall, BotRecord, OperatorMessage, OperatorMessageKind, Redirect, RedirectTarget, StoreError};
use serde_json::Value;
use std::net::IpAddr;

/// A Bot API error.
pub struct BotError {
    status: StatusCode,
    code: &'static str,
    desc: String,
    retry_after: Option<u64>,
}

impl BotError {
    pub fn new(status: StatusCode, code: &'static str, desc: impl Into<String>) -> Self {
        Self { status, code, desc: desc.into(), retry_after: None }
    }

    /// `429 too-many-requests` with `Retry-After`.
    pub fn too_many(wait: std::time::Duration) -> Self {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        Self {
            retry_after: Some(secs.max(1)),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "too-many-requests", "more than 50 calls per second")
        }
    }
    pub fn wrong(desc: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "wrong-argument-value", desc)
    }
    fn missing(field: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "argument-missing", format!("`{field}` is required"))
    }
}

impl BotError {
    /// The machine-readable code, HTTP status and explanation.
    pub fn parts(self) -> (StatusCode, &'static str, String) {
        (self.status, self.code, self.desc)
    }
}

impl IntoResponse for BotError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: self.code.to_owned(), desc: self.desc };
        let mut resp = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after.and_then(|s| axum::http::HeaderValue::from_str(&s.to_string()).ok()) {
            resp.headers_mut().insert(axum::http::header::RETRY_AFTER, secs);
        }
        resp
    }
}

impl From<StoreError> for BotError {
    fn from(e: StoreError) -> Self {
        use DomainError::*;
        match e {
            StoreError::Domain(NotHeldByBot) | StoreError::Domain(ChatTaken) => {
                Self::new(StatusCode::FORBIDDEN, "access-denied", "chat is not assigned to this bot")
            }
            StoreError::Domain(SessionNotFound) => {
                Self::new(StatusCode::NOT_FOUND, "session-not-found", "no visit session with that id")
            }
            StoreError::Domain(ChatNotFound) => {
                Self::new(StatusCode::NOT_FOUND, "chat-not-found", "no chat with that id")
            }
            StoreError::Domain(ChatClosed) => Self::new(StatusCode::CONFLICT, "chat-closed", "the chat is closed"),
            StoreError::Domain(WrongOperatorId) => {
                Self::new(StatusCode::NOT_FOUND, "operator-not-found", "no such operator")
            }
            StoreError::Domain(OperatorOffline) => {
                Self::new(StatusCode::CONFLICT, "operator-offline", "the operator is offline")
            }
            StoreError::Domain(OperatorLanguageNotSpoken) => Self::new(
                StatusCode::CONFLICT,
                "operator-language-not-spoken",
                "the operator does not speak the chat's language",
            ),
            StoreError::Domain(DepartmentOffline) => {
                Self::new(StatusCode::CONFLICT, "department-offline", "nobody in the department is online")
            }
            StoreError::Domain(WrongArgumentValue("departmentKey")) => {
                Self::new(StatusCode::NOT_FOUND, "department-not-found", "no such department")
            }
            StoreError::Domain(MessageEmpty) | StoreError::Domain(MessageTooLong(_)) => {
                Self::wrong("text must have 1 to 10000 characters")
            }
            StoreError::Domain(d) => Self::wrong(d.to_string()),
            other => {
                tracing::error!(error = %other, "bot API call failed");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal-error", "internal error")
            }
        }
    }
}

/// The bot whose token `headers` carry. Wrong tokens count as failed logins of `ip`
/// (crate::throttle::login); while the address is refused, no token is looked up.
async fn authenticate(state: &AppState, headers: &HeaderMap, ip: IpAddr) -> Result<BotRecord, BotError> {
    if let Err(wait) = state.logins.check(ip, None) {
        let refusal = BotError::new(StatusCode::TOO_MANY_REQUESTS, "too-many-attempts", "too many wrong tokens");
        return Err(BotError { retry_after: Some(crate::throttle::retry_secs(wait)), ..refusal });
    }
    let found = find_bot(state, headers).await;
    if found.as_ref().is_err_and(|e| e.status == StatusCode::UNAUTHORIZED) {
        state.logins.failed(ip, None);
    }
    found
}

async fn find_bot(state: &AppState, headers: &HeaderMap) -> Result<BotRecord, BotError> {
    let denied = || {
        BotError::new(StatusCode::UNAUTHORIZED, "access-denied", "a valid `Authorization: Token …` header is required")
    };
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Token "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(denied)?;
    let bot = state.store.bot_by_token(token).await?.ok_or_else(denied)?;
    if !auth::same(&bot.token, token) {
        return Err(denied());
    }
    Ok(bot)
}

fn chat_id(body: &Value) -> Result<ChatId, BotError> {
    match body.get("chat_id") {
        None | Some(Value::Null) => Err(BotError::missing("chat_id")),
        Some(Value::Number(n)) => n.as_i64().filter(|n| *n > 0).map(ChatId).ok_or_else(|| BotError::wrong("chat_id")),
        Some(Value::String(s)) => {
            s.trim().parse().ok().filter(|n: &i64| *n > 0).map(ChatId).ok_or_else(|| BotError::wrong("chat_id"))
        }
        Some(_) => Err(BotError::wrong("chat_id must be an integer")),
    }
}

fn flag(body: &Value, key: &str, default: bool) -> Result<bool, BotError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(BotError::wrong(format!("{key} must be a boolean"))),
    }
}

/// The message of `send_message` as a store request.
pub(crate) fn parse_message(message: &Value) -> Result<BotCall, BotError> {
    let kind = message.get("kind").and_then(Value::as_str).ok_or_else(|| BotError::missing("message.kind"))?;
    let client_side_id = hex_id();
    match kind {
        "operator" => {
            let text = message.get("text").and_then(Value::as_str).ok_or_else(|| BotError::missing("text"))?;
            crate::limits::text("text", text).map_err(BotError::wrong)?;
            // Beseda extension (bot-api.md §7.3): Markdown only when the bot asks for it.
            let markdown = match message.get("markdown") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(BotError::wrong("markdown must be a boolean")),
            };
            let kind = OperatorMessageKind::Text;
            Ok(BotCall::Send(OperatorMessage { client_side_id, text: text.to_owned(), markdown, keyboard: None, kind }))
        }
        "keyboard" => {
            let buttons = message.get("buttons").ok_or_else(|| BotError::missing("buttons"))?;
            let rows = bot_wire::keyboard(buttons).map_err(BotError::wrong)?;
            Ok(BotCall::Send(OperatorMessage {
                client_side_id,
                text: String::new(),
                markdown: false,
                keyboard: Some(rows),
                kind: OperatorMessageKind::Text,
            }))
        }
        // Beseda extension §7.8: a contact request (the visitor gets the contact form).
        "cont_req" => {
            let text = match message.get("text") {
                None | Some(Value::Null) => "",
                Some(Value::String(t)) => t.as_str(),
                Some(_) => return Err(BotError::wrong("text must be a string")),
            };
            if !text.is_empty() {
                crate::limits::text("text", text).map_err(BotError::wrong)?;
            }
            Ok(BotCall::Send(OperatorMessage {
                client_side_id,
                text: text.to_owned(),
                markdown: false,
                keyboard: None,
                kind: OperatorMessageKind::ContactRequest,
            }))
        }
        // Beseda extension §7.6: a note for operators.
        "for_operator" => {
            let text = message.get("text").and_then(Value::as_str).ok_or_else(|| BotError::missing("text"))?;
            crate::limits::text("text", text).map_err(BotError::wrong)?;
            let visitor_fields = message.get("visitor_fields").filter(|v| !v.is_null()).cloned();
            if let Some(f) = &visitor_fields {
                crate::limits::fields("visitor_fields", f).map_err(BotError::wrong)?;
            }
            Ok(BotCall::Note { text: text.to_owned(), visitor_fields })
        }
        other => Err(BotError::wrong(format!("unknown message kind `{other}`"))),
    }
}

/// The bot's call as a store request.
pub(crate) fn parse_call(method: &str, body: &Value) -> Result<BotCall, BotError> {
    match method {
        "send_message" => {
            parse_message(body.get("message").filter(|m| !m.is_null()).ok_or_else(|| BotError::missing("message"))?)
        }
        "redirect_chat" => {
            let language = None;
            let target = match (
                body.get("operator_id").filter(|v| !v.is_null()),
                body.get("dep_key").filter(|v| !v.is_null()),
            ) {
                (Some(op), _) => RedirectTarget::Operator(OperatorId(
                    op.as_i64().ok_or_else(|| BotError::wrong("operator_id must be an integer"))?,
                )),
                (None, Some(dep)) => RedirectTarget::Department(
                    dep.as_str().ok_or_else(|| BotError::wrong("dep_key must be a string"))?.to_owned(),
                ),
                (None, None) => RedirectTarget::Queue,
            };
            Ok(BotCall::Redirect(Redirect {
                target,
                language,
                allow_offline: flag(body, "allow_redirect_to_offline_dep", false)?,
                allow_invisible: flag(body, "allow_redirect_to_invisible_dep", true)?,
            }))
        }
        "close_chat" => Ok(BotCall::Close),
        _ => Err(BotError::new(StatusCode::NOT_FOUND, "unknown-method", format!("no method `{method}`"))),
    }
}

pub async fn call(
    State(state): State<AppState>,
    method: Method,
    Path(name): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    bytes: axum::body::Bytes,
) -> Result<Response, BotError> {
    if !matches!(name.as_str(), "send_message" | "redirect_chat" | "close_chat") {
        return Err(BotError::new(StatusCode::NOT_FOUND, "unknown-method", format!("no method `{name}`")));
    }
    if method != Method::POST {
        return Err(BotError::new(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", "use POST"));
    }
    let bot = authenticate(&state, &headers, ip).await?;
    state.integration_calls.check(&format!("bot:{}", bot.operator_id.0)).map_err(BotError::too_many)?;
    let body: Value =
        serde_json::from_slice(&bytes).map_err(|e| BotError::wrong(format!("the body is not JSON: {e}")))?;
    if !body.is_object() {
        return Err(BotError::wrong("the body must be a JSON object"));
    }
    if name == "send_message" && body.get("visit_session_id").is_some_and(|v| !v.is_null()) {
        return Ok(Json(send_to_session(&state, &bot, &body).await?).into_response());
    }
    let chat = chat_id(&body)?;
    let call = match body.pointer("/message/kind").and_then(Value::as_str) {
        Some("file_operator") if name == "send_message" => {
            let data =
                body.pointer("/message/data").filter(|d| d.is_object()).ok_or_else(|| BotError::missing("data.url"))?;
            let url = data.get("url").and_then(Value::as_str).ok_or_else(|| BotError::missing("data.url"))?;
            let file_name = data.get("name").and_then(Value::as_str);
            let media_type = data.get("media_type").and_then(Value::as_str);
            BotCall::SendFile(super::fetch::fetch(&state, &bot.token, url, file_name, media_type).await?)
        }
        _ => parse_call(&name, &body)?,
    };
    let (message, changes) = state.store.bot_call(bot.operator_id, chat, &call).await?;
    if message.is_some() {
        state.metrics.message(crate::metrics::Author::Bot);
    }
    state.publish(changes);
    Ok(Json(OkAnswer::default()).into_response())
}

/// Beseda extension (webchat-sessions.md §4): `send_message` addressed to a visit session.
async fn send_to_session(state: &AppState, bot: &BotRecord, body: &Value) -> Result<SendMessageAnswer, BotError> {
    if body.get("chat_id").is_some_and(|v| !v.is_null()) {
        return Err(BotError::wrong("give chat_id or visit_session_id, not both"));
    }
    let session = body
        .get("visit_session_id")
        .and_then(Value::as_str)
        .and_then(VisitSessionId::parse)
        .ok_or_else(|| BotError::wrong("visit_session_id must be 32 hex characters"))?;
    let timeout = match body.pointer("/conversation/timeout_hours") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64().filter(|h| (1..=720).contains(h)).ok_or_else(|| BotError::wrong("timeout_hours is 1 to 720"))?,
        ),
    };
    let BotCall::Send(msg) = parse_call("send_message", body)? else {
        return Err(BotError::wrong("a message to a session is an operator text or a keyboard"));
    };
    let (chat, changes) = state.store.bot_send_to_session(bot.operator_id, &session, &msg, timeout).await?;
    state.metrics.message(crate::metrics::Author::Bot);
    state.publish(changes);
    Ok(SendMessageAnswer { result: Success::Ok, chat_id: Some(chat.0) })
}
