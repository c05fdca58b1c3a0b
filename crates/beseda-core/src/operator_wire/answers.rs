//! Answers of the operator and admin APIs that more than one handler gives.

use super::chat::ChatRow;
use super::events::OperatorEvent;
use super::visitors::{BlockRow, SiteVisitorRow};
use crate::model::Operator;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// The one value of `result`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Ok {
    #[default]
    Ok,
}

/// `{"result": "ok"}`: done, nothing more to say.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Done {
    pub result: Ok,
}

/// A message was added to a chat.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Sent {
    pub result: Ok,
    pub message_id: String,
}

impl Sent {
    pub fn new(message_id: &str) -> Self {
        Self { result: Ok::Ok, message_id: message_id.to_owned() }
    }
}

/// An operator account as the APIs show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperatorView {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// `operator`, `supervisor` or `admin`.
    pub role: String,
    /// `online`, `invisible` or `offline`.
    pub status: String,
    pub languages: Vec<String>,
    /// The account's own chat limit (null: the organisation's).
    pub max_chats: Option<i64>,
    pub department_keys: Vec<String>,
    pub avatar: Option<String>,
    /// False once deactivated: no login.
    pub active: bool,
    /// The password is one-time: the next login must set a new one.
    pub must_change_password: bool,
    /// The console language (`ru` or `en`); null: the organisation's main language.
    pub interface_lang: Option<String>,
}

impl OperatorView {
    pub fn new(o: &Operator) -> Self {
        Self {
            id: o.id.0,
            email: o.email.clone(),
            name: o.name.clone(),
            role: o.role.as_str().to_owned(),
            status: o.status.as_str().to_owned(),
            languages: o.languages.clone(),
            max_chats: o.max_chats,
            department_keys: o.department_keys.clone(),
            avatar: o.avatar.clone(),
            active: o.active,
            must_change_password: o.must_change_password,
            interface_lang: o.interface_lang.clone(),
        }
    }
}

/// `{"operator": …}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OneOperator {
    pub operator: OperatorView,
}

/// `{"operators": […]}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Operators {
    pub operators: Vec<OperatorView>,
}

/// An operator's chat list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChatList {
    pub chats: Vec<ChatRow>,
}

/// Visitors on the site now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VisitorList {
    pub visitors: Vec<SiteVisitorRow>,
}

/// One visitor block.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OneBlock {
    pub block: BlockRow,
}

/// Visitor blocks, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BlockList {
    pub blocks: Vec<BlockRow>,
}

/// Stored operator events after a cursor, as the viewer may see them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventPage {
    /// The last event read (shown or not): the next request's `cursor`.
    pub cursor: i64,
    /// Each with its `seq`.
    #[schema(value_type = Vec<OperatorEvent>)]
    pub events: Vec<Value>,
}
