//! Beseda's own JSON for the operator API and the operator event stream (Beseda choice:
//! stable, pinned by tests). Messages use the visitor protocol's message object so both sides
//! agree on ids, kinds and timestamps.

use crate::model::{Chat, Message, SiteVisitor};
use crate::time::micros_to_secs;
use crate::wire::{self, MessagePolicy};
use serde_json::{json, Value};

const POLICY: MessagePolicy = MessagePolicy { editing: false, quoting: true };

/// A chat as operator lists and events show it.
pub fn chat(c: &Chat, visitor_name: &str, last_message: Option<&Message>) -> Value {
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
        "lastMessage": last_message.map(message),
    })
}

/// A message as operators see it (every kind, including `for_operator`).
pub fn message(m: &Message) -> Value {
    wire::message(m, POLICY)
}

pub fn chat_updated(c: &Chat, visitor_name: &str, last_message: Option<&Message>) -> Value {
    json!({"type": "chat_updated", "chat": chat(c, visitor_name, last_message)})
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
