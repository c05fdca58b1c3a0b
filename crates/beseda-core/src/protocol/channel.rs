//! The Custom Channel API (custom-channel.md): what an external system posts (§4.1–4.2, §5),
//! what Beseda answers, and what Beseda POSTs to the channel's callback URL (§4.3, §5, §6).

use super::bot::calls::{FileByUrl, Success};
use super::bot::events::{FileData, KeyboardResponseData};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// `{"id": …}` of a chat as the external system names it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExternalChat {
    /// 1 to 128 characters.
    pub id: String,
}

/// The external system's user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExternalVisitor {
    /// 1 to 128 characters.
    pub id: String,
    /// Contact data to save (string values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

/// A user's message, named by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InboundMessage {
    /// 1 to 10000 characters.
    Visitor {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        text: String,
    },
    KeyboardResponse {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        data: KeyboardResponseData,
    },
    /// A file by URL; Beseda downloads it.
    FileVisitor {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        data: FileByUrl,
    },
}

/// `POST {key}/message` (visitor side).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MessageRequest {
    pub chat: ExternalChat,
    pub visitor: ExternalVisitor,
    pub message: InboundMessage,
    /// Department of a chat this call starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_key: Option<String>,
}

/// `POST {key}/start_chat` (visitor side).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StartChatRequest {
    pub chat: ExternalChat,
    pub visitor: ExternalVisitor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_key: Option<String>,
}

/// `POST {key}/close_chat` (visitor side; on the bot side only `chat`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CloseChatRequest {
    pub chat: ExternalChat,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor: Option<ExternalVisitor>,
}

/// The chat and message a `message` call reached.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PostedMessage {
    pub chat_id: i64,
    /// `null` for a keyboard response.
    pub message_id: Option<String>,
}

/// The answer to `message` (on the bot side, `{"result": "ok"}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MessageAnswer {
    pub result: Success,
    /// Visitor side only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<PostedMessage>,
}

/// `{"id": …}` of the channel's user; `null` when the visitor is not the channel's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChannelUser {
    pub id: Option<String>,
}

/// `data` of a message to a bot-side channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum BotSideData {
    KeyboardResponse(KeyboardResponseData),
    File(FileData),
}

/// A message in the bot-side shape (§5).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BotSideMessage {
    pub text: String,
    /// `visitor`, `info`, `keyboard_response` or `file_visitor`.
    pub kind: String,
    pub data: Option<BotSideData>,
}

/// Where the visitor was when the chat reached the channel without a message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BotSideLocation {
    pub address: Option<String>,
}

/// Bot side (§5): a chat reached the channel (with the visitor's earlier messages merged into
/// one, or else the visitor's page) or a later message came.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BotSideDelivery {
    pub chat: ExternalChat,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<BotSideLocation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<BotSideMessage>,
    pub visitor: VisitorId,
}

/// `{"id": …}` of a Beseda visitor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VisitorId {
    pub id: String,
}

/// An operator as channel events show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChannelOperator {
    pub id: i64,
    pub name: String,
    pub avatar_url: Option<String>,
}

/// An operator-side message delivered to the channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChannelMessage {
    pub id: String,
    /// `operator`, `info`, `cont_req`, `keyboard` or `file_operator`.
    pub kind: String,
    pub text: String,
    /// `{"buttons": …}` for a keyboard, the file's link and description for a file, the
    /// message's own data otherwise (`null` without).
    pub data: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<ChannelOperator>,
}

/// Visitor side (§4.3): an event of a chat, with the chat and user it concerns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChannelEvent {
    #[serde(flatten)]
    pub event: ChannelEventKind,
    pub chat: ExternalChat,
    pub visitor: ChannelUser,
}

/// What happened, named by `event`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ChannelEventKind {
    NewMessage {
        message: ChannelMessage,
    },
    ChatAssigned {
        operator: ChannelOperator,
    },
    /// `visitor`, `operator`, `timeout` or `system`.
    ChatClosed {
        closed_by: String,
    },
}

/// Bot side (§5): `message` answers in a chat the channel holds, with the Bot API's message
/// forms (`operator`, `keyboard`, `file_operator`, `for_operator`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BotSideMessageRequest {
    pub chat: ExternalChat,
    pub message: super::bot::calls::OutgoingMessage,
}

/// Bot side (§5): `redirect_chat` with the Bot API's fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BotSideRedirectRequest {
    pub chat: ExternalChat,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dep_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_redirect_to_offline_dep: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_redirect_to_invisible_dep: Option<bool>,
}

/// The body of `message`: a user's message (visitor side) or an answer (bot side).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum AnyMessageRequest {
    Visitor(MessageRequest),
    Bot(BotSideMessageRequest),
}
