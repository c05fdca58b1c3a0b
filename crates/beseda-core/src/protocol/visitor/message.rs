//! Messages (visitor-api.md §9.2), the deleted form history reports, and quotes (§9.9).

use crate::model;
use crate::settings::OrgSettings;
use crate::state::MessageKind;
use crate::time::{micros_to_secs, micros_to_whole_secs};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// Flags that decide what a visitor may do with a message.
#[derive(Clone, Copy, Debug)]
pub struct MessagePolicy {
    pub editing: bool,
    pub quoting: bool,
}

impl MessagePolicy {
    pub fn from_settings(s: &OrgSettings) -> Self {
        Self { editing: s.visitor_message_editing, quoting: s.web_and_mobile_quoting }
    }
}

/// A message object. `text` and `name` are never null.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    pub client_side_id: String,
    pub chat_id: String,
    pub session_id: String,
    /// `visitor`, `operator`, `info`, `file_visitor`, `file_operator`, `keyboard`, …
    pub kind: String,
    pub text: String,
    /// Kind-specific data: the file descriptor of a file message, a keyboard, a sticker.
    #[schema(value_type = Option<Object>)]
    pub data: Option<Value>,
    pub name: String,
    pub author_id: Option<i64>,
    pub avatar: Option<String>,
    pub ts: f64,
    #[serde(rename = "ts_m")]
    pub ts_m: i64,
    pub modified_ts: f64,
    pub read: bool,
    pub edited: bool,
    pub deleted: bool,
    pub can_be_edited: bool,
    pub can_be_replied: bool,
    pub reaction: Option<String>,
    pub can_visitor_react: bool,
    pub can_visitor_change_reaction: bool,
    /// Only on a reply: the quoted message, as it was when quoted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Quote>)]
    pub quote: Option<Value>,
    /// Beseda extension: the visitor picked this question from the hints (`hint_question`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hint_question: bool,
}

impl Message {
    pub fn new(m: &model::Message, policy: MessagePolicy) -> Self {
        let visitor_text = m.kind == MessageKind::Visitor;
        let repliable = matches!(
            m.kind,
            MessageKind::Visitor | MessageKind::Operator | MessageKind::FileVisitor | MessageKind::FileOperator
        );
        Self {
            id: m.id.as_str().to_owned(),
            client_side_id: m.client_side_id.clone(),
            chat_id: m.chat_id.to_string(),
            session_id: m.session_id.clone(),
            kind: m.kind.as_str().to_owned(),
            text: m.text.clone(),
            data: m.data.clone(),
            name: m.name.clone(),
            author_id: m.author_id.map(|a| a.0),
            avatar: m.avatar.clone(),
            ts: micros_to_secs(m.created_at),
            ts_m: m.created_at,
            modified_ts: micros_to_secs(m.modified_at),
            read: m.read,
            edited: m.edited,
            deleted: m.deleted,
            can_be_edited: policy.editing && visitor_text && !m.deleted,
            can_be_replied: policy.quoting && repliable && !m.deleted,
            reaction: m.reaction.clone(),
            can_visitor_react: m.kind.is_operator_side() && !m.deleted,
            can_visitor_change_reaction: m.kind.is_operator_side() && !m.deleted,
            quote: m.quote.clone(),
            hint_question: m.hint_question,
        }
    }
}

/// A deleted message as history `since` reports it: what identifies it, and `deleted: true`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeletedMessage {
    pub id: String,
    pub client_side_id: String,
    pub chat_id: String,
    pub kind: String,
    /// Always empty.
    pub text: String,
    pub name: String,
    pub ts: f64,
    #[serde(rename = "ts_m")]
    pub ts_m: i64,
    /// Always `true`.
    pub deleted: bool,
}

impl DeletedMessage {
    pub fn new(m: &model::Message) -> Self {
        Self {
            id: m.id.as_str().to_owned(),
            client_side_id: m.client_side_id.clone(),
            chat_id: m.chat_id.to_string(),
            kind: m.kind.as_str().to_owned(),
            text: String::new(),
            name: m.name.clone(),
            ts: micros_to_secs(m.created_at),
            ts_m: m.created_at,
            deleted: true,
        }
    }
}

/// A message of a history answer: whole, or deleted (history `since` only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum HistoryMessage {
    Message(Box<Message>),
    Deleted(DeletedMessage),
}

impl HistoryMessage {
    pub fn new(m: &model::Message, policy: MessagePolicy) -> Self {
        if m.deleted {
            Self::Deleted(DeletedMessage::new(m))
        } else {
            Self::Message(Box::new(Message::new(m, policy)))
        }
    }
}

/// The quote block of a reply, filled at once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Quote {
    #[serde(rename = "ref")]
    pub reference: QuoteRef,
    /// `filled` (Beseda fills quotes when the reply is written).
    pub state: String,
    pub message: QuotedMessage,
}

/// What a quote points at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuoteRef {
    pub msg_id: String,
    pub msg_channel_side_id: Option<String>,
    pub chat_id: i64,
}

/// The quoted message as it was when quoted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuotedMessage {
    pub id: String,
    /// Whole Unix seconds.
    pub ts: i64,
    pub author_id: Option<i64>,
    pub text: String,
    pub kind: String,
    pub name: String,
    pub channel_side_id: Option<String>,
}

impl Quote {
    pub fn of(m: &model::Message) -> Self {
        Self {
            reference: QuoteRef { msg_id: m.id.as_str().to_owned(), msg_channel_side_id: None, chat_id: m.chat_id.0 },
            state: "filled".to_owned(),
            message: QuotedMessage {
                id: m.id.as_str().to_owned(),
                ts: micros_to_whole_secs(m.created_at),
                author_id: m.author_id.map(|a| a.0),
                text: m.text.clone(),
                kind: m.kind.as_str().to_owned(),
                name: m.name.clone(),
                channel_side_id: None,
            },
        }
    }
}
