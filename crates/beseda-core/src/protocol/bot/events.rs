//! What Beseda POSTs to a bot's webhook (bot-api.md §3.2, §7, §8). Strict validators sit on the
//! other side: inside `chat`, `visitor`, `message`, `data`, `button` and `request` exactly the
//! keys shown in the spec are sent, so optional Beseda extensions are left out, not `null`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// `{"id": …}` of a chat in API 2.0 events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChatNumber {
    pub id: i64,
}

/// The button a visitor pressed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PressedButton {
    pub id: String,
    pub text: String,
}

/// The keyboard message a response answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AnsweredRequest {
    #[serde(rename = "messageId")]
    pub message_id: String,
}

/// `data` of a `keyboard_response` message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KeyboardResponseData {
    pub button: PressedButton,
    pub request: AnsweredRequest,
}

/// `data` of a file message: a signed link (bot-api.md §3.4) and what the file is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FileData {
    pub url: String,
    pub name: String,
    pub media_type: String,
    pub size: i64,
}

/// A visitor-side message as API 2.0 bots see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventMessage {
    Visitor { id: String, text: String },
    KeyboardResponse { id: String, data: KeyboardResponseData },
    FileVisitor { id: String, data: FileData },
}

/// The visitor of `new_chat`: every known field as a string, the display name under both
/// `name` and `display_name`, the site's own id under `id`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventVisitor {
    pub id: String,
    pub fields: BTreeMap<String, String>,
}

/// Beseda extension §7.5: where the visitor writes from (sent when the bot asks for it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventChannel {
    /// `widget` or `mobile`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Option<String>,
    pub location: String,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
}

/// An operator named in an event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventOperator {
    pub id: i64,
    pub name: String,
}

/// `new_chat`: the bot got a chat, with the visitor messages written before (at most 50).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NewChat {
    pub chat: ChatNumber,
    pub visitor: EventVisitor,
    pub messages: Vec<EventMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<EventChannel>,
}

/// `new_message`: one visitor message (one event per file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NewMessage {
    pub chat_id: i64,
    pub message: EventMessage,
}

/// Beseda extension §7.1: the chat was closed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChatClosed {
    pub chat_id: i64,
    /// `visitor`, `operator`, `timeout` or `system`.
    pub closed_by: String,
    /// The bot still held the chat.
    pub with_bot: bool,
    /// The operator who closed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<EventOperator>,
}

/// A message of `chat_returned_to_bot`: the visitor's and operators' texts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReturnedMessage {
    pub id: String,
    /// `visitor` or `operator`.
    pub kind: String,
    pub text: String,
}

/// Beseda extension §7.2: a chat the bot held earlier came back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChatReturnedToBot {
    pub chat_id: i64,
    pub operator: EventOperator,
    pub messages: Vec<ReturnedMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<EventChannel>,
}

/// An API 2.0 event, named by `event`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum BotEvent {
    NewChat(NewChat),
    NewMessage(NewMessage),
    ChatClosed(ChatClosed),
    ChatReturnedToBot(ChatReturnedToBot),
}

/// `{"id": …}` of a chat in API 1.0 events: a UUID whose value is the chat number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChatUuid {
    pub id: String,
}

/// `{"id": …}` of a visitor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VisitorRef {
    pub id: String,
}

/// The button of an API 1.0 `keyboard_response`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct V1Response {
    pub button: PressedButton,
}

/// A visitor-side message in API 1.0's shape (no id; files arrive as their names).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum V1Message {
    Visitor { text: String },
    KeyboardResponse { response: V1Response },
}

/// API 1.0 `new_chat`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct V1NewChat {
    pub chat: ChatUuid,
    pub visitor: VisitorRef,
    pub messages: Vec<V1Message>,
}

/// API 1.0 `new_message`: the message's keys beside `event` and `chat`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct V1NewMessage {
    pub chat: ChatUuid,
    #[serde(flatten)]
    pub message: V1Message,
}

/// An API 1.0 event, named by `event`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum V1Event {
    NewChat(V1NewChat),
    NewMessage(V1NewMessage),
}
