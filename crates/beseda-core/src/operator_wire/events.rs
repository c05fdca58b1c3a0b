//! The operator event stream (`/api/operator/v1/events`, its WebSocket): one JSON object per
//! event, told apart by `type`. Stored events also carry their `seq` (the cursor to resume
//! after); chat and visitor events carry the scope the server judges visibility by
//! (`chatScope`, `visitorScope`, see [`crate::visibility`]).

use super::chat::ChatRow;
use super::visitors::SiteVisitorRow;
use crate::visibility::VisitorScope;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// One operator event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OperatorEvent {
    /// A chat changed: its row as the lists show it.
    ChatUpdated(ChatUpdated),
    /// A chat got an operator or a bot.
    ChatAssigned(ChatAssigned),
    ChatRated(ChatRated),
    ChatReadByVisitor(ChatReadByVisitor),
    /// Instead of a chat event: the chat is not (or no longer) yours to see.
    ChatHidden(ChatHidden),
    MessageAdded(MessageEvent),
    MessageUpdated(MessageEvent),
    MessageDeleted(MessageDeleted),
    /// A message to the visitor's messenger could not be delivered.
    MessageNotDelivered(MessageNotDelivered),
    /// Not stored: the visitor types (and, with the preview setting, their draft).
    VisitorTyping(VisitorTyping),
    VisitorNew(VisitorEvent),
    VisitorUpdated(VisitorEvent),
    VisitorLeft(VisitorLeft),
    OperatorStatus(OperatorStatusEvent),
    /// An operator's sessions or tokens changed: a socket of theirs checks its own.
    OperatorAccess(OperatorAccess),
    /// Departments, operators or settings changed: read them again.
    WorkspaceChanged(WorkspaceChanged),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChatUpdated {
    pub chat: ChatRow,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatAssigned {
    pub chat_id: i64,
    pub operator_id: i64,
    pub previous_operator_id: Option<i64>,
    /// The new holder is a bot.
    pub bot: bool,
    /// Assigned by automatic assignment (then with `openChats` and `maxChats`).
    pub auto: bool,
    /// The operator who redirected, if one did.
    pub by_operator_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_chats: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chats: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatRated {
    pub chat_id: i64,
    pub operator_id: i64,
    pub rating: i64,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatReadByVisitor {
    pub chat_id: i64,
    pub read_by_visitor: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatHidden {
    pub chat_id: Option<i64>,
}

/// `message_added`, `message_updated`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageEvent {
    pub chat_id: i64,
    /// The visitor protocol's message object, as operators see it. Kept as JSON here: the
    /// store builds it once and events pass through as they were stored.
    #[schema(value_type = crate::protocol::visitor::Message)]
    pub message: Value,
    /// The chat as list rows show it, on the last message event of a chat in one change
    /// (instead of a separate `chat_updated`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat: Option<ChatRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageDeleted {
    pub chat_id: i64,
    pub message_id: String,
    /// As in [`MessageEvent::chat`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat: Option<ChatRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageNotDelivered {
    pub chat_id: i64,
    pub message_id: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VisitorTyping {
    pub chat_id: i64,
    pub typing: bool,
    /// What the visitor is typing, when the typing preview is on.
    pub draft: Option<String>,
}

/// `visitor_new`, `visitor_updated`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VisitorEvent {
    pub visitor: SiteVisitorRow,
    /// On `visitor_new`: whether the new-visitor notification setting was on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<bool>,
    /// Who may see the visitor (see [`crate::visibility::may_see_visitor`]).
    pub visitor_scope: VisitorScope,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VisitorLeft {
    pub visitor: LeftVisitor,
    pub visitor_scope: VisitorScope,
}

/// The visit that ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LeftVisitor {
    pub id: String,
    pub visit_session_id: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperatorStatusEvent {
    pub operator_id: i64,
    /// `online`, `invisible` or `offline`.
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperatorAccess {
    pub operator_id: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WorkspaceChanged {}

impl OperatorEvent {
    /// The chat a message event (`message_added`, `…_updated`, `…_deleted`) is about.
    pub fn message_chat_id(&self) -> Option<i64> {
        match self {
            Self::MessageAdded(e) | Self::MessageUpdated(e) => Some(e.chat_id),
            Self::MessageDeleted(e) => Some(e.chat_id),
            _ => None,
        }
    }

    /// Puts the chat's list row on a message event; false for other events.
    pub fn attach_chat_row(&mut self, row: ChatRow) -> bool {
        match self {
            Self::MessageAdded(e) | Self::MessageUpdated(e) => e.chat = Some(row),
            Self::MessageDeleted(e) => e.chat = Some(row),
            _ => return false,
        }
        true
    }

    /// The event as the stream sends it.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("an operator event is JSON")
    }
}
