//! Column lists and the mapping of result rows to the model.

use crate::{FileRecord, Result, StoreError};
use beseda_core::ids::{ChatId, FileGuid, MessageId, OperatorId, VisitSessionId, VisitorId};
use beseda_core::model::{Chat, Department, Message, Operator, Placement, Visitor};
use beseda_core::state::{ChatState, MessageKind, OperatorRole, OperatorStatus};
use serde_json::Value;

use super::DbRow;

pub(super) const OPERATOR_COLS: &str =
    "id, email, name, role, status, languages, max_chats, avatar, title, locale_names, created_at, \
     must_change_password, deactivated_at, interface_lang";

pub(super) const CHAT_COLS: &str = "id, client_side_id, visitor_id, visit_session_id, location, department_key, operator_id, state, offline, unread_by_operator_since, unread_by_visitor_since, unread_by_visitor_count, read_by_visitor, operator_typing, category, subcategory, subject, created_at, modified_at, language, priority, assigned_at, first_visitor_message_at, first_answer_at, busy_messages, response_busy_sent, outcome, operator_closed_at, conversation_timeout_hours, channel_key";

pub(super) const MESSAGE_COLS: &str = "id, chat_id, client_side_id, session_id, kind, text, data, author_id, name, avatar, created_at, modified_at, is_read, edited, deleted, reaction, quote, hint_question";

pub(super) const VISITOR_COLS: &str =
    "id, fields, icon_color, icon_shape, provided_id, banned, history_revision, created_at, modified_at, number";

pub(super) const PLACEMENT_COLS: &str =
    "key, title, lang, department_keys, default_department, hello_message, conversation_timeout_hours";

pub(super) const FILE_COLS: &str =
    "guid, visitor_id, chat_id, message_id, filename, content_type, client_content_type, size, width, height, content";

pub(super) fn json_col<T: serde::de::DeserializeOwned>(row: &DbRow, col: &str) -> Result<T> {
    let text: String = row.try_get(col)?;
    Ok(serde_json::from_str(&text)?)
}

pub(super) fn opt_json_col(row: &DbRow, col: &str) -> Result<Option<Value>> {
    let text: Option<String> = row.try_get(col)?;
    Ok(match text {
        Some(t) => Some(serde_json::from_str(&t)?),
        None => None,
    })
}

pub(super) fn parse_col<T>(row: &DbRow, col: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    let text: String = row.try_get(col)?;
    parse(&text).ok_or_else(|| StoreError::Corrupt(format!("{col} = {text}")))
}

pub(super) fn operator_from(row: &DbRow, department_keys: Vec<String>) -> Result<Operator> {
    Ok(Operator {
        id: OperatorId(row.try_get("id")?),
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role: parse_col(row, "role", OperatorRole::parse)?,
        status: parse_col(row, "status", OperatorStatus::parse)?,
        languages: json_col(row, "languages")?,
        max_chats: row.try_get("max_chats")?,
        avatar: row.try_get("avatar")?,
        title: row.try_get("title")?,
        department_keys,
        locale_names: json_col(row, "locale_names")?,
        created_at: row.try_get("created_at")?,
        must_change_password: row.try_get("must_change_password")?,
        active: row.try_get::<Option<i64>, _>("deactivated_at")?.is_none(),
        interface_lang: row.try_get("interface_lang")?,
    })
}

pub(super) fn chat_from(row: &DbRow) -> Result<Chat> {
    Ok(Chat {
        id: ChatId(row.try_get("id")?),
        client_side_id: row.try_get("client_side_id")?,
        visitor_id: VisitorId::from_stored(row.try_get("visitor_id")?),
        visit_session_id: VisitSessionId::from_stored(row.try_get("visit_session_id")?),
        location: row.try_get("location")?,
        department_key: row.try_get("department_key")?,
        operator_id: row.try_get::<Option<i64>, _>("operator_id")?.map(OperatorId),
        state: parse_col(row, "state", ChatState::parse)?,
        offline: row.try_get("offline")?,
        created_at: row.try_get("created_at")?,
        modified_at: row.try_get("modified_at")?,
        unread_by_operator_since: row.try_get("unread_by_operator_since")?,
        unread_by_visitor_since: row.try_get("unread_by_visitor_since")?,
        unread_by_visitor_count: row.try_get("unread_by_visitor_count")?,
        read_by_visitor: row.try_get("read_by_visitor")?,
        operator_typing: row.try_get("operator_typing")?,
        category: row.try_get("category")?,
        subcategory: row.try_get("subcategory")?,
        subject: row.try_get("subject")?,
        language: row.try_get("language")?,
        priority: row.try_get("priority")?,
        assigned_at: row.try_get("assigned_at")?,
        first_visitor_message_at: row.try_get("first_visitor_message_at")?,
        first_answer_at: row.try_get("first_answer_at")?,
        busy_messages: row.try_get("busy_messages")?,
        response_busy_sent: row.try_get("response_busy_sent")?,
        outcome: row.try_get("outcome")?,
        operator_closed_at: row.try_get("operator_closed_at")?,
        conversation_timeout_hours: row.try_get("conversation_timeout_hours")?,
        channel_key: row.try_get("channel_key")?,
    })
}

