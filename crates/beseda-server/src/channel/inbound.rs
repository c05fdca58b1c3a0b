//! Inbound custom-channel calls (custom-channel.md §4.1–4.2, §7), authenticated with the
//! channel's secret (`Authorization: Token <secret>` or a signature, §2) or, as a bot platform
//! that holds only those (JAICP's Webim channel), HTTP Basic with an administrator's e-mail and
//! password.

use super::signature;
use crate::auth;
use crate::state::AppState;
use crate::throttle::ClientIp;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use beseda_core::ids::{hex_id, is_valid_key};
use beseda_core::protocol::bot::calls::{ErrorBody, OkAnswer, Success};
use beseda_core::protocol::channel::{MessageAnswer, PostedMessage};
use beseda_core::DomainError;
use beseda_store::{ChannelRecord, StartChat, StoreError, VisitorCtx, VisitorMessage};
use serde_json::Value;
use std::net::IpAddr;

/// A custom-channel API error: `{"error": code, "desc": …}`.
pub struct ChannelError(StatusCode, &'static str, String);

impl ChannelError {
    /// Status, code and description.
    pub fn parts(&self) -> (StatusCode, &'static str, &str) {
        (self.0, self.1, &self.2)
    }
}

impl IntoResponse for ChannelError {
    fn into_response(self) -> Response {
        (self.0, Json(ErrorBody { error: self.1.to_owned(), desc: self.2 })).into_response()
    }
}

fn wrong(desc: impl Into<String>) -> ChannelError {
    ChannelError(StatusCode::BAD_REQUEST, "wrong-argument-value", desc.into())
}

fn missing(field: &str) -> ChannelError {
    ChannelError(StatusCode::BAD_REQUEST, "argument-missing", format!("`{field}` is required"))
}

impl From<crate::bot::api::BotError> for ChannelError {
    fn from(e: crate::bot::api::BotError) -> Self {
        let (status, code, desc) = e.parts();
        ChannelError(status, code, desc)
    }
}

impl From<StoreError> for ChannelError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(DomainError::NotHeldByBot | DomainError::ChatTaken) => {
                ChannelError(StatusCode::FORBIDDEN, "access-denied", "the chat is not held by this channel".into())
            }
            StoreError::Domain(DomainError::ChatClosed) => {
                ChannelError(StatusCode::CONFLICT, "chat-closed", "the chat is closed".into())
            }
            StoreError::Domain(DomainError::WrongArgumentValue("department-key")) => {
                ChannelError(StatusCode::NOT_FOUND, "department-not-found", "no such department".into())
            }
            StoreError::Domain(d @ (DomainError::MessageEmpty | DomainError::MessageTooLong(_))) => {
                wrong(d.to_string())
            }
            StoreError::Domain(DomainError::CannotCreateResponse) => wrong("the keyboard cannot take this response"),
            StoreError::Domain(d) => wrong(d.to_string()),
            other => {
                tracing::error!(error = %other, "custom channel call failed");
                ChannelError(StatusCode::INTERNAL_SERVER_ERROR, "internal-error", "internal error".into())
            }
        }
    }
}

