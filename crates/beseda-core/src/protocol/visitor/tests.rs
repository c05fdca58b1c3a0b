//! The typed objects serialise to exactly the JSON the protocol had before they were typed
//! (written out here as the reference), and delta items keep their wire shape both ways.

use super::*;
use crate::ids::{ChatId, MessageId, OperatorId, VisitSessionId, VisitorId};
use crate::model;
use crate::state::{ChatState, MessageKind, OnlineStatus};
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn value(v: impl serde::Serialize) -> Value {
    serde_json::to_value(v).expect("serialises")
}

fn message(kind: MessageKind, quote: Option<Value>) -> model::Message {
    model::Message {
        id: MessageId::random(),
        chat_id: ChatId(7),
        client_side_id: "c1".into(),
        session_id: "s1".into(),
        kind,
        text: "Здравствуйте".into(),
        data: None,
        author_id: Some(OperatorId(3)),
        name: "Анна".into(),
        avatar: None,
        created_at: 1_700_000_000_123_456,
        modified_at: 1_700_000_001_000_000,
        read: true,
        edited: false,
        deleted: false,
        reaction: Some("like".into()),
        quote,
        hint_question: false,
    }
}

fn operator() -> model::Operator {
    model::Operator {
        id: OperatorId(3),
        email: "anna@example.com".into(),
        name: "Анна".into(),
        role: crate::state::OperatorRole::Operator,
        status: crate::state::OperatorStatus::Online,
        languages: vec!["ru".into()],
        max_chats: None,
        avatar: Some("/a.png".into()),
        title: None,
        department_keys: vec!["sales".into()],
        locale_names: BTreeMap::from([("en".into(), "Anna".into())]),
        created_at: 0,
        must_change_password: false,
        active: true,
        interface_lang: None,
    }
}

fn chat() -> model::Chat {
    model::Chat {
        id: ChatId(7),
        client_side_id: "cc".into(),
        visitor_id: VisitorId::random(),
        visit_session_id: VisitSessionId::random(),
        location: "default".into(),
        department_key: None,
        operator_id: Some(OperatorId(3)),
        state: ChatState::OfflineQueue,
        offline: true,
        created_at: 1_000_000,
        modified_at: 2_500_000,
        unread_by_operator_since: None,
        unread_by_visitor_since: Some(3_000_000),
        unread_by_visitor_count: 2,
        read_by_visitor: false,
        operator_typing: true,
        category: Some("billing".into()),
        subcategory: None,
        subject: None,
        language: None,
        priority: 0,
        assigned_at: None,
        first_visitor_message_at: None,
        first_answer_at: None,
        busy_messages: 0,
        response_busy_sent: false,
        outcome: None,
        operator_closed_at: None,
        conversation_timeout_hours: None,
        channel_key: None,
    }
}

fn legacy_message(m: &model::Message, editable: bool, repliable: bool) -> Value {
    let mut v = json!({
        "id": m.id.as_str(), "clientSideId": m.client_side_id, "chatId": m.chat_id.to_string(),
        "sessionId": m.session_id, "kind": m.kind.as_str(), "text": m.text,
        "data": m.data.clone().unwrap_or(Value::Null), "name": m.name, "authorId": m.author_id.map(|a| a.0),
        "avatar": m.avatar, "ts": m.created_at as f64 / 1e6, "ts_m": m.created_at,
        "modifiedTs": m.modified_at as f64 / 1e6, "read": m.read, "edited": m.edited, "deleted": m.deleted,
        "canBeEdited": editable, "canBeReplied": repliable, "reaction": m.reaction,
        "canVisitorReact": m.kind.is_operator_side(), "canVisitorChangeReaction": m.kind.is_operator_side(),
    });
    if let Some(q) = &m.quote {
        v["quote"] = q.clone();
    }
    v
}

#[test]
fn messages_keep_their_json() {
    let policy = MessagePolicy { editing: true, quoting: true };
    let visitor = message(MessageKind::Visitor, None);
    assert_eq!(value(Message::new(&visitor, policy)), legacy_message(&visitor, true, true));
    let quoted = value(Quote::of(&visitor));
    let reply = message(MessageKind::Operator, Some(quoted.clone()));
    assert_eq!(value(Message::new(&reply, policy)), legacy_message(&reply, false, true));
    let info = message(MessageKind::Info, None);
    let off = MessagePolicy { editing: false, quoting: false };
    assert_eq!(value(Message::new(&info, off)), legacy_message(&info, false, false));
    assert_eq!(
        quoted,
        json!({
            "ref": {"msgId": visitor.id.as_str(), "msgChannelSideId": null, "chatId": 7},
            "state": "filled",
            "message": {"id": visitor.id.as_str(), "ts": 1_700_000_000, "authorId": 3, "text": "Здравствуйте",
                "kind": "visitor", "name": "Анна", "channelSideId": null},
        })
    );
    assert_eq!(
        value(HistoryMessage::new(&model::Message { deleted: true, ..visitor.clone() }, policy)),
        json!({"id": visitor.id.as_str(), "clientSideId": "c1", "chatId": "7", "kind": "visitor", "text": "",
            "name": "Анна", "ts": 1_700_000_000.123456, "ts_m": 1_700_000_000_123_456_i64, "deleted": true})
    );
    // A message read back from its JSON is the same message.
    let typed = Message::new(&reply, policy);
    assert_eq!(serde_json::from_value::<Message>(value(&typed)).expect("decodes"), typed);
}

