//! Beseda's own JSON for the operator API and the operator event stream (Beseda choice:
//! stable, pinned by tests). Messages use the visitor protocol's message object so both sides
//! agree on ids, kinds and timestamps.

use crate::model::{Chat, Message, SiteVisitor};
use crate::state::MessageKind;
use crate::time::micros_to_secs;
use crate::wire::{self, MessagePolicy};
use serde_json::{json, Value};

const POLICY: MessagePolicy = MessagePolicy { editing: false, quoting: true };

/// What a row of an operator's chat list shows besides the chat itself.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RowFacts {
    /// The name the visitor gave, if any.
    pub visitor_given_name: Option<String>,
    /// The visitor's stable number, for the UI's «Посетитель 1234» when there is no name.
    pub visitor_number: i64,
    /// The newest visitor or operator message ([`crate::state::MessageKind::is_conversation`]).
    pub preview: Option<Message>,
    /// Visitor messages the operator has not read.
    pub unread_count: i64,
    /// The visitor's oldest message not answered yet (µs); `None` once an operator answered.
    pub waiting_since: Option<i64>,
}

/// Characters of a message's text a preview keeps.
pub const PREVIEW_CHARS: usize = 140;

/// A chat as operator lists and events show it.
pub fn chat(c: &Chat, visitor_name: &str, row: &RowFacts) -> Value {
    json!({
        "id": c.id.0,
        "state": c.state.as_str(),
        "offline": c.offline,
        "location": c.location,
        "departmentKey": c.department_key,
        "operatorId": c.operator_id.map(|o| o.0),
        "visitorId": c.visitor_id.as_str(),
        "visitorName": visitor_name,
        "creationTs": micros_to_secs(c.created_at),
        "modificationTs": micros_to_secs(c.modified_at),
        "unreadByOperatorSinceTs": c.unread_by_operator_since.map(micros_to_secs),
        "readByVisitor": c.read_by_visitor,
        "priority": c.priority > 0,
        "language": c.language,
        "category": c.category,
        "subcategory": c.subcategory,
        "visitorGivenName": row.visitor_given_name,
        "visitorNumber": row.visitor_number,
        "preview": row.preview.as_ref().map(preview),
        "unreadCount": row.unread_count,
        "waitingSinceTs": row.waiting_since.map(micros_to_secs),
    })
}

/// A message as a list row previews it: kind, who, when and the start of the text on one line.
pub fn preview(m: &Message) -> Value {
    let text = match m.kind {
        MessageKind::FileVisitor | MessageKind::FileOperator => file_names(m),
        _ => m.text.clone(),
    };
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = match flat.char_indices().nth(PREVIEW_CHARS) {
        Some((cut, _)) => format!("{}…", flat[..cut].trim_end()),
        None => flat,
    };
    json!({
        "kind": m.kind.as_str(),
        "from": if m.kind.is_visitor_side() { "visitor" } else { "operator" },
        "name": m.name,
        "text": text,
        "ts": micros_to_secs(m.created_at),
    })
}

/// A message as operators see it (every kind, including `for_operator`).
pub fn message(m: &Message) -> Value {
    wire::message(m, POLICY)
}

/// The names of a file message's files (its text is the files' descriptor JSON).
fn file_names(m: &Message) -> String {
    let name = |d: &Value| d.get("filename").and_then(Value::as_str).map(str::to_owned);
    match serde_json::from_str::<Value>(&m.text) {
        Ok(Value::Array(files)) => files.iter().filter_map(name).collect::<Vec<_>>().join(", "),
        Ok(d) => name(&d).unwrap_or_default(),
        Err(_) => m.data.as_ref().and_then(|d| d.pointer("/file/desc")).and_then(name).unwrap_or_default(),
    }
}

pub fn chat_updated(c: &Chat, visitor_name: &str, row: &RowFacts) -> Value {
    json!({"type": "chat_updated", "chat": chat(c, visitor_name, row)})
}

pub fn message_added(m: &Message) -> Value {
    json!({"type": "message_added", "chatId": m.chat_id.0, "message": message(m)})
}

pub fn message_updated(m: &Message) -> Value {
    json!({"type": "message_updated", "chatId": m.chat_id.0, "message": message(m)})
}

pub fn message_deleted(m: &Message) -> Value {
    json!({"type": "message_deleted", "chatId": m.chat_id.0, "messageId": m.id.as_str()})
}

/// A visitor on the site as the visitors list and its events show it. `name` is the visitor's
/// own name, or empty (the console shows its default).
pub fn site_visitor(v: &SiteVisitor, now: i64) -> Value {
    json!({
        "id": v.visitor.id.as_str(),
        "visitSessionId": v.visit_session_id.as_str(),
        "name": v.visitor.display_name(),
        "number": v.visitor.number,
        "location": v.location,
        "placementTitle": v.placement_title,
        "departmentKeys": v.departments,
        "page": v.page_url,
        "title": v.title,
        "sinceTs": micros_to_secs(v.since),
        "secondsOnSite": ((now - v.since).max(0)) / 1_000_000,
        "visits": v.visits,
        "chatting": v.chat.as_ref().is_some_and(|c| !c.state.is_final()),
        "chatId": v.chat.as_ref().map(|c| c.id.0),
        "chatState": v.chat.as_ref().map(|c| c.state.as_str()),
        "chatOperatorId": v.chat.as_ref().and_then(|c| c.operator_id.map(|o| o.0)),
        "chatDepartmentKey": v.chat.as_ref().and_then(|c| c.department_key.clone()),
        "address": v.address,
    })
}
