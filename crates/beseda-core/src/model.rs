//! Records of the domain, as the store hands them out.

use crate::ids::{ChatId, MessageId, OperatorId, VisitSessionId, VisitorId};
use crate::state::{ChatState, MessageKind, OperatorRole, OperatorStatus, VisitSessionState};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq)]
pub struct Operator {
    pub id: OperatorId,
    pub email: String,
    pub name: String,
    pub role: OperatorRole,
    pub status: OperatorStatus,
    pub languages: Vec<String>,
    /// Per-operator override of the organisation's chat limit.
    pub max_chats: Option<i64>,
    pub avatar: Option<String>,
    pub title: Option<String>,
    pub department_keys: Vec<String>,
    pub locale_names: BTreeMap<String, String>,
    pub created_at: i64,
    /// The password was given by someone else (a demo, an administrator's reset): the next
    /// login must set a new one.
    pub must_change_password: bool,
    /// `false` once an administrator deactivated the account: it cannot log in.
    pub active: bool,
    /// The console's language for this operator (`ru` or `en`); none: the console follows
    /// the organisation's main language.
    pub interface_lang: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Department {
    /// Numeric id, given by the store when the department is created (0 before that).
    pub id: i64,
    pub key: String,
    pub name: String,
    pub locale_names: BTreeMap<String, String>,
    pub order: i64,
    pub logo: Option<String>,
}

/// A placement (Webim's "location"): a named place where the chat is offered.
#[derive(Clone, Debug, PartialEq)]
pub struct Placement {
    pub key: String,
    pub title: String,
    pub lang: Option<String>,
    /// Departments offered here; empty = all.
    pub department_keys: Vec<String>,
    pub default_department: Option<String>,
    pub hello_message: String,
    pub conversation_timeout_hours: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Visitor {
    pub id: VisitorId,
    /// Display name under `name`, then `email`, `phone`, provided `id`, …
    pub fields: BTreeMap<String, String>,
    pub icon_color: String,
    pub icon_shape: String,
    pub created_at: i64,
    pub modified_at: i64,
    pub provided_id: Option<String>,
    pub banned: bool,
    pub history_revision: i64,
    /// A stable number for operators to tell unnamed visitors apart («Посетитель 1234»).
    pub number: i64,
}

impl Visitor {
    /// The name operators and transcripts show.
    pub fn display_name(&self) -> String {
        self.fields.get("name").cloned().unwrap_or_default()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct VisitSession {
    pub id: VisitSessionId,
    pub visitor_id: VisitorId,
    pub location: String,
    pub state: VisitSessionState,
    pub revision: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Chat {
    pub id: ChatId,
    pub client_side_id: String,
    pub visitor_id: VisitorId,
    pub visit_session_id: VisitSessionId,
    pub location: String,
    pub department_key: Option<String>,
    pub operator_id: Option<OperatorId>,
    pub state: ChatState,
    pub offline: bool,
    pub created_at: i64,
    pub modified_at: i64,
    pub unread_by_operator_since: Option<i64>,
    pub unread_by_visitor_since: Option<i64>,
    pub unread_by_visitor_count: i64,
    pub read_by_visitor: bool,
    pub operator_typing: bool,
    pub category: Option<String>,
    pub subcategory: Option<String>,
    pub subject: Option<String>,
    /// Language of the conversation (multilingual mode).
    pub language: Option<String>,
    /// Served ahead of older chats (priority pages).
    pub priority: i64,
    pub assigned_at: Option<i64>,
    pub first_visitor_message_at: Option<i64>,
    /// When an operator (not a bot) first answered.
    pub first_answer_at: Option<i64>,
    /// Busy messages sent in this chat.
    pub busy_messages: i64,
    /// The operator-response busy message was sent (it is sent once per chat).
    pub response_busy_sent: bool,
    /// `answered`, `missed` or `refusal`, once known.
    pub outcome: Option<String>,
    pub operator_closed_at: Option<i64>,
    /// The chat's own conversation timeout, overriding the placement's.
    pub conversation_timeout_hours: Option<i64>,
    /// The custom channel the chat came through, if any.
    pub channel_key: Option<String>,
}

impl Chat {
    /// The language of the system messages and e-mails of this chat: its own (fixed when it
    /// started, `OrgSettings::chat_language`), else the main language. The texts themselves are
    /// Russian or English (`crate::languages::interface`).
    pub fn text_language<'a>(&'a self, settings: &'a crate::settings::OrgSettings) -> &'a str {
        self.language.as_deref().unwrap_or(&settings.default_lang)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub id: MessageId,
    pub chat_id: ChatId,
    pub client_side_id: String,
    pub session_id: String,
    pub kind: MessageKind,
    pub text: String,
    pub data: Option<Value>,
    pub author_id: Option<OperatorId>,
    pub name: String,
    pub avatar: Option<String>,
    pub created_at: i64,
    pub modified_at: i64,
    pub read: bool,
    pub edited: bool,
    pub deleted: bool,
    pub reaction: Option<String>,
    pub quote: Option<Value>,
    /// A visitor message picked from the hints (`hint_question`).
    pub hint_question: bool,
}

/// A visitor's rating of an operator in one chat.
#[derive(Clone, Debug, PartialEq)]
pub struct Rating {
    pub operator_id: OperatorId,
    pub rating: i64,
    /// The visitor's comment, if any.
    pub note: Option<String>,
    pub created_at: i64,
}

/// A visitor on the site now: a present visit session with what operators are shown of it.
#[derive(Clone, Debug, PartialEq)]
pub struct SiteVisitor {
    pub visitor: Visitor,
    pub visit_session_id: VisitSessionId,
    /// The placement (`location`) and its title.
    pub location: String,
    pub placement_title: String,
    /// Departments offered at the placement (empty = all).
    pub departments: Vec<String>,
    pub page_url: Option<String>,
    pub title: Option<String>,
    /// When this visit began and when a page of it was last seen.
    pub since: i64,
    pub last_seen_at: i64,
    /// Visit sessions of this visitor so far, this one included.
    pub visits: i64,
    /// The visitor's current chat, if any.
    pub chat: Option<Chat>,
    /// The client address the visit was opened from.
    pub address: Option<String>,
}

/// A block on a visitor (and optionally an address): no chats while it applies.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VisitorBlock {
    pub id: i64,
    pub visitor_id: String,
    /// The visitor's stable number (0: unknown), for «Посетитель 1234».
    pub visitor_number: i64,
    /// The name the visitor gave, if any.
    pub visitor_given_name: Option<String>,
    pub address: Option<String>,
    pub reason: String,
    pub created_by: Option<i64>,
    /// The blocking operator's name (when the account still exists).
    pub created_by_name: Option<String>,
    pub created_at: i64,
    /// `None`: permanent.
    pub expires_at: Option<i64>,
    pub lifted_at: Option<i64>,
    pub lifted_by: Option<i64>,
}

impl VisitorBlock {
    /// Applies at `now`: not lifted and not expired.
    pub fn applies(&self, now: i64) -> bool {
        self.lifted_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}