async fn authenticate(
    state: &AppState,
    ip: IpAddr,
    key: &str,
    headers: &HeaderMap,
    body: &str,
) -> Result<ChannelRecord, ChannelError> {
    let channel = match is_valid_key(key) {
        true => state.store.channel(key).await?,
        false => None,
    };
    let channel =
        channel.ok_or_else(|| ChannelError(StatusCode::NOT_FOUND, "channel-not-found", "no such channel".into()))?;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if header("authorization").is_some_and(|v| v.starts_with("Basic ")) {
        // Failed logins are throttled like every login (crate::throttle::login).
        return match crate::stored::administrator(state, headers, ip).await {
            Ok(_) => Ok(channel),
            Err(r) if r.status() == StatusCode::TOO_MANY_REQUESTS => Err(ChannelError(
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-attempts",
                "too many failed logins; try again later".into(),
            )),
            Err(r) if r.status() == StatusCode::FORBIDDEN => Err(ChannelError(
                StatusCode::FORBIDDEN,
                "access-denied",
                "only an administrator's e-mail and password open this API".into(),
            )),
            Err(_) => Err(ChannelError(StatusCode::UNAUTHORIZED, "access-denied", "wrong e-mail or password".into())),
        };
    }
    let token_ok = header("authorization")
        .and_then(|v| v.strip_prefix("Token "))
        .is_some_and(|t| auth::same(t.trim(), &channel.secret));
    let signed_ok = match (header("x-beseda-timestamp"), header("x-beseda-signature")) {
        (Some(ts), Some(sig)) => signature::verify(&channel.secret, ts, sig, body, state.now() / 1_000_000),
        _ => false,
    };
    if token_ok || signed_ok {
        Ok(channel)
    } else {
        Err(ChannelError(
            StatusCode::UNAUTHORIZED,
            "access-denied",
            "a valid signature, `Authorization: Token …` or an administrator's Basic credentials are required".into(),
        ))
    }
}

fn short_string<'a>(v: &'a Value, pointer: &str, name: &str) -> Result<&'a str, ChannelError> {
    let s = v.pointer(pointer).filter(|x| !x.is_null()).ok_or_else(|| missing(name))?;
    let s = s
        .as_str()
        .filter(|s| !s.is_empty() && s.chars().count() <= 128)
        .ok_or_else(|| wrong(format!("{name} is a string of 1 to 128 characters")))?;
    Ok(s)
}

/// Department of a chat this call would create (§4.1), checked against the channel's mode and
/// the existing departments before anything is written.
async fn department(state: &AppState, channel: &ChannelRecord, body: &Value) -> Result<Option<String>, ChannelError> {
    let requested = match body.get("department_key") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(wrong("department_key must be a string")),
    };
    if channel.department_mode == "obligatory" {
        let key = requested.ok_or(ChannelError(
            StatusCode::UNPROCESSABLE_ENTITY,
            "department-required",
            "this channel needs a department_key".into(),
        ))?;
        if !channel.allowed_departments.contains(&key) {
            return Err(ChannelError(
                StatusCode::UNPROCESSABLE_ENTITY,
                "department-not-allowed",
                format!("`{key}` is not allowed here"),
            ));
        }
        return Ok(Some(key));
    }
    if let Some(key) = &requested {
        if !state.store.departments().await?.iter().any(|d| &d.key == key) {
            return Err(ChannelError(StatusCode::NOT_FOUND, "department-not-found", format!("no department `{key}`")));
        }
    }
    Ok(requested)
}

/// The channel's visitor, and its open chat with this external chat id started if needed.
async fn ensure_chat(
    state: &AppState,
    channel: &ChannelRecord,
    body: &Value,
) -> Result<(VisitorCtx, bool), ChannelError> {
    let chat_id = short_string(body, "/chat/id", "chat.id")?.to_owned();
    let visitor_id = short_string(body, "/visitor/id", "visitor.id")?;
    let fields = body.pointer("/visitor/fields").filter(|f| !f.is_null());
    if fields.is_some_and(|f| f.as_object().is_none_or(|o| o.values().any(|v| !v.is_string()))) {
        return Err(wrong("visitor.fields values must be strings"));
    }
    if let Some(f) = fields {
        crate::limits::fields("visitor.fields", f).map_err(wrong)?;
    }
    let department = department(state, channel, body).await?;
    let ctx = state.store.channel_visitor(&channel.key, visitor_id, fields).await?;
    let open = state.store.current_chat(&ctx.visitor_id, &ctx.location).await?;
    let started = open.is_none();
    if started {
        let req = StartChat {
            client_side_id: Some(chat_id),
            force_start: true,
            department_key: department,
            ..Default::default()
        };
        let changes = state.store.start_chat(&ctx, &req).await?;
        state.publish(changes);
    }
    Ok((ctx, started))
}

