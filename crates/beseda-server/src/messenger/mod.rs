//! Messenger channels: Telegram bots and VK communities. Each is a custom channel
//! (custom-channel.md) with an adapter: updates from the messenger become the channel's
//! inbound calls, and the channel's outbound events become messenger API calls. Everything
//! else — visitors per external user, chats, routing, bots, delivery order and retries — is the
//! custom channel's.

pub mod telegram;
pub mod vk;

use crate::outbound::Attempt;
use crate::state::AppState;
use axum::http::StatusCode;
use beseda_store::ChannelRecord;
use serde_json::Value;

/// Kinds of channel with an adapter here.
pub const KINDS: [&str; 2] = ["telegram", "vk"];

/// Sends one outbound channel event (already with signed file links) through the messenger.
/// Only messages are sent; assignment and closing events have no messenger form.
pub async fn deliver(state: &AppState, channel: &ChannelRecord, body: &Value) -> Attempt {
    if body["event"] != "new_message" {
        return Attempt::Delivered(Default::default());
    }
    let prefix = match channel.kind.as_str() {
        "telegram" => "tg-",
        "vk" => "vk-",
        other => return Attempt::Final { status: None, why: format!("no adapter for channel kind `{other}`") },
    };
    // The conversation id after the messenger's prefix (`tg-123` → 123).
    let peer = body.pointer("/chat/id").and_then(Value::as_str).and_then(|c| c.strip_prefix(prefix)?.parse().ok());
    let Some(peer) = peer else {
        return Attempt::Final { status: None, why: format!("not a {} conversation", channel.kind) };
    };
    match channel.kind.as_str() {
        "telegram" => telegram::send(state, channel, peer, &body["message"]).await,
        _ => vk::send(state, channel, peer, &body["message"]).await,
    }
}

/// The channel of an inbound messenger request, if it is of `kind`.
async fn channel_of(state: &AppState, key: &str, kind: &str) -> Result<ChannelRecord, (StatusCode, &'static str)> {
    match state.store.channel(key).await {
        Ok(Some(c)) if c.kind == kind => Ok(c),
        Ok(_) => Err((StatusCode::NOT_FOUND, "no such channel")),
        Err(e) => {
            tracing::error!(error = %e, "loading a channel failed");
            Err((StatusCode::INTERNAL_SERVER_ERROR, "internal error"))
        }
    }
}

/// Button rows of a `keyboard` event: `(id, text, link)`.
fn buttons(data: &Value) -> Vec<Vec<(String, String, Option<String>)>> {
    let rows = data.get("buttons").and_then(Value::as_array).cloned().unwrap_or_default();
    rows.iter()
        .map(|row| {
            row.as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|b| {
                    let text = |k: &str| b.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
                    let link = b.pointer("/config/link").and_then(Value::as_str).map(String::from);
                    (text("id"), text("text"), link)
                })
                .collect()
        })
        .collect()
}

/// The prompt sent with buttons (messengers need text with a keyboard).
fn keyboard_prompt(lang: &str) -> &'static str {
    if beseda_core::languages::interface(lang) == "en" {
        "Choose an option:"
    } else {
        "Выберите вариант:"
    }
}
