//! Answers of the visitor endpoints (visitor-api.md §4–§6, §12–§15) and the error body (§17).

use super::message::{HistoryMessage, Message};
use super::objects::{Chat, Department, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Every refusal: a stable code (the only thing Webim's clients read) and a human message.
/// Some refusals come with status 200, as Webim sends them (`reinit-required`, …).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// `reinit-required`, `argument-missing`, `wrong-argument-value`, `visitor_banned`, …
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl ErrorBody {
    /// A refusal that is only its code.
    pub fn code(error: impl Into<String>) -> Self {
        Self { error: error.into(), message: None }
    }
}

/// The whole state of a visit session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FullUpdate {
    pub auth_token: String,
    pub page_id: String,
    pub visit_session_id: String,
    pub visitor: Visitor,
    /// The same visitor again (older clients read this key).
    pub visitor_full: Visitor,
    /// The visit session's state (`idle`, `chat`, `offline-message`, …).
    pub state: String,
    pub chat: Option<Chat>,
    pub departments: Vec<Department>,
    pub online_status: String,
    pub online_operators: bool,
    pub history_revision: i64,
    pub hints_enabled: bool,
    /// The survey running for the visitor (§9.8), or `null`.
    pub survey: Option<super::Survey>,
    pub show_hello_message: bool,
    pub hello_message_descr: String,
    pub hello_message_markdown: String,
    pub chat_start_after_message: bool,
    pub polling_period: i64,
    pub normal_polling_period: i64,
    /// Unix seconds.
    pub current_time: i64,
    pub visitor_number: Option<i64>,
    #[schema(value_type = Option<Object>)]
    pub cobrowsing_session: Option<Value>,
}

/// The answer of init, and of delta for a client too far behind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FullUpdateAnswer {
    pub revision: i64,
    pub full_update: Box<FullUpdate>,
}

/// The items after the client's revision (at most a batch; ask again when it was full).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeltaList {
    pub revision: i64,
    #[schema(value_type = Vec<super::DeltaItem>)]
    pub delta_list: Vec<crate::wire::DeltaItem>,
}

/// The answer of delta (and each WebSocket frame).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum DeltaAnswer {
    Items(DeltaList),
    Full(FullUpdateAnswer),
}

impl DeltaAnswer {
    pub fn revision(&self) -> i64 {
        match self {
            Self::Items(l) => l.revision,
            Self::Full(f) => f.revision,
        }
    }

    /// Items answered: none for a full update.
    pub fn item_count(&self) -> Option<usize> {
        match self {
            Self::Items(l) => Some(l.delta_list.len()),
            Self::Full(_) => None,
        }
    }
}

/// A problem an action reports inside a successful answer (quotes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ActionProblem {
    /// `quoted-message-not-found`, `quoting-message-that-cannot-be-replied`, …
    pub error: String,
}

/// `{"result": "ok"}`, with a problem only when the action reports one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ActionAnswer {
    /// Always `ok`.
    pub result: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<ActionProblem>,
}

impl ActionAnswer {
    pub fn ok() -> Self {
        Self { result: super::OK.to_owned(), data: None }
    }

    pub fn problem(error: impl Into<String>) -> Self {
        Self { result: super::OK.to_owned(), data: Some(ActionProblem { error: error.into() }) }
    }
}

/// A page of the visitor's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HistoryPage {
    pub has_more: bool,
    /// The history revision, as a string (not with `before-ts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    pub messages: Vec<HistoryMessage>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HistoryAnswer {
    /// Always `ok`.
    pub result: String,
    pub data: HistoryPage,
}

/// Messages found by a search, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearchResults {
    pub count: usize,
    pub items: Vec<Message>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearchAnswer {
    /// Always `ok`.
    pub result: String,
    pub data: SearchResults,
}

/// An image's size in pixels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImageSize {
    pub width: i64,
    pub height: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImageInfo {
    pub size: ImageSize,
}

/// An uploaded file (visitor-api.md §9.6).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FileDescriptor {
    pub client_content_type: String,
    pub visitor_id: String,
    pub filename: String,
    pub content_type: String,
    pub guid: String,
    pub size: i64,
    /// Only for images whose size could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageInfo>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UploadAnswer {
    /// Always `ok`.
    pub result: String,
    pub data: FileDescriptor,
}

/// A placement's online status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OnlineStatusAnswer {
    pub online_status: String,
    pub online_operators: bool,
}

/// Endpoint overrides: Beseda has none.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MetaAnswer {
    pub endpoints: BTreeMap<String, String>,
}
