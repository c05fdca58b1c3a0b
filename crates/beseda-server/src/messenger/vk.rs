//! VK communities (Callback API and `messages.send`, https://dev.vk.com/ru/api): VK posts
//! events to `/api/vk/{key}/callback` with the secret key Beseda generated; `confirmation` is
//! answered with the community's confirmation string, `message_new` becomes a visitor message
//! (a press on a keyboard button arrives as a message with its payload). Replies go out with
//! the community access key. The API address is the deployment setting `vk_api_url`.

use super::{buttons, keyboard_prompt};
use crate::auth;
use crate::channel::inbound;
use crate::outbound::{self, Attempt};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use beseda_store::ChannelRecord;
use serde_json::{json, Value};
use std::time::Duration;

/// The API version Beseda speaks.
pub const API_VERSION: &str = "5.199";
const ATTEMPT_LIMIT: Duration = Duration::from_secs(10);

fn config<'a>(channel: &'a ChannelRecord, key: &str) -> &'a str {
    channel.config.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The address to enter in the community's Callback API settings.
pub fn callback_url(state: &AppState, channel: &ChannelRecord) -> String {
    format!("{}/api/vk/{}/callback", state.origin.get(), channel.key)
}

/// A `message_new` object as a custom-channel inbound body.
fn inbound_body(m: &Value) -> Option<Value> {
    let peer = m["peer_id"].as_i64()?;
    let from = m["from_id"].as_i64().unwrap_or(peer);
    let id = match m["id"].as_i64() {
        Some(id) if id > 0 => format!("vk-{id}"),
        _ => format!("vk-c{}", m["conversation_message_id"]),
    };
    let mut body = json!({"chat": {"id": format!("vk-{peer}")}, "visitor": {"id": format!("vk-{from}")}});
    // A keyboard button Beseda sent: its payload names the keyboard message and the button.
    let payload = m["payload"].as_str().and_then(|p| serde_json::from_str::<Value>(p).ok());
    if let Some((message, button)) = payload.as_ref().and_then(|p| Some((p["m"].as_str()?, p["b"].as_str()?))) {
        body["message"] = json!({"id": id, "kind": "keyboard_response",
            "data": {"button": {"id": button}, "request": {"messageId": message}}});
        return Some(body);
    }
    let attachment = m["attachments"].as_array().and_then(|a| a.first()).cloned();
    let file = attachment.and_then(|a| match a["type"].as_str()? {
        "doc" => Some((a["doc"]["url"].as_str()?.to_owned(), a["doc"]["title"].as_str().unwrap_or("file").to_owned())),
        "photo" => {
            let sizes = a["photo"]["sizes"].as_array()?;
            let best =
                sizes.iter().max_by_key(|s| s["width"].as_i64().unwrap_or(0) * s["height"].as_i64().unwrap_or(0))?;
            Some((best["url"].as_str()?.to_owned(), "photo.jpg".to_owned()))
        }
        _ => None,
    });
    body["message"] = match file {
        Some((url, name)) => json!({"id": id, "kind": "file_visitor", "data": {"url": url, "name": name}}),
        None => {
            let text = m["text"].as_str().filter(|t| !t.trim().is_empty())?;
            json!({"id": id, "kind": "visitor", "text": text})
        }
    };
    Some(body)
}

fn text(status: StatusCode, body: &str) -> Response {
    (status, [("content-type", "text/plain; charset=utf-8")], body.to_owned()).into_response()
}

/// `POST /api/vk/{key}/callback`.
pub async fn callback(State(state): State<AppState>, Path(key): Path<String>, body: axum::body::Bytes) -> Response {
    let channel = match super::channel_of(&state, &key, "vk").await {
        Ok(c) => c,
        Err((status, why)) => return text(status, why),
    };
    let Ok(event) = serde_json::from_slice::<Value>(&body) else { return text(StatusCode::BAD_REQUEST, "not JSON") };
    if !auth::same(event["secret"].as_str().unwrap_or_default(), &channel.secret) {
        return text(StatusCode::FORBIDDEN, "wrong secret key");
    }
    let group = config(&channel, "groupId");
    if !group.is_empty() && event["group_id"].as_i64().map(|g| g.to_string()).as_deref() != Some(group) {
        return text(StatusCode::FORBIDDEN, "another community");
    }
    match event["type"].as_str() {
        Some("confirmation") => text(StatusCode::OK, config(&channel, "confirmation")),
        Some("message_new") => {
            let message = event.pointer("/object/message").unwrap_or(&event["object"]);
            if let Some(body) = inbound_body(message) {
                if let Err(e) = inbound::post_message(&state, &channel, &body).await {
                    let (status, ..) = e.parts();
                    tracing::info!(channel = %channel.key, %status, "a VK message was not taken");
                }
            }
            text(StatusCode::OK, "ok")
        }
        _ => text(StatusCode::OK, "ok"),
    }
}

