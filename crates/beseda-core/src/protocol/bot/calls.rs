//! What bots send to Beseda (bot-api.md §5, §8, webchat-sessions.md §4) and what Beseda
//! answers. The handlers check requests field by field (the error names the field), so these
//! types describe the accepted bodies; the answers are built from them.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A button of a bot keyboard (§5.1). Beseda extension §7.4: a `config` of
/// `{"type": "url", "link": …}` makes a link button.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KeyboardButton {
    /// 1–64 characters, unique in the keyboard.
    pub id: String,
    /// 1–256 characters.
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<ButtonConfig>,
}

/// What pressing a button does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ButtonConfig {
    /// `action` (the default) or `url`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// For `url`: an absolute http(s) URL of at most 2048 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// A file named by URL (`file_operator`); Beseda downloads it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FileByUrl {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

/// The message of `send_message`, named by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutgoingMessage {
    /// A text of 1 to 10000 characters; Markdown only when asked for (§7.3).
    Operator {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        markdown: Option<bool>,
    },
    /// 1–20 rows of 1–8 buttons.
    Keyboard { buttons: Vec<Vec<KeyboardButton>> },
    /// A file by URL.
    FileOperator { data: FileByUrl },
    /// Beseda extension §7.6: a note for operators, optionally with visitor fields to save.
    ForOperator {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        visitor_fields: Option<BTreeMap<String, String>>,
    },
}

/// How long a chat opened by a message to a visit session stays open without answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Conversation {
    /// 1 to 720.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_hours: Option<i64>,
}

/// `POST send_message`: to a chat the bot holds, or (Beseda extension) to a visit session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SendMessageRequest {
    /// The chat number (an integer or its decimal string); not with `visit_session_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<Value>,
    /// 32 hex characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit_session_id: Option<String>,
    pub message: OutgoingMessage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<Conversation>,
}

/// `POST redirect_chat`: to an operator, a department, or (neither) the queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RedirectChatRequest {
    pub chat_id: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dep_key: Option<String>,
    /// Default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_redirect_to_offline_dep: Option<bool>,
    /// Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_redirect_to_invisible_dep: Option<bool>,
}

/// `POST close_chat`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CloseChatRequest {
    pub chat_id: Value,
}

/// `"ok"`: the only `result` value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Success {
    #[default]
    Ok,
}

/// A call's success.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OkAnswer {
    pub result: Success,
}

/// `send_message`'s success; to a visit session, with the chat the message went to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SendMessageAnswer {
    pub result: Success,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<i64>,
}

/// An error of the Bot API and the custom channel API: a machine-readable code and an
/// explanation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: String,
    pub desc: String,
}

/// An error without explanation (file links).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorCode {
    pub error: String,
}

/// A message of a synchronous answer to an event: an `operator` text or a `keyboard`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReplyMessage {
    Operator {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        markdown: Option<bool>,
    },
    Keyboard {
        buttons: Vec<Vec<KeyboardButton>>,
    },
}

/// An API 1.0 bot's answer to an event (§8): `has_answer: true` posts `messages`, `false`
/// sends the chat to the queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct V1Reply {
    pub has_answer: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<ReplyMessage>>,
}

/// A checked keyboard button as the visitor protocol carries it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VisitorButton {
    pub id: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<LinkConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<ButtonParams>,
}

/// The state of a link button.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LinkConfig {
    pub active: bool,
    pub state: String,
    pub link: String,
}

/// What kind of button it is (`url`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ButtonParams {
    #[serde(rename = "type")]
    pub kind: String,
}
