//! Messenger channels: Telegram bots and VK communities. Each is a custom channel
//! (custom-channel.md) with an adapter: updates from the messenger become the channel's
//! inbound calls, and the channel's outbound events become messenger API calls. Everything
//! else — visitors per external user, chats, routing, bots, delivery order and retries — is the
//! custom channel's.

pub mod telegram;
pub mod vk;

use crate::outbound::Attempt;
use crate::state::AppState;
use beseda_store::ChannelRecord;
use serde_json::Value;

/// Kinds of channel with an adapter here.
pub const KINDS: [&str; 2] = ["telegram", "vk"];

/// Sends one outbound channel event (already with signed file links) through the messenger.
pub async fn deliver(state: &AppState, channel: &ChannelRecord, body: &Value) -> Attempt {
    match channel.kind.as_str() {
        "telegram" => telegram::deliver(state, channel, body).await,
        "vk" => vk::deliver(state, channel, body).await,
        other => Attempt::Final { status: None, why: format!("no adapter for channel kind `{other}`") },
    }
}

/// The external id after a messenger's prefix (`tg-123` → `123`).
fn external(id: &str, prefix: &str) -> Option<i64> {
    id.strip_prefix(prefix)?.parse().ok()
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
    if lang == "en" {
        "Choose an option:"
    } else {
        "Выберите вариант:"
    }
}
