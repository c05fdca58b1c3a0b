//! A chat as the operator lists, the chat detail and `chat_updated` show it.

use crate::model::{Chat, Message};
use crate::state::MessageKind;
use crate::time::micros_to_secs;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

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

/// A chat as operator lists and events show it. Times are seconds (with a fraction).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatRow {
    pub id: i64,
    /// `queue`, `chatting`, `closed`, … ([`crate::state::ChatState`]).
    pub state: String,
    /// Started as an offline message.
    pub offline: bool,
    /// The placement.
    pub location: String,
    pub department_key: Option<String>,
    pub operator_id: Option<i64>,
    pub visitor_id: String,
    pub visitor_name: String,
    pub creation_ts: f64,
    pub modification_ts: f64,
    pub unread_by_operator_since_ts: Option<f64>,
    pub read_by_visitor: bool,
    /// Served ahead of older chats (a priority page).
    pub priority: bool,
    pub language: Option<String>,
    pub category: Option<String>,
    pub subcategory: Option<String>,
    /// The name the visitor gave, if any.
    pub visitor_given_name: Option<String>,
    /// The visitor's stable number, for «Посетитель 1234» when there is no name.
    pub visitor_number: i64,
    /// The newest visitor or operator message.
    pub preview: Option<Preview>,
    /// Visitor messages the operator has not read.
    pub unread_count: i64,
    /// The visitor's oldest message not answered yet; null once an operator answered.
    pub waiting_since_ts: Option<f64>,
}

impl ChatRow {
    pub fn new(c: &Chat, visitor_name: &str, row: &RowFacts) -> Self {
        Self {
            id: c.id.0,
            state: c.state.as_str().to_owned(),
            offline: c.offline,
            location: c.location.clone(),
            department_key: c.department_key.clone(),
            operator_id: c.operator_id.map(|o| o.0),
            visitor_id: c.visitor_id.as_str().to_owned(),
            visitor_name: visitor_name.to_owned(),
            creation_ts: micros_to_secs(c.created_at),
            modification_ts: micros_to_secs(c.modified_at),
            unread_by_operator_since_ts: c.unread_by_operator_since.map(micros_to_secs),
            read_by_visitor: c.read_by_visitor,
            priority: c.priority > 0,
            language: c.language.clone(),
            category: c.category.clone(),
            subcategory: c.subcategory.clone(),
            visitor_given_name: row.visitor_given_name.clone(),
            visitor_number: row.visitor_number,
            preview: row.preview.as_ref().map(Preview::new),
            unread_count: row.unread_count,
            waiting_since_ts: row.waiting_since.map(micros_to_secs),
        }
    }
}

/// Which side wrote a previewed message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Visitor,
    Operator,
}

/// A message as a list row previews it: kind, who, when and the start of the text on one line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Preview {
    /// The message kind ([`crate::state::MessageKind`]).
    pub kind: String,
    pub from: Side,
    pub name: String,
    /// At most [`PREVIEW_CHARS`] characters on one line (`…` when cut); a file message shows
    /// its file names.
    pub text: String,
    pub ts: f64,
}

impl Preview {
    pub fn new(m: &Message) -> Self {
        let text = match m.kind {
            MessageKind::FileVisitor | MessageKind::FileOperator => file_names(m),
            _ => m.text.clone(),
        };
        let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let text = match flat.char_indices().nth(PREVIEW_CHARS) {
            Some((cut, _)) => format!("{}…", flat[..cut].trim_end()),
            None => flat,
        };
        Self {
            kind: m.kind.as_str().to_owned(),
            from: if m.kind.is_visitor_side() { Side::Visitor } else { Side::Operator },
            name: m.name.clone(),
            text,
            ts: micros_to_secs(m.created_at),
        }
    }
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
