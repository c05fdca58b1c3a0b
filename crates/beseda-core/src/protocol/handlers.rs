//! The bodies of chat event handler calls (chat-handlers.md §4): `chat_started`,
//! `chat_assigned` and `chat_closed`, with the chat as the Stored Data API shows it at the
//! moment of the event.

use super::stored::{ChatSummary, StoredMessage, StoredVisitor};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An operator named in a call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HandlerOperator {
    pub id: i64,
    pub name: String,
    pub email: String,
    /// A bot account.
    pub robot: bool,
}

/// One call's body. `operator` is present (maybe `null`) for `chat_assigned` and
/// `chat_closed`; `previous_operator` when the chat moved from someone; `closed_by` and
/// `messages` for `chat_closed`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HandlerCall {
    /// `chat_started`, `chat_assigned` or `chat_closed`.
    pub event: String,
    /// The same for every URL and attempt of this event.
    pub event_id: String,
    pub ts: String,
    pub chat: ChatSummary,
    pub visitor: StoredVisitor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<HandlerOperator>)]
    pub operator: Option<Option<HandlerOperator>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<HandlerOperator>)]
    pub previous_operator: Option<Option<HandlerOperator>>,
    /// `visitor`, `operator`, `timeout` or `system`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<StoredMessage>>,
}