pub async fn call(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path((key, method)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: axum::body::Bytes,
) -> Result<Response, ChannelError> {
    let text = std::str::from_utf8(&bytes).map_err(|_| wrong("the body is not UTF-8"))?;
    let channel = authenticate(&state, ip, &key, &headers, text).await?;
    state.integration_calls.check(&format!("channel:{}", channel.key)).map_err(crate::bot::api::BotError::too_many)?;
    let body: Value = serde_json::from_str(text).map_err(|e| wrong(format!("the body is not JSON: {e}")))?;
    if !body.is_object() {
        return Err(wrong("the body must be a JSON object"));
    }
    if channel.side == "bot" {
        return Ok(Json(bot_side(&state, &channel, &method, &body).await?).into_response());
    }
    match method.as_str() {
        "message" => Ok(Json(post_message(&state, &channel, &body).await?).into_response()),
        "start_chat" => Ok(Json(start_chat(&state, &channel, &body).await?).into_response()),
        "close_chat" => Ok(Json(close_chat(&state, &channel, &body).await?).into_response()),
        other => Err(ChannelError(StatusCode::NOT_FOUND, "unknown-method", format!("no method `{other}`"))),
    }
}

/// What a `message` call posts, checked before anything is written.
enum Inbound {
    Text(String),
    /// A file by URL: url, name, media type.
    File(String, Option<String>, Option<String>),
    KeyboardResponse {
        request: String,
        button: String,
    },
}

fn parse_message(body: &Value) -> Result<Inbound, ChannelError> {
    let kind = body.pointer("/message/kind").and_then(Value::as_str).ok_or_else(|| missing("message.kind"))?;
    match kind {
        "visitor" => {
            let text = body.pointer("/message/text").and_then(Value::as_str).ok_or_else(|| missing("message.text"))?;
            if text.trim().is_empty() || text.chars().count() > crate::limits::MAX_TEXT_CHARS {
                return Err(wrong("message.text must have 1 to 10000 characters"));
            }
            Ok(Inbound::Text(text.to_owned()))
        }
        "keyboard_response" => {
            let button = body
                .pointer("/message/data/button/id")
                .and_then(Value::as_str)
                .ok_or_else(|| missing("data.button.id"))?;
            let request = body
                .pointer("/message/data/request/messageId")
                .and_then(Value::as_str)
                .ok_or_else(|| missing("data.request.messageId"))?;
            Ok(Inbound::KeyboardResponse { request: request.to_owned(), button: button.to_owned() })
        }
        "file_visitor" => {
            let data = body.pointer("/message/data").filter(|d| d.is_object()).ok_or_else(|| missing("data.url"))?;
            let url = data.get("url").and_then(Value::as_str).ok_or_else(|| missing("data.url"))?;
            let text = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_owned);
            Ok(Inbound::File(url.to_owned(), text("name"), text("media_type")))
        }
        other => Err(wrong(format!("message kind `{other}` is not accepted here"))),
    }
}

/// `start_chat` (§4.2): the chat is opened with no message (nothing happens if it is open).
pub(crate) async fn start_chat(
    state: &AppState,
    channel: &ChannelRecord,
    body: &Value,
) -> Result<OkAnswer, ChannelError> {
    ensure_chat(state, channel, body).await?;
    Ok(OkAnswer::default())
}

