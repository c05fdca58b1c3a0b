//! Replays of the operator event log after a message was deleted. The log keeps events as they
//! were written, so a `message_added` (or `message_updated`) of a message deleted since, and a
//! chat row whose preview was that message, would still carry what it said. Read back, such an
//! event carries the message as the operator API gives a deleted one now
//! (`operator_wire::message`: `deleted`, an empty text, no data, no quote) and the preview
//! without its text.

use super::exec::query;
use super::rows::{marks, message_from, MESSAGE_COLS};
use super::Conn;
use crate::{OperatorEvent, Result};
use beseda_core::model::Message;
use beseda_core::operator_wire;
use beseda_core::time::micros_to_secs;
use serde_json::Value;
use std::collections::BTreeSet;

/// Chats whose deleted messages are read per query.
const CHUNK: usize = 200;

/// The chat an event is about: its `chatId`, else its chat row's `id`.
fn chat_of(event: &Value) -> Option<i64> {
    event.get("chatId").and_then(Value::as_i64).or_else(|| event.get("chat")?.get("id")?.as_i64())
}

/// Rewrites `events` (as read from the log) for the messages of their chats deleted by now.
pub(super) async fn without_deleted(conn: &mut Conn, events: &mut [OperatorEvent]) -> Result<()> {
    let chats: Vec<i64> =
        events.iter().filter_map(|e| chat_of(&e.event)).collect::<BTreeSet<_>>().into_iter().collect();
    let mut deleted = Vec::new();
    for chunk in chats.chunks(CHUNK) {
        let sql = format!(
            "SELECT {MESSAGE_COLS} FROM messages WHERE deleted = TRUE AND chat_id IN ({})",
            marks(1, chunk.len())
        );
        let mut q = query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&mut *conn).await? {
            deleted.push(message_from(&row)?);
        }
    }
    if !deleted.is_empty() {
        for e in events.iter_mut() {
            rewrite(&mut e.event, &deleted);
        }
    }
    Ok(())
}

/// One event: the deleted message it carries, and its chat row's preview of one.
fn rewrite(event: &mut Value, deleted: &[Message]) {
    let Some(chat) = chat_of(event) else { return };
    let is_message = matches!(event.get("type").and_then(Value::as_str), Some("message_added" | "message_updated"));
    for m in deleted.iter().filter(|m| m.chat_id.0 == chat) {
        let about_m = |x: &&mut Value| is_message && x.get("id").and_then(Value::as_str) == Some(m.id.as_str());
        if let Some(message) = event.get_mut("message").filter(about_m) {
            *message = operator_wire::message(m);
        }
        let preview = event.get_mut("chat").and_then(|c| c.get_mut("preview")).and_then(Value::as_object_mut);
        if let Some(p) = preview.filter(|p| {
            p.get("ts").and_then(Value::as_f64) == Some(micros_to_secs(m.created_at))
                && p.get("kind").and_then(Value::as_str) == Some(m.kind.as_str())
        }) {
            p.insert("text".into(), Value::String(String::new()));
        }
    }
}
