//! Telegram (Bot API, https://core.telegram.org/bots/api): the bot token is checked with
//! `getMe`, Beseda sets its webhook with a secret token, turns updates (text, documents,
//! photos, inline-keyboard presses) into visitor messages and sends operator and bot messages
//! with `sendMessage` / `sendDocument` (keyboards as inline keyboards). The API address is the
//! deployment setting `telegram_api_url`.

use super::{buttons, keyboard_prompt};
use crate::auth;
use crate::channel::inbound;
use crate::outbound::{self, Attempt};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use beseda_store::ChannelRecord;
use serde_json::{json, Value};
use std::time::Duration;

const ATTEMPT_LIMIT: Duration = Duration::from_secs(10);
/// Telegram's limit on `callback_data`.
const CALLBACK_DATA_MAX: usize = 64;

fn method_url(state: &AppState, token: &str, method: &str) -> String {
    format!("{}/bot{token}/{method}", state.config.api_urls.telegram.trim_end_matches('/'))
}

/// One Bot API call; `Ok(result)` when Telegram answers `{"ok": true}`.
async fn call(state: &AppState, token: &str, method: &str, params: &Value) -> Result<Value, Attempt> {
    let req = state.http.post(method_url(state, token, method)).json(params);
    match outbound::send(req, ATTEMPT_LIMIT).await {
        Attempt::Delivered(body) => {
            let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            if v["ok"] == json!(true) {
                Ok(v["result"].clone())
            } else {
                Err(Attempt::Final { status: None, why: format!("Telegram: {}", v["description"]) })
            }
        }
        other => Err(other),
    }
}

fn token(channel: &ChannelRecord) -> &str {
    channel.config.get("botToken").and_then(Value::as_str).unwrap_or_default()
}

/// Whether `token` looks like a bot token (`123456:ABC-…`).
pub fn is_token(token: &str) -> bool {
    let Some((id, secret)) = token.split_once(':') else { return false };
    !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_digit())
        && secret.len() >= 30
        && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Why connecting failed.
pub enum ConnectError {
    /// Telegram refused the token.
    Rejected(String),
    /// Telegram could not be reached or failed.
    Unreachable(String),
}

fn connect_error(a: Attempt) -> ConnectError {
    match a {
        Attempt::Final { why, .. } => ConnectError::Rejected(why),
        Attempt::Retry { why, .. } => ConnectError::Unreachable(why),
        Attempt::Delivered(_) => ConnectError::Unreachable("unexpected answer".into()),
    }
}

/// The bot's `@username` if Telegram accepts the token.
pub async fn check_token(state: &AppState, token: &str) -> Result<String, ConnectError> {
    let me = call(state, token, "getMe", &json!({})).await.map_err(connect_error)?;
    Ok(me["username"].as_str().unwrap_or_default().to_owned())
}

/// The address Telegram posts the channel's updates to.
pub fn webhook_url(state: &AppState, channel: &ChannelRecord) -> String {
    format!("{}/api/telegram/{}/webhook", state.origin.get(), channel.key)
}

/// Points the bot's webhook at Beseda with the channel secret as its secret token.
pub async fn set_webhook(state: &AppState, channel: &ChannelRecord) -> Result<(), ConnectError> {
    let params = json!({
        "url": webhook_url(state, channel),
        "secret_token": channel.secret,
        "allowed_updates": ["message", "callback_query"],
    });
    call(state, token(channel), "setWebhook", &params).await.map(|_| ()).map_err(connect_error)
}

/// The update as a custom-channel inbound body, or `None` for updates with nothing to post.
async fn inbound_body(state: &AppState, channel: &ChannelRecord, update: &Value) -> Option<Value> {
    if let Some(q) = update.get("callback_query") {
        let chat = q.pointer("/message/chat/id").and_then(Value::as_i64)?;
        let from = &q["from"];
        let (message, button) = q["data"].as_str()?.split_once(':')?;
        let answer = json!({"callback_query_id": q["id"]});
        if call(state, token(channel), "answerCallbackQuery", &answer).await.is_err() {
            tracing::info!(channel = %channel.key, "answerCallbackQuery failed");
        }
        return Some(json!({
            "chat": {"id": format!("tg-{chat}")},
            "visitor": {"id": format!("tg-{}", from["id"]), "fields": fields(from)},
            "message": {"id": format!("tg-cb-{}", q["id"].as_str().unwrap_or_default()), "kind": "keyboard_response",
                        "data": {"button": {"id": button}, "request": {"messageId": message}}},
        }));
    }
    let m = update.get("message")?;
    let chat = m.pointer("/chat/id").and_then(Value::as_i64)?;
    let base = json!({
        "chat": {"id": format!("tg-{chat}")},
        "visitor": {"id": format!("tg-{}", m["from"]["id"]), "fields": fields(&m["from"])},
    });
    let id = format!("tg-{}", m["message_id"]);
    let file = match (m.get("document"), m.get("photo").and_then(Value::as_array)) {
        (Some(d), _) => Some((d["file_id"].clone(), d["file_name"].as_str().map(String::from), d["mime_type"].clone())),
        (None, Some(sizes)) => sizes.last().map(|p| (p["file_id"].clone(), None, json!("image/jpeg"))),
        _ => None,
    };
    let mut body = base;
    if let Some((file_id, name, media_type)) = file {
        let path = call(state, token(channel), "getFile", &json!({"file_id": file_id})).await.ok()?;
        let path = path["file_path"].as_str()?;
        let url = format!("{}/file/bot{}/{path}", state.config.api_urls.telegram.trim_end_matches('/'), token(channel));
        let name = name.unwrap_or_else(|| path.rsplit('/').next().unwrap_or("photo.jpg").to_owned());
        body["message"] =
            json!({"id": id, "kind": "file_visitor", "data": {"url": url, "name": name, "media_type": media_type}});
    } else {
        let text = m.get("text").or(m.get("caption")).and_then(Value::as_str)?;
        body["message"] = json!({"id": id, "kind": "visitor", "text": text});
    }
    Some(body)
}