/// `message` (§4.1); messenger adapters post their users' messages through it too.
pub(crate) async fn post_message(
    state: &AppState,
    channel: &ChannelRecord,
    body: &Value,
) -> Result<MessageAnswer, ChannelError> {
    let inbound = parse_message(body)?;
    let client_side_id = match body.pointer("/message/id") {
        None | Some(Value::Null) => hex_id(),
        Some(_) => short_string(body, "/message/id", "message.id")?.to_owned(),
    };
    // A file is downloaded before anything is written.
    let file = match &inbound {
        Inbound::File(url, name, media_type) => {
            Some(crate::bot::fetch::fetch(state, &channel.secret, url, name.as_deref(), media_type.as_deref()).await?)
        }
        _ => None,
    };
    let (ctx, _) = ensure_chat(state, channel, body).await?;
    let changes = match &inbound {
        Inbound::File(..) => {
            let file = file.ok_or_else(|| wrong("no file"))?;
            state.store.store_upload(&ctx, &file, &client_side_id).await?.1
        }
        Inbound::Text(text) => {
            let req =
                VisitorMessage { client_side_id: client_side_id.clone(), text: text.clone(), ..Default::default() };
            state.store.visitor_message(&ctx, &req).await?
        }
        Inbound::KeyboardResponse { request, button } => state.store.keyboard_response(&ctx, request, button).await?,
    };
    if !matches!(inbound, Inbound::KeyboardResponse { .. }) {
        state.metrics.message(crate::metrics::Author::Visitor);
    }
    state.publish(changes);
    let chat = state.store.current_chat(&ctx.visitor_id, &ctx.location).await?.ok_or_else(|| wrong("no chat"))?;
    let message_id = match inbound {
        Inbound::Text(_) | Inbound::File(..) => {
            state.store.message_id_by_client_side_id(&ctx.visitor_id, &client_side_id).await?.map(|m| m.to_string())
        }
        Inbound::KeyboardResponse { .. } => None,
    };
    Ok(MessageAnswer { result: Success::Ok, data: Some(PostedMessage { chat_id: chat.id.0, message_id }) })
}

async fn close_chat(state: &AppState, channel: &ChannelRecord, body: &Value) -> Result<OkAnswer, ChannelError> {
    let chat_id = short_string(body, "/chat/id", "chat.id")?;
    let not_found = || ChannelError(StatusCode::NOT_FOUND, "chat-not-found", "no open chat with that id".into());
    let visitor_id = body.pointer("/visitor/id").and_then(Value::as_str);
    let ctx = match visitor_id {
        Some(v) => state.store.channel_visitor(&channel.key, v, None).await?,
        None => state.store.channel_chat_visitor(&channel.key, chat_id).await?.ok_or_else(not_found)?,
    };
    let open = state.store.current_chat(&ctx.visitor_id, &ctx.location).await?;
    if open.is_none_or(|c| c.client_side_id != chat_id) {
        return Err(not_found());
    }
    let changes = state.store.visitor_close(&ctx).await?;
    state.publish(changes);
    Ok(OkAnswer::default())
}

/// Bot side (custom-channel.md §5): the platform answers in chats the channel holds, with the
/// forms of the Bot API.
async fn bot_side(
    state: &AppState,
    channel: &ChannelRecord,
    method: &str,
    body: &Value,
) -> Result<OkAnswer, ChannelError> {
    let operator = channel.operator_id.ok_or_else(|| wrong("the channel has no operator account"))?;
    let csid = short_string(body, "/chat/id", "chat.id")?;
    let chat = state.store.chat_by_client_side_id(csid).await?.ok_or(ChannelError(
        StatusCode::NOT_FOUND,
        "chat-not-found",
        "no chat with that id".into(),
    ))?;
    let call = match method {
        "message" => {
            if body.pointer("/message/kind").and_then(Value::as_str) == Some("file_operator") {
                let data = body.pointer("/message/data").ok_or_else(|| missing("data.url"))?;
                let url = data.get("url").and_then(Value::as_str).ok_or_else(|| missing("data.url"))?;
                let file = crate::bot::fetch::fetch(
                    state,
                    &channel.secret,
                    url,
                    data.get("name").and_then(Value::as_str),
                    data.get("media_type").and_then(Value::as_str),
                )
                .await?;
                beseda_store::BotCall::SendFile(file)
            } else {
                // Without a message there is no kind to post.
                let message = body.get("message").filter(|m| !m.is_null()).ok_or_else(|| missing("message.kind"))?;
                crate::bot::api::parse_message(message)?
            }
        }
        "redirect_chat" => crate::bot::api::parse_call("redirect_chat", body)?,
        "close_chat" => crate::bot::api::parse_call("close_chat", body)?,
        other => return Err(ChannelError(StatusCode::NOT_FOUND, "unknown-method", format!("no method `{other}`"))),
    };
    let (_, changes) = state.store.bot_call(operator, chat, &call).await?;
    state.publish(changes);
    Ok(OkAnswer::default())
}
