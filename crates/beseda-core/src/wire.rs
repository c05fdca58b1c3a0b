//! The visitor protocol's JSON objects (visitor-api.md §8–§9), built from domain records.
//! Keys and value types follow the wire-format examples in `crates/beseda/tests/fixtures/protocol`;
//! text and name are never null.

use crate::model::{Chat, Department, Message, Operator, Rating, Visitor};
use crate::settings::OrgSettings;
use crate::state::{MessageKind, OnlineStatus};
use crate::time::{micros_to_secs, micros_to_whole_secs};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// One item of a visit session's revisioned log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeltaItem {
    #[serde(rename = "objectType")]
    pub object_type: String,
    pub event: String,
    pub id: String,
    pub data: Value,
}

impl DeltaItem {
    pub fn upd(object_type: &str, id: &str, data: Value) -> Self {
        Self { object_type: object_type.into(), event: "upd".into(), id: id.into(), data }
    }
    pub fn add(object_type: &str, id: &str, data: Value) -> Self {
        Self { object_type: object_type.into(), event: "add".into(), id: id.into(), data }
    }
    pub fn del(object_type: &str, id: &str) -> Self {
        Self { object_type: object_type.into(), event: "del".into(), id: id.into(), data: Value::Null }
    }
}

/// Flags that decide what a visitor may do with a message.
#[derive(Clone, Copy, Debug)]
pub struct MessagePolicy {
    pub editing: bool,
    pub quoting: bool,
}

impl MessagePolicy {
    pub fn from_settings(s: &OrgSettings) -> Self {
        Self { editing: s.visitor_message_editing, quoting: s.web_and_mobile_quoting }
    }
}

/// A message object (§9.2).
pub fn message(m: &Message, policy: MessagePolicy) -> Value {
    let visitor_text = m.kind == MessageKind::Visitor;
    let repliable = matches!(
        m.kind,
        MessageKind::Visitor | MessageKind::Operator | MessageKind::FileVisitor | MessageKind::FileOperator
    );
    let mut v = json!({
        "id": m.id.as_str(),
        "clientSideId": m.client_side_id,
        "chatId": m.chat_id.to_string(),
        "sessionId": m.session_id,
        "kind": m.kind.as_str(),
        "text": m.text,
        "data": m.data.clone().unwrap_or(Value::Null),
        "name": m.name,
        "authorId": m.author_id.map(|a| a.0),
        "avatar": m.avatar,
        "ts": micros_to_secs(m.created_at),
        "ts_m": m.created_at,
        "modifiedTs": micros_to_secs(m.modified_at),
        "read": m.read,
        "edited": m.edited,
        "deleted": m.deleted,
        "canBeEdited": policy.editing && visitor_text && !m.deleted,
        "canBeReplied": policy.quoting && repliable && !m.deleted,
        "reaction": m.reaction,
        "canVisitorReact": m.kind.is_operator_side() && !m.deleted,
        "canVisitorChangeReaction": m.kind.is_operator_side() && !m.deleted,
    });
    if let (Some(q), Value::Object(map)) = (&m.quote, &mut v) {
        map.insert("quote".into(), q.clone());
    }
    v
}

/// A deleted message as history `since` reports it.
pub fn deleted_message(m: &Message) -> Value {
    json!({
        "id": m.id.as_str(),
        "clientSideId": m.client_side_id,
        "chatId": m.chat_id.to_string(),
        "kind": m.kind.as_str(),
        "text": "",
        "name": m.name,
        "ts": micros_to_secs(m.created_at),
        "ts_m": m.created_at,
        "deleted": true,
    })
}

/// The quote block of a reply (§9.9), filled at once.
pub fn quote_of(m: &Message) -> Value {
    json!({
        "ref": {"msgId": m.id.as_str(), "msgChannelSideId": null, "chatId": m.chat_id.0},
        "state": "filled",
        "message": {
            "id": m.id.as_str(),
            "ts": micros_to_whole_secs(m.created_at),
            "authorId": m.author_id.map(|a| a.0),
            "text": m.text,
            "kind": m.kind.as_str(),
            "name": m.name,
            "channelSideId": null,
        },
    })
}

/// An operator object (§9.3).
pub fn operator(o: &Operator) -> Value {
    json!({
        "id": o.id.0,
        "fullname": o.name,
        "avatar": o.avatar,
        "title": o.title,
        "additionalInfo": null,
        "departmentKeys": o.department_keys,
        "langToFullname": o.locale_names,
        "robotType": null,
    })
}

/// A department object (§9.4).
pub fn department(d: &Department, online: OnlineStatus) -> Value {
    json!({
        "key": d.key,
        "name": d.name,
        "online": online.as_str(),
        "order": d.order,
        "localeToName": d.locale_names,
        "logo": d.logo,
    })
}

/// A visitor object (§9.5).
pub fn visitor(v: &Visitor) -> Value {
    json!({
        "id": v.id.as_str(),
        "fields": v.fields,
        "icon": {"color": v.icon_color, "shape": v.icon_shape},
        "creationTs": micros_to_secs(v.created_at),
        "modificationTs": micros_to_secs(v.modified_at),
        "hasProvidedFields": v.provided_id.is_some(),
        "channelType": null,
        "channelId": null,
        "channelUserId": null,
        "channelUserName": null,
        "tags": [],
    })
}

/// A rating object (§9.7).
pub fn rating(r: &Rating) -> Value {
    json!({"operatorId": r.operator_id.0, "rating": r.rating})
}

/// `UNREAD_BY_VISITOR` data.
pub fn unread_by_visitor(c: &Chat) -> Value {
    json!({"sinceTs": c.unread_by_visitor_since.map(micros_to_secs), "msgCnt": c.unread_by_visitor_count})
}

/// A chat object (§9.1) with its messages (oldest first) and operator.
pub fn chat(c: &Chat, messages: &[Message], op: Option<&Operator>, ratings: &[Rating], policy: MessagePolicy) -> Value {
    let rates: Map<String, Value> = ratings.iter().map(|r| (r.operator_id.0.to_string(), rating(r))).collect();
    json!({
        "id": c.id.0,
        "clientSideId": c.client_side_id,
        "state": c.state.visitor_wire(),
        "offline": c.offline,
        "creationTs": micros_to_secs(c.created_at),
        "modificationTs": micros_to_secs(c.modified_at),
        "messages": messages
            .iter()
            .filter(|m| m.kind.visible_to_visitor() && !m.deleted)
            .map(|m| message(m, policy))
            .collect::<Vec<_>>(),
        "operator": op.map(operator),
        "operatorTyping": c.operator_typing,
        "visitorTyping": null,
        "readByVisitor": c.read_by_visitor,
        "unreadByOperatorSinceTs": c.unread_by_operator_since.map(micros_to_secs),
        "unreadByVisitorSinceTs": c.unread_by_visitor_since.map(micros_to_secs),
        "unreadByVisitorMsgCnt": c.unread_by_visitor_count,
        "operatorIdToRate": rates,
        "operatorIdToResolutionSurvey": {},
        "category": c.category,
        "subcategory": c.subcategory,
        "subject": c.subject,
        "needToBeClosed": false,
        "visitorMessageDraft": null,
        "requestedForm": null,
    })
}
