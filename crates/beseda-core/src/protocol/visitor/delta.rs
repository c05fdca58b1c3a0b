//! Delta items (visitor-api.md §7): one change of a visit session's state, as
//! `{"objectType", "event", "id", "data"}`. The object type decides the data's shape; the id
//! is the visit session's (a message's for `CHAT_MESSAGE` and `MESSAGE_READ`).

use super::message::Message;
use super::objects::{Chat, Operator, Rating, UnreadByVisitor, Visitor};
use super::survey::Survey;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What happened to the object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Event {
    Add,
    Upd,
    Del,
}

/// The event of an object that is only ever replaced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Upd {
    #[default]
    Upd,
}

/// `HISTORY_REVISION` data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HistoryRevision {
    pub revision: i64,
}

/// `TELEPORT` data: the page the operator sends the visitor to (absolute, on the visitor's site)
/// and, for teleport by code, the code the operator chose.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Teleport {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// One delta item, tagged by `objectType`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "objectType", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeltaItem {
    /// The chat whole, or `null` once there is none.
    Chat {
        event: Upd,
        id: String,
        data: Option<Box<Chat>>,
    },
    /// A message added, changed, or deleted (`del` has no data; the id is the message's).
    ChatMessage {
        event: Event,
        id: String,
        #[serde(default)]
        data: Option<Box<Message>>,
    },
    /// The operator who holds the chat, or `null`.
    ChatOperator {
        event: Upd,
        id: String,
        data: Option<Operator>,
    },
    ChatOperatorTyping {
        event: Upd,
        id: String,
        data: bool,
    },
    ChatReadByVisitor {
        event: Upd,
        id: String,
        data: bool,
    },
    /// The chat's state as the visitor sees it (`queue`, `chatting`, …).
    ChatState {
        event: Upd,
        id: String,
        data: String,
    },
    ChatUnreadByOperatorSinceTs {
        event: Upd,
        id: String,
        data: Option<f64>,
    },
    HistoryRevision {
        event: Upd,
        id: String,
        data: HistoryRevision,
    },
    /// The operator read the message of this id.
    MessageRead {
        event: Upd,
        id: String,
        data: bool,
    },
    OperatorRate {
        event: Upd,
        id: String,
        data: Rating,
    },
    /// The survey running for the visitor, or `null` once it is closed.
    Survey {
        event: Upd,
        id: String,
        data: Option<Box<Survey>>,
    },
    Teleport {
        event: Upd,
        id: String,
        data: Teleport,
    },
    UnreadByVisitor {
        event: Upd,
        id: String,
        data: UnreadByVisitor,
    },
    /// The visit session's state (`idle`, `chat`, `offline-message`, …).
    VisitSessionState {
        event: Upd,
        id: String,
        data: String,
    },
    VisitorFull {
        event: Upd,
        id: String,
        data: Box<Visitor>,
    },
}

impl DeltaItem {
    /// The id the item is about.
    pub fn id(&self) -> &str {
        match self {
            Self::Chat { id, .. }
            | Self::ChatMessage { id, .. }
            | Self::ChatOperator { id, .. }
            | Self::ChatOperatorTyping { id, .. }
            | Self::ChatReadByVisitor { id, .. }
            | Self::ChatState { id, .. }
            | Self::ChatUnreadByOperatorSinceTs { id, .. }
            | Self::HistoryRevision { id, .. }
            | Self::MessageRead { id, .. }
            | Self::OperatorRate { id, .. }
            | Self::Survey { id, .. }
            | Self::Teleport { id, .. }
            | Self::UnreadByVisitor { id, .. }
            | Self::VisitSessionState { id, .. }
            | Self::VisitorFull { id, .. } => id,
        }
    }

    /// The same change about another id (an item shared by several visit sessions).
    pub fn with_id(mut self, new: impl Into<String>) -> Self {
        match &mut self {
            Self::Chat { id, .. }
            | Self::ChatMessage { id, .. }
            | Self::ChatOperator { id, .. }
            | Self::ChatOperatorTyping { id, .. }
            | Self::ChatReadByVisitor { id, .. }
            | Self::ChatState { id, .. }
            | Self::ChatUnreadByOperatorSinceTs { id, .. }
            | Self::HistoryRevision { id, .. }
            | Self::MessageRead { id, .. }
            | Self::OperatorRate { id, .. }
            | Self::Survey { id, .. }
            | Self::Teleport { id, .. }
            | Self::UnreadByVisitor { id, .. }
            | Self::VisitSessionState { id, .. }
            | Self::VisitorFull { id, .. } => *id = new.into(),
        }
        self
    }