/// `random_id` of `messages.send`: the same for the same Beseda message, so VK drops repeats.
fn random_id(message_id: &str) -> i64 {
    let hash = message_id.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    i64::from(hash & 0x7fff_ffff)
}

/// Sends an operator-side message (custom-channel.md §4.3) to VK conversation `peer`.
pub async fn send(state: &AppState, channel: &ChannelRecord, peer: i64, m: &Value) -> Attempt {
    let message_id = m["id"].as_str().unwrap_or_default();
    let mut form: Vec<(&str, String)> = vec![
        ("peer_id", peer.to_string()),
        ("random_id", random_id(message_id).to_string()),
        ("access_token", config(channel, "accessToken").to_owned()),
        ("v", API_VERSION.to_owned()),
    ];
    let text = m["text"].as_str().unwrap_or_default();
    match m["kind"].as_str().unwrap_or_default() {
        "file_operator" => form.push(("message", format!("{text}: {}", m["data"]["url"].as_str().unwrap_or_default()))),
        "keyboard" => {
            let lang = state.store.settings().await.map(|s| s.default_lang).unwrap_or_default();
            let rows: Vec<Vec<Value>> = buttons(&m["data"])
                .into_iter()
                .map(|row| {
                    row.into_iter()
                        .map(|(id, label, link)| match link {
                            Some(link) => json!({"action": {"type": "open_link", "link": link, "label": label}}),
                            None => json!({"action": {"type": "text", "label": label,
                                "payload": json!({"m": message_id, "b": id}).to_string()}}),
                        })
                        .collect()
                })
                .collect();
            form.push(("message", keyboard_prompt(&lang).to_owned()));
            form.push(("keyboard", json!({"inline": true, "buttons": rows}).to_string()));
        }
        _ if text.is_empty() => return Attempt::Delivered(Default::default()),
        _ => form.push(("message", text.to_owned())),
    }
    let url = format!("{}/method/messages.send", state.config.api_urls.vk.trim_end_matches('/'));
    match outbound::send(state.http.post(url).form(&form), ATTEMPT_LIMIT).await {
        Attempt::Delivered(answer) => {
            let v: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
            match v.pointer("/error/error_code").and_then(Value::as_i64) {
                None if v.get("response").is_some() => Attempt::Delivered(answer),
                // Too many requests, flood control, an internal error: worth another try.
                Some(code @ (6 | 9 | 10)) => {
                    Attempt::Retry { status: None, why: format!("VK error {code}"), retry_after: None }
                }
                code => Attempt::Final { status: None, why: format!("VK error {code:?}: {}", v["error"]["error_msg"]) },
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_stable_and_positive() {
        let a = random_id("5e1b0c7d9a2f4e36b8c4d2a1f0e9b7c6");
        assert_eq!(a, random_id("5e1b0c7d9a2f4e36b8c4d2a1f0e9b7c6"));
        assert_ne!(a, random_id("8a7b6c5d4e3f40a1b2c3d4e5f6a7b8c9"));
        assert!(a >= 0);
    }

    #[test]
    fn button_presses_become_keyboard_responses() {
        let m = json!({"id": 17, "peer_id": 2000000001, "from_id": 5, "text": "Да",
                       "payload": "{\"m\":\"abc\",\"b\":\"yes\"}"});
        let body = inbound_body(&m).expect("body");
        assert_eq!(body["chat"]["id"], "vk-2000000001");
        assert_eq!(body["message"]["kind"], "keyboard_response");
        assert_eq!(body["message"]["data"], json!({"button": {"id": "yes"}, "request": {"messageId": "abc"}}));
    }
}
