//! Delta items (visitor-api.md §7): one change of a visit session's state, as
//! `{"objectType", "event", "id", "data"}`. The object type decides the data's shape; the id
//! is the visit session's (a message's for `CHAT_MESSAGE` and `MESSAGE_READ`).

use super::message::Message;
use super::objects::{Chat, Operator, Rating, UnreadByVisitor, Visitor};
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

/// `TELEPORT` data: the page the operator sends the visitor to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Teleport {
    pub url: String,
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
            | Self::Teleport { id, .. }
            | Self::UnreadByVisitor { id, .. }
            | Self::VisitSessionState { id, .. }
            | Self::VisitorFull { id, .. } => *id = new.into(),
        }
        self
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