#[test]
fn objects_keep_their_json() {
    let op = operator();
    assert_eq!(
        value(Operator::new(&op)),
        json!({"id": 3, "fullname": "Анна", "avatar": "/a.png", "title": null, "additionalInfo": null,
            "departmentKeys": ["sales"], "langToFullname": {"en": "Anna"}, "robotType": null})
    );
    let d = model::Department {
        id: 1,
        key: "sales".into(),
        name: "Продажи".into(),
        locale_names: BTreeMap::new(),
        order: 2,
        logo: None,
    };
    assert_eq!(
        value(Department::new(&d, OnlineStatus::BusyOnline)),
        json!({"key": "sales", "name": "Продажи", "online": "busy_online", "order": 2, "localeToName": {}, "logo": null})
    );
    let v = model::Visitor {
        id: VisitorId::random(),
        fields: BTreeMap::from([("name".into(), "Иван".into())]),
        icon_color: "#fff".into(),
        icon_shape: "circle".into(),
        created_at: 1_500_000,
        modified_at: 2_000_000,
        provided_id: Some("42".into()),
        banned: false,
        history_revision: 5,
        number: 9,
    };
    assert_eq!(
        value(Visitor::new(&v)),
        json!({"id": v.id.as_str(), "fields": {"name": "Иван"}, "icon": {"color": "#fff", "shape": "circle"},
            "creationTs": 1.5, "modificationTs": 2.0, "hasProvidedFields": true, "channelType": null,
            "channelId": null, "channelUserId": null, "channelUserName": null, "tags": []})
    );
    let c = chat();
    let rating = model::Rating { operator_id: OperatorId(3), rating: 1, note: None, created_at: 0 };
    let messages = [message(MessageKind::Operator, None), message(MessageKind::ForOperator, None)];
    let policy = MessagePolicy { editing: false, quoting: true };
    assert_eq!(
        value(Chat::new(&c, &messages, Some(&op), std::slice::from_ref(&rating), policy)),
        json!({
            "id": 7, "clientSideId": "cc", "state": "queue", "offline": true, "creationTs": 1.0,
            "modificationTs": 2.5, "messages": [legacy_message(&messages[0], false, true)],
            "operator": value(Operator::new(&op)), "operatorTyping": true, "visitorTyping": null,
            "readByVisitor": false, "unreadByOperatorSinceTs": null, "unreadByVisitorSinceTs": 3.0,
            "unreadByVisitorMsgCnt": 2, "operatorIdToRate": {"3": {"operatorId": 3, "rating": 1}},
            "operatorIdToResolutionSurvey": {}, "category": "billing", "subcategory": null, "subject": null,
            "needToBeClosed": false, "visitorMessageDraft": null, "requestedForm": null,
        })
    );
    assert_eq!(value(UnreadByVisitor::new(&c)), json!({"sinceTs": 3.0, "msgCnt": 2}));
}

