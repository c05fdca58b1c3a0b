//! The objects of the Stored Data API (stored-data-api.md §4) and its answers. Authentication
//! failures are 401/403; every other answer is HTTP 200, an error as `{"error": code}`.

use super::bot::calls::Success;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// An operator or bot account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StoredOperator {
    pub id: i64,
    pub email: String,
    pub full_name: String,
    pub status: String,
    /// `operator`, and `admin` or `supervisor` for those roles.
    pub roles: Vec<String>,
    pub created_at: String,
    pub department_keys: Vec<String>,
    /// A bot account.
    pub robot: bool,
    pub avatar_url: Option<String>,
}

/// A department with who serves it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StoredDepartment {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub locale_to_name: BTreeMap<String, String>,
    pub description: String,
    pub order: i64,
    pub online_status: String,
    pub operator_ids: Vec<i64>,
}

/// A category (`parent_id` null) or subcategory, numbered in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StoredCategory {
    pub id: usize,
    pub name: String,
    pub parent_id: Option<usize>,
}

/// The department of a chat.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DepartmentRef {
    pub key: String,
    pub name: String,
}

/// Where a chat came from: `widget`, `mobile` or `custom` (with the channel key as `id`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChatChannel {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Option<String>,
}

/// A visitor's rating of an operator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StoredRating {
    pub operator_id: i64,
    pub rating: i64,
    pub visitor_note: Option<String>,
    pub created_at: String,
}

/// A visitor with their fields (the site's own id also under `fields.id`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StoredVisitor {
    pub id: String,
    pub provided_id: Option<String>,
    pub fields: BTreeMap<String, String>,
}

/// A message of a chat.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StoredMessage {
    pub id: String,
    pub kind: String,
    pub text: String,
    /// The same as `text` (older clients read this name).
    pub message: String,
    pub created_at: String,
    /// The author of an operator-side message.
    pub operator_id: Option<i64>,
    pub name: String,
    pub data: Option<Value>,
    pub edited: bool,
    pub deleted: bool,
    /// Only for edited messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<String>,
}

/// A chat without its visitor and messages (what chat event handlers get as `chat`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChatSummary {
    pub id: i64,
    pub client_side_id: String,
    pub state: String,
    pub offline: bool,
    pub created_at: String,
    pub modified_at: String,
    pub closed_at: Option<String>,
    pub department: Option<DepartmentRef>,
    pub operator_id: Option<i64>,
    pub location: String,
    pub channel: ChatChannel,
    pub category: Option<String>,
    pub subcategory: Option<String>,
    pub subject: Option<String>,
    pub first_question: Option<String>,
    pub ratings: Vec<StoredRating>,
}

/// A chat with its visitor and every message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StoredChat {
    #[serde(flatten)]
    pub summary: ChatSummary,
    pub visitor: StoredVisitor,
    pub messages: Vec<StoredMessage>,
}

/// `GET chat?id=`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChatAnswer {
    pub chat: StoredChat,
}

/// `GET chats?since=`: a page of chats in the order they last changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChatsAnswer {
    pub chats: Vec<StoredChat>,
    /// The `since` of the next page.
    pub last_ts: i64,
    pub more_chats_available: bool,
}

/// `POST rt/provide_visitor_fields` (visitor-identification.md §4): a visitor token and the
/// fields it stands for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProvideVisitorFields {
    pub token: String,
    #[schema(value_type = Object)]
    pub fields: Value,
}

/// A call's success.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StoredOk {
    pub result: Success,
}

/// An error: `unknown-method`, `argument-missing`, `wrong-argument-value`, `chat-not-found`,
/// `file-not-found`, `internal-error`; with 401/403/429, `unauthorized`, `forbidden`,
/// `2fa-setup-required`, `too-many-requests`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StoredError {
    pub error: String,
}

impl StoredError {
    pub fn new(code: &str) -> Self {
        Self { error: code.to_owned() }
    }
}