    /// `CHAT` of a visit session: the chat whole, or `None` once there is none.
    pub fn chat(session: &str, chat: Option<Chat>) -> Self {
        Self::Chat { event: Upd::Upd, id: session.into(), data: chat.map(Box::new) }
    }

    /// `CHAT_OPERATOR`: who holds the chat now.
    pub fn chat_operator(session: &str, operator: Option<Operator>) -> Self {
        Self::ChatOperator { event: Upd::Upd, id: session.into(), data: operator }
    }

    pub fn operator_typing(session: &str, typing: bool) -> Self {
        Self::ChatOperatorTyping { event: Upd::Upd, id: session.into(), data: typing }
    }

    pub fn read_by_visitor(session: &str, read: bool) -> Self {
        Self::ChatReadByVisitor { event: Upd::Upd, id: session.into(), data: read }
    }

    /// `CHAT_STATE`: the chat's state as the visitor sees it.
    pub fn chat_state(session: &str, state: &str) -> Self {
        Self::ChatState { event: Upd::Upd, id: session.into(), data: state.into() }
    }

    /// `CHAT_UNREAD_BY_OPERATOR_SINCE_TS`, in seconds.
    pub fn unread_by_operator_since(session: &str, since: Option<f64>) -> Self {
        Self::ChatUnreadByOperatorSinceTs { event: Upd::Upd, id: session.into(), data: since }
    }

    /// `HISTORY_REVISION`: the visitor's message history changed.
    pub fn history_revision(id: &str, revision: i64) -> Self {
        Self::HistoryRevision { event: Upd::Upd, id: id.into(), data: HistoryRevision { revision } }
    }

    /// `MESSAGE_READ`: the operator read the message of this id.
    pub fn message_read(message_id: &str) -> Self {
        Self::MessageRead { event: Upd::Upd, id: message_id.into(), data: true }
    }

    pub fn operator_rate(session: &str, rating: Rating) -> Self {
        Self::OperatorRate { event: Upd::Upd, id: session.into(), data: rating }
    }

    /// `SURVEY`: the survey now, or `None` once it is closed.
    pub fn survey(session: &str, survey: Option<Survey>) -> Self {
        Self::Survey { event: Upd::Upd, id: session.into(), data: survey.map(Box::new) }
    }

    pub fn teleport(session: &str, url: &str, code: Option<&str>) -> Self {
        let data = Teleport { url: url.into(), code: code.map(str::to_owned) };
        Self::Teleport { event: Upd::Upd, id: session.into(), data }
    }

    pub fn unread_by_visitor(session: &str, unread: UnreadByVisitor) -> Self {
        Self::UnreadByVisitor { event: Upd::Upd, id: session.into(), data: unread }
    }

    /// `VISIT_SESSION_STATE`: `idle`, `chat`, `offline-message`, …
    pub fn visit_session_state(session: &str, state: &str) -> Self {
        Self::VisitSessionState { event: Upd::Upd, id: session.into(), data: state.into() }
    }

    pub fn visitor_full(session: &str, visitor: Visitor) -> Self {
        Self::VisitorFull { event: Upd::Upd, id: session.into(), data: Box::new(visitor) }
    }

    /// Items named by a message (`CHAT_MESSAGE`, `MESSAGE_READ`) rather than by the session
    /// that receives them.
    pub fn is_about_message(&self) -> bool {
        matches!(self, Self::ChatMessage { .. } | Self::MessageRead { .. })
    }

    pub fn message_added(message: Message) -> Self {
        Self::ChatMessage { event: Event::Add, id: message.id.clone(), data: Some(Box::new(message)) }
    }

    pub fn message_changed(message: Message) -> Self {
        Self::ChatMessage { event: Event::Upd, id: message.id.clone(), data: Some(Box::new(message)) }
    }

    pub fn message_deleted(message_id: impl Into<String>) -> Self {
        Self::ChatMessage { event: Event::Del, id: message_id.into(), data: None }
    }
}