#[test]
fn delta_items_have_the_wire_shape() {
    let policy = MessagePolicy { editing: false, quoting: false };
    let m = Message::new(&message(MessageKind::Operator, None), policy);
    let added = DeltaItem::message_added(m.clone());
    assert_eq!(value(&added), json!({"objectType": "CHAT_MESSAGE", "event": "add", "id": m.id, "data": value(&m)}));
    assert_eq!(
        value(DeltaItem::message_deleted("m1")),
        json!({"objectType": "CHAT_MESSAGE", "event": "del", "id": "m1", "data": null})
    );
    let items = [
        (
            DeltaItem::Chat { event: Upd::Upd, id: "s".into(), data: None },
            json!({"objectType": "CHAT", "event": "upd", "id": "s", "data": null}),
        ),
        (
            DeltaItem::ChatUnreadByOperatorSinceTs { event: Upd::Upd, id: "s".into(), data: None },
            json!({"objectType": "CHAT_UNREAD_BY_OPERATOR_SINCE_TS", "event": "upd", "id": "s", "data": null}),
        ),
        (
            DeltaItem::HistoryRevision { event: Upd::Upd, id: "v".into(), data: HistoryRevision { revision: 4 } },
            json!({"objectType": "HISTORY_REVISION", "event": "upd", "id": "v", "data": {"revision": 4}}),
        ),
        (
            DeltaItem::VisitSessionState { event: Upd::Upd, id: "s".into(), data: "chat".into() },
            json!({"objectType": "VISIT_SESSION_STATE", "event": "upd", "id": "s", "data": "chat"}),
        ),
    ];
    for (item, expected) in items {
        assert_eq!(value(&item), expected);
        assert_eq!(serde_json::from_value::<DeltaItem>(expected.clone()).expect("decodes"), item);
        // The stored form (as the log is read back) is the same JSON.
        let stored: crate::wire::DeltaItem = serde_json::from_value(value(&item)).expect("stored form");
        assert_eq!(value(stored), expected);
    }
    assert_eq!(serde_json::from_value::<DeltaItem>(value(&added)).expect("decodes").with_id("x").id(), "x");
    for bad in [
        json!({"objectType": "CHAT", "event": null, "id": "s", "data": null}),
        json!({"objectType": "CHAT", "event": "upd", "id": null, "data": null}),
        json!({"objectType": "CHAT_STATE", "event": "add", "id": "s", "data": "chatting"}),
    ] {
        assert!(serde_json::from_value::<DeltaItem>(bad.clone()).is_err(), "{bad}");
    }
}

#[test]
fn the_store_s_item_constructors_write_the_items_it_always_wrote() {
    let items = [
        (DeltaItem::chat("s", None), json!({"objectType": "CHAT", "event": "upd", "id": "s", "data": null})),
        (
            DeltaItem::chat_operator("s", None),
            json!({"objectType": "CHAT_OPERATOR", "event": "upd", "id": "s", "data": null}),
        ),
        (
            DeltaItem::operator_typing("s", true),
            json!({"objectType": "CHAT_OPERATOR_TYPING", "event": "upd", "id": "s", "data": true}),
        ),
        (
            DeltaItem::read_by_visitor("s", false),
            json!({"objectType": "CHAT_READ_BY_VISITOR", "event": "upd", "id": "s", "data": false}),
        ),
        (
            DeltaItem::chat_state("s", "queue"),
            json!({"objectType": "CHAT_STATE", "event": "upd", "id": "s", "data": "queue"}),
        ),
        (
            DeltaItem::unread_by_operator_since("s", Some(1.5)),
            json!({"objectType": "CHAT_UNREAD_BY_OPERATOR_SINCE_TS", "event": "upd", "id": "s", "data": 1.5}),
        ),
        (
            DeltaItem::history_revision("v", 7),
            json!({"objectType": "HISTORY_REVISION", "event": "upd", "id": "v", "data": {"revision": 7}}),
        ),
        (DeltaItem::message_read("m"), json!({"objectType": "MESSAGE_READ", "event": "upd", "id": "m", "data": true})),
        (
            DeltaItem::teleport("s", "https://example.org/", None),
            json!({"objectType": "TELEPORT", "event": "upd", "id": "s", "data": {"url": "https://example.org/"}}),
        ),
        (
            DeltaItem::unread_by_visitor("s", UnreadByVisitor { since_ts: None, msg_cnt: 0 }),
            json!({"objectType": "UNREAD_BY_VISITOR", "event": "upd", "id": "s", "data": {"sinceTs": null, "msgCnt": 0}}),
        ),
        (
            DeltaItem::visit_session_state("s", "idle"),
            json!({"objectType": "VISIT_SESSION_STATE", "event": "upd", "id": "s", "data": "idle"}),
        ),
    ];
    for (item, expected) in items {
        assert_eq!(value(&item), expected);
        assert_eq!(item.is_about_message(), expected["objectType"] == "MESSAGE_READ");
    }
    assert!(DeltaItem::message_deleted("m").is_about_message());
}

#[test]
fn answers_leave_out_what_the_protocol_leaves_out() {
    assert_eq!(value(ActionAnswer::ok()), json!({"result": "ok"}));
    assert_eq!(
        value(ActionAnswer::problem("quoted-message-not-found")),
        json!({"result": "ok", "data": {"error": "quoted-message-not-found"}})
    );
    assert_eq!(value(ErrorBody::code("reinit-required")), json!({"error": "reinit-required"}));
    let page = HistoryPage { has_more: false, revision: None, messages: vec![] };
    assert_eq!(value(&page), json!({"hasMore": false, "messages": []}));
    assert_eq!(value(MetaAnswer::default()), json!({"endpoints": {}}));
}