/// The sender's name and username as visitor fields.
fn fields(from: &Value) -> Value {
    let name =
        [from["first_name"].as_str(), from["last_name"].as_str()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let mut f = serde_json::Map::new();
    if !name.is_empty() {
        f.insert("name".into(), json!(name));
    }
    if let Some(u) = from["username"].as_str() {
        f.insert("telegram".into(), json!(format!("@{u}")));
    }
    Value::Object(f)
}

/// `POST /api/telegram/{key}/webhook`: an update from Telegram. Answered 200 unless the secret
/// token is wrong (401) or there is no such channel (404); a message Beseda cannot take is
/// logged, not refused, so Telegram does not send it again and again.
pub async fn webhook(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let channel = match super::channel_of(&state, &key, "telegram").await {
        Ok(c) => c,
        Err(refusal) => return refusal.into_response(),
    };
    let secret = headers.get("x-telegram-bot-api-secret-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !auth::same(secret, &channel.secret) {
        return (StatusCode::UNAUTHORIZED, "wrong secret token").into_response();
    }
    let Ok(update) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "not JSON").into_response();
    };
    let Some(body) = inbound_body(&state, &channel, &update).await else { return StatusCode::OK.into_response() };
    let starting = body.pointer("/message/text").and_then(Value::as_str).is_some_and(|t| t.trim() == "/start");
    let result = if starting {
        inbound::start_chat(&state, &channel, &body).await.map(|_| ())
    } else {
        inbound::post_message(&state, &channel, &body).await.map(|_| ())
    };
    if let Err(e) = result {
        let (status, ..) = e.parts();
        tracing::info!(channel = %channel.key, %status, "a Telegram update was not taken");
    }
    StatusCode::OK.into_response()
}

/// Sends an operator-side message (custom-channel.md §4.3) to Telegram chat `chat`.
pub async fn send(state: &AppState, channel: &ChannelRecord, chat: i64, m: &Value) -> Attempt {
    let text = m["text"].as_str().unwrap_or_default();
    let (method, params) = match m["kind"].as_str().unwrap_or_default() {
        "file_operator" => ("sendDocument", json!({"chat_id": chat, "document": m["data"]["url"], "caption": text})),
        "keyboard" => {
            let lang = state.store.settings().await.map(|s| s.default_lang).unwrap_or_default();
            let message_id = m["id"].as_str().unwrap_or_default();
            let rows: Vec<Vec<Value>> = buttons(&m["data"])
                .into_iter()
                .map(|row| {
                    row.into_iter()
                        .map(|(id, text, link)| match link {
                            Some(url) => json!({"text": text, "url": url}),
                            None => {
                                let mut data = format!("{message_id}:{id}");
                                data.truncate(CALLBACK_DATA_MAX);
                                json!({"text": text, "callback_data": data})
                            }
                        })
                        .collect()
                })
                .collect();
            let markup = json!({"inline_keyboard": rows});
            ("sendMessage", json!({"chat_id": chat, "text": keyboard_prompt(&lang), "reply_markup": markup}))
        }
        _ if text.is_empty() => return Attempt::Delivered(Default::default()),
        _ => ("sendMessage", json!({"chat_id": chat, "text": text})),
    };
    match call(state, token(channel), method, &params).await {
        Ok(_) => Attempt::Delivered(Default::default()),
        Err(a) => a,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bot_tokens_have_an_id_and_a_secret() {
        assert!(super::is_token("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_"));
        for bad in [
            "",
            "123456789",
            "abc:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
            "1:short",
            "1:AAHdqTcvCH1vGWJxfSeofSAs0K5PA/Dsaw",
        ] {
            assert!(!super::is_token(bad), "{bad}");
        }
    }
}
