//! The typed JSON is exactly what the hand-built JSON it replaced was: these references are
//! that JSON, kept as the pin.

use super::*;
use crate::ids::{ChatId, MessageId, OperatorId, VisitSessionId, VisitorId};
use crate::model::Visitor;
use crate::state::{ChatState, MessageKind};
use crate::time::micros_to_secs;
use serde_json::json;

fn sample_chat(operator: Option<i64>) -> Chat {
    Chat {
        id: ChatId(7),
        client_side_id: "c".into(),
        visitor_id: VisitorId::from_stored("v".repeat(32)),
        visit_session_id: VisitSessionId::from_stored("s".repeat(32)),
        location: "mobile".into(),
        department_key: operator.map(|_| "sales".into()),
        operator_id: operator.map(OperatorId),
        state: ChatState::Chatting,
        offline: false,
        created_at: 1_700_000_000_123_456,
        modified_at: 1_700_000_100_000_000,
        unread_by_operator_since: operator.map(|_| 1_700_000_050_000_000),
        unread_by_visitor_since: None,
        unread_by_visitor_count: 0,
        read_by_visitor: true,
        operator_typing: false,
        category: None,
        subcategory: Some("x".into()),
        subject: None,
        language: Some("ru".into()),
        priority: 1,
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

fn sample_message(kind: MessageKind, text: &str) -> Message {
    Message {
        id: MessageId::from_stored("m".repeat(32)),
        chat_id: ChatId(7),
        client_side_id: "csid".into(),
        session_id: String::new(),
        kind,
        text: text.into(),
        data: None,
        author_id: None,
        name: "Анна".into(),
        avatar: None,
        created_at: 1_700_000_000_500_000,
        modified_at: 1_700_000_000_500_000,
        read: false,
        edited: false,
        deleted: false,
        reaction: None,
        quote: None,
        hint_question: false,
    }
}

fn old_preview(m: &Message, text: &str) -> Value {
    json!({
        "kind": m.kind.as_str(),
        "from": if m.kind.is_visitor_side() { "visitor" } else { "operator" },
        "name": m.name,
        "text": text,
        "ts": micros_to_secs(m.created_at),
    })
}

fn old_chat(c: &Chat, visitor_name: &str, row: &RowFacts, preview: Value) -> Value {
    json!({
        "id": c.id.0,
        "state": c.state.as_str(),
        "offline": c.offline,
        "location": c.location,
        "departmentKey": c.department_key,
        "operatorId": c.operator_id.map(|o| o.0),
        "visitorId": c.visitor_id.as_str(),
        "visitorName": visitor_name,
        "creationTs": micros_to_secs(c.created_at),
        "modificationTs": micros_to_secs(c.modified_at),
        "unreadByOperatorSinceTs": c.unread_by_operator_since.map(micros_to_secs),
        "readByVisitor": c.read_by_visitor,
        "priority": c.priority > 0,
        "language": c.language,
        "category": c.category,
        "subcategory": c.subcategory,
        "visitorGivenName": row.visitor_given_name,
        "visitorNumber": row.visitor_number,
        "preview": preview,
        "unreadCount": row.unread_count,
        "waitingSinceTs": row.waiting_since.map(micros_to_secs),
    })
}

#[test]
fn a_chat_row_is_the_json_it_always_was() {
    let long = format!("{}\n  end", "слово ".repeat(40));
    let m = sample_message(MessageKind::Visitor, &long);
    let row = RowFacts {
        visitor_given_name: Some("Иван".into()),
        visitor_number: 1234,
        preview: Some(m.clone()),
        unread_count: 2,
        waiting_since: Some(1_700_000_000_000_000),
    };
    let flat: String = long.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut: String = flat.chars().take(PREVIEW_CHARS).collect();
    let expected_preview = old_preview(&m, &format!("{}…", cut.trim_end()));
    let c = sample_chat(Some(3));
    assert_eq!(chat(&c, "Иван", &row), old_chat(&c, "Иван", &row, expected_preview.clone()));
    assert_eq!(preview(&m), expected_preview);
    let bare = sample_chat(None);
    assert_eq!(chat(&bare, "", &RowFacts::default()), old_chat(&bare, "", &RowFacts::default(), Value::Null));
    assert_eq!(
        chat_updated(&c, "Иван", &row).to_json(),
        json!({"type": "chat_updated", "chat": old_chat(&c, "Иван", &row, expected_preview)})
    );
}

#[test]
fn a_file_message_previews_its_file_names() {
    let m = sample_message(MessageKind::FileOperator, r#"[{"filename": "a.pdf"}, {"filename": "b.png"}]"#);
    assert_eq!(preview(&m), old_preview(&m, "a.pdf, b.png"));
}

#[test]
fn message_events_are_the_json_they_always_were() {
    let m = sample_message(MessageKind::Operator, "Здравствуйте");
    let msg = message(&m);
    assert_eq!(message_added(&m).to_json(), json!({"type": "message_added", "chatId": 7, "message": msg}));
    assert_eq!(message_updated(&m).to_json(), json!({"type": "message_updated", "chatId": 7, "message": msg}));
    assert_eq!(
        message_deleted(&m).to_json(),
        json!({"type": "message_deleted", "chatId": 7, "messageId": "m".repeat(32)})
    );
}

#[test]
fn a_deleted_message_keeps_its_place_but_not_what_it_said() {
    let mut m = sample_message(MessageKind::FileVisitor, r#"{"filename": "card.png"}"#);
    m.data = Some(json!({"file": {"desc": {"filename": "card.png"}}}));
    m.quote = Some(json!({"state": "filled", "message": {"text": "earlier"}}));
    let whole = message_object(&m);
    assert_eq!(
        (whole.text.as_str(), whole.data.is_some(), whole.quote.is_some()),
        (r#"{"filename": "card.png"}"#, true, true)
    );
    m.deleted = true;
    let gone = message_object(&m);
    assert_eq!((gone.id.as_str(), gone.deleted, gone.text.as_str()), (m.id.as_str(), true, ""));
    assert_eq!((gone.data, gone.quote), (None, None));
    assert_eq!(message(&m), serde_json::to_value(message_object(&m)).expect("json"));
}

#[test]
fn a_site_visitor_row_is_the_json_it_always_was() {
    let visitor = Visitor {
        id: VisitorId::from_stored("v".repeat(32)),
        fields: [("name".to_owned(), "Иван".to_owned())].into_iter().collect(),
        icon_color: String::new(),
        icon_shape: String::new(),
        created_at: 0,
        modified_at: 0,
        provided_id: None,
        banned: false,
        history_revision: 0,
        number: 42,
    };
    let mut v = SiteVisitor {
        visitor,
        visit_session_id: VisitSessionId::from_stored("s".repeat(32)),
        location: "mobile".into(),
        placement_title: "Сайт".into(),
        departments: vec!["sales".into()],
        page_url: Some("https://x.io/".into()),
        title: None,
        since: 1_000_000,
        last_seen_at: 5_000_000,
        visits: 3,
        chat: None,
        address: Some("10.0.0.1".into()),
    };
    let now = 91_000_000;
    let old = |v: &SiteVisitor| {
        json!({
            "id": v.visitor.id.as_str(),
            "visitSessionId": v.visit_session_id.as_str(),
            "name": v.visitor.display_name(),
            "number": v.visitor.number,
            "location": v.location,
            "placementTitle": v.placement_title,
            "departmentKeys": v.departments,
            "page": v.page_url,
            "title": v.title,
            "sinceTs": micros_to_secs(v.since),
            "secondsOnSite": ((now - v.since).max(0)) / 1_000_000,
            "visits": v.visits,
            "chatting": v.chat.as_ref().is_some_and(|c| !c.state.is_final()),
            "chatId": v.chat.as_ref().map(|c| c.id.0),
            "chatState": v.chat.as_ref().map(|c| c.state.as_str()),
            "chatOperatorId": v.chat.as_ref().and_then(|c| c.operator_id.map(|o| o.0)),
            "chatDepartmentKey": v.chat.as_ref().and_then(|c| c.department_key.clone()),
            "address": v.address,
        })
    };
    assert_eq!(site_visitor(&v, now), old(&v));
    v.chat = Some(sample_chat(Some(3)));
    assert_eq!(site_visitor(&v, now), old(&v));
}

#[test]
fn every_event_reads_back_as_itself() {
    let m = sample_message(MessageKind::Operator, "x");
    for event in [
        message_added(&m).to_json(),
        message_deleted(&m).to_json(),
        json!({"type": "workspace_changed"}),
        json!({"type": "operator_status", "operatorId": 1, "status": "online"}),
        json!({"type": "chat_assigned", "chatId": 7, "operatorId": 3, "previousOperatorId": null, "bot": false,
            "auto": true, "byOperatorId": null, "openChats": 1, "maxChats": 5}),
        json!({"type": "visitor_left", "visitor": {"id": "v", "visitSessionId": "s"},
            "visitorScope": {"departmentKeys": ["sales"]}}),
    ] {
        let typed: OperatorEvent = serde_json::from_value(event.clone()).expect("a known event");
        assert_eq!(typed.to_json(), event);
    }
}
