//! Beseda's own JSON for the operator API and the operator event stream (Beseda choice:
//! stable, pinned by tests), as types: the server builds these and the OpenAPI documents are
//! generated from them. Messages use the visitor protocol's message object so both sides
//! agree on ids, kinds and timestamps.
//!
//! - [`chat`]: a chat as lists, the chat detail and `chat_updated` show it;
//! - [`visitors`]: visitors on the site, visitor blocks;
//! - [`events`]: every event of the operator stream;
//! - [`answers`]: answers several handlers give (`Done`, operator accounts, lists).

pub mod answers;
pub mod chat;
pub mod events;
pub mod visitors;

pub use chat::{ChatRow, Preview, RowFacts, Side, PREVIEW_CHARS};
pub use events::OperatorEvent;
pub use visitors::{BlockRow, SiteVisitorRow};

use crate::model::{Chat, Message, SiteVisitor};
use crate::wire::MessagePolicy;
use serde_json::Value;

const POLICY: MessagePolicy = MessagePolicy { editing: false, quoting: true };

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).expect("operator wire types are JSON")
}

/// A chat as operator lists and events show it ([`ChatRow`]), as JSON.
pub fn chat(c: &Chat, visitor_name: &str, row: &RowFacts) -> Value {
    to_json(&ChatRow::new(c, visitor_name, row))
}

/// A message as a list row previews it ([`Preview`]), as JSON.
pub fn preview(m: &Message) -> Value {
    to_json(&Preview::new(m))
}

/// A message as operators see it (every kind, including `for_operator`): the visitor
/// protocol's message object. A deleted message keeps its place and `deleted: true` but not
/// what it said: an empty text, no data (a file's descriptor) and no quote — as the Stored
/// Data API lists it. Every message the operator API and the operator events give is made
/// here.
pub fn message_object(m: &Message) -> crate::protocol::visitor::Message {
    let mut o = crate::protocol::visitor::Message::new(m, POLICY);
    if m.deleted {
        o.text = String::new();
        o.data = None;
        o.quote = None;
    }
    o
}

/// [`message_object`] as JSON.
pub fn message(m: &Message) -> Value {
    to_json(&message_object(m))
}

pub fn chat_updated(c: &Chat, visitor_name: &str, row: &RowFacts) -> OperatorEvent {
    OperatorEvent::ChatUpdated(events::ChatUpdated { chat: ChatRow::new(c, visitor_name, row) })
}

pub fn message_added(m: &Message) -> OperatorEvent {
    OperatorEvent::MessageAdded(events::MessageEvent { chat_id: m.chat_id.0, message: message(m), chat: None })
}

pub fn message_updated(m: &Message) -> OperatorEvent {
    OperatorEvent::MessageUpdated(events::MessageEvent { chat_id: m.chat_id.0, message: message(m), chat: None })
}

pub fn message_deleted(m: &Message) -> OperatorEvent {
    OperatorEvent::MessageDeleted(events::MessageDeleted {
        chat_id: m.chat_id.0,
        message_id: m.id.as_str().to_owned(),
        chat: None,
    })
}

/// A visitor on the site as the visitors list and its events show it ([`SiteVisitorRow`]).
pub fn site_visitor(v: &SiteVisitor, now: i64) -> Value {
    to_json(&SiteVisitorRow::new(v, now))
}

#[cfg(test)]
mod tests;