pub(super) fn message_from(row: &DbRow) -> Result<Message> {
    Ok(Message {
        id: MessageId::from_stored(row.try_get("id")?),
        chat_id: ChatId(row.try_get("chat_id")?),
        client_side_id: row.try_get("client_side_id")?,
        session_id: row.try_get("session_id")?,
        kind: parse_col(row, "kind", MessageKind::parse)?,
        text: row.try_get("text")?,
        data: opt_json_col(row, "data")?,
        author_id: row.try_get::<Option<i64>, _>("author_id")?.map(OperatorId),
        name: row.try_get("name")?,
        avatar: row.try_get("avatar")?,
        created_at: row.try_get("created_at")?,
        modified_at: row.try_get("modified_at")?,
        read: row.try_get("is_read")?,
        edited: row.try_get("edited")?,
        deleted: row.try_get("deleted")?,
        reaction: row.try_get("reaction")?,
        quote: opt_json_col(row, "quote")?,
        hint_question: row.try_get("hint_question")?,
    })
}

pub(super) fn visitor_from(row: &DbRow) -> Result<Visitor> {
    Ok(Visitor {
        id: VisitorId::from_stored(row.try_get("id")?),
        fields: json_col(row, "fields")?,
        icon_color: row.try_get("icon_color")?,
        icon_shape: row.try_get("icon_shape")?,
        provided_id: row.try_get("provided_id")?,
        banned: row.try_get("banned")?,
        history_revision: row.try_get("history_revision")?,
        created_at: row.try_get("created_at")?,
        modified_at: row.try_get("modified_at")?,
        number: row.try_get("number")?,
    })
}

pub(super) fn placement_from(row: &DbRow) -> Result<Placement> {
    Ok(Placement {
        key: row.try_get("key")?,
        title: row.try_get("title")?,
        lang: row.try_get("lang")?,
        department_keys: json_col(row, "department_keys")?,
        default_department: row.try_get("default_department")?,
        hello_message: row.try_get("hello_message")?,
        conversation_timeout_hours: row.try_get("conversation_timeout_hours")?,
    })
}

pub(super) fn department_from(row: &DbRow) -> Result<Department> {
    Ok(Department {
        id: row.try_get("id")?,
        key: row.try_get("key")?,
        name: row.try_get("name")?,
        locale_names: json_col(row, "locale_names")?,
        order: row.try_get("sort_order")?,
        logo: row.try_get("logo")?,
    })
}

pub(super) fn file_from(row: &DbRow) -> Result<FileRecord> {
    Ok(FileRecord {
        guid: FileGuid::from_stored(row.try_get("guid")?),
        visitor_id: VisitorId::from_stored(row.try_get("visitor_id")?),
        chat_id: row.try_get::<Option<i64>, _>("chat_id")?.map(ChatId),
        message_id: row.try_get::<Option<String>, _>("message_id")?.map(MessageId::from_stored),
        filename: row.try_get("filename")?,
        content_type: row.try_get("content_type")?,
        client_content_type: row.try_get("client_content_type")?,
        size: row.try_get("size")?,
        width: row.try_get("width")?,
        height: row.try_get("height")?,
        content: row.try_get("content")?,
    })
}

pub(super) fn to_json(v: &impl serde::Serialize) -> Result<String> {
    Ok(serde_json::to_string(v)?)
}

pub(super) fn prefixed(alias: &str, cols: &str) -> String {
    cols.split(", ").map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ")
}

/// `$from, …` for `n` parameters: the list of an `IN (…)`.
pub(super) fn marks(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}
