//! Pushes to mobile SDK visitors (visitor-api.md §16, docs/api.md "Push notifications to
//! apps"): which of a change's visitor-log items become a push, and the two wire forms — the
//! APNs payload the iOS SDK parses (`aps.alert.loc-key`, `loc-args`, `event`, `"webim": 1`,
//! `unread_by_visitor_msg_cnt`, `location`) and the FCM `data` map the Android SDK parses
//! (`type`, `event`, `params`, `location`, `unread_by_visitor_msg_cnt`). Free of I/O.

use crate::protocol::visitor::{DeltaItem, Event, Message};
use crate::state::ChatState;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The outbox kind of a push (subject = the visit session's id).
pub const OUTBOX_KIND: &str = "mobile_push";

/// Largest payload APNs takes for a notification, and about what FCM takes as `data`, in bytes.
pub const MAX_PAYLOAD_BYTES: usize = 4096;
/// Longest message text carried in `loc-args`, in characters (cut further if the payload would
/// be too large).
pub const MAX_TEXT_CHARS: usize = 1000;

/// What a push tells (`aps.alert.loc-key`, the Android SDK's `type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushKind {
    /// `P.OM`: an operator's message; arguments [operator name, text].
    OperatorMessage,
    /// `P.OF`: an operator's file; [operator name, file name].
    OperatorFile,
    /// `P.OA`: an operator joined the chat; [operator name].
    OperatorAccepted,
    /// `P.CR`: the operator asks for contact details; [operator name].
    ContactRequest,
    /// `P.RO`: the visitor is asked to rate the operator; [operator name].
    RateOperator,
    /// `P.WM`: a widget message — an operator's action request (`action_request`), which the
    /// app renders itself; no arguments.
    WidgetMessage,
}

impl PushKind {
    pub fn loc_key(self) -> &'static str {
        match self {
            PushKind::OperatorMessage => "P.OM",
            PushKind::OperatorFile => "P.OF",
            PushKind::OperatorAccepted => "P.OA",
            PushKind::ContactRequest => "P.CR",
            PushKind::RateOperator => "P.RO",
            PushKind::WidgetMessage => "P.WM",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        [
            PushKind::OperatorMessage,
            PushKind::OperatorFile,
            PushKind::OperatorAccepted,
            PushKind::ContactRequest,
            PushKind::RateOperator,
            PushKind::WidgetMessage,
        ]
        .into_iter()
        .find(|k| k.loc_key() == key)
    }
}

/// One thing a change tells the visitor's devices.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// Something new (`"event": "add"`); `message_id` when it is about a message (a later
    /// deletion withdraws it).
    Add { kind: PushKind, args: Vec<String>, message_id: Option<String> },
    /// The message of this id was deleted: what was pushed about it is withdrawn (`"del"`).
    Withdraw { message_id: String },
}

/// The notice a message added to the visitor's chat brings, if any: operators' texts, files,
/// contact requests and action requests (the kinds an operator or a bot writes to the visitor;
/// an action request is what the app shows as a widget, `P.WM` with no arguments, as the iOS
/// SDK's `NotificationType.widget` has none).
fn message_notice(m: &Message) -> Option<Notice> {
    let (kind, args) = match m.kind.as_str() {
        "operator" if !m.text.trim().is_empty() => (PushKind::OperatorMessage, vec![m.name.clone(), m.text.clone()]),
        "file_operator" => {
            let file = m.data.as_ref().and_then(|d| d.pointer("/file/desc/filename")).and_then(Value::as_str);
            (PushKind::OperatorFile, vec![m.name.clone(), file.unwrap_or_default().to_owned()])
        }
        "cont_req" => (PushKind::ContactRequest, vec![m.name.clone()]),
        "action_request" => (PushKind::WidgetMessage, Vec::new()),
        _ => return None,
    };
    Some(Notice::Add { kind, args, message_id: Some(m.id.clone()) })
}

/// The notices of a change's visitor-log items, in their order: operators' messages, files,
/// contact requests and action requests added (also those inside a new chat, such as an operator's
/// invitation), an operator joining the chat (not the one who closes a waiting chat), a
/// survey offered after the chat (`P.RO`; its first question — the next ones follow the
/// visitor's own answers), and deleted messages. `P.RO`'s argument, the operator's name, is
/// the store's to fill in (the survey does not carry it).
pub fn notices(items: &[DeltaItem]) -> Vec<Notice> {
    let closing = items.iter().any(|i| {
        matches!(i, DeltaItem::ChatState { data, .. }
            if ChatState::parse(data).is_some_and(|s| s.is_half_closed() || s.is_final()))
    });
    let mut out = Vec::new();
    for item in items {
        match item {
            DeltaItem::ChatMessage { event: Event::Add, data: Some(m), .. } => out.extend(message_notice(m)),
            DeltaItem::ChatMessage { event: Event::Del, id, .. } => {
                out.push(Notice::Withdraw { message_id: id.clone() });
            }
            DeltaItem::Chat { data: Some(chat), .. } => out.extend(chat.messages.iter().filter_map(message_notice)),
            DeltaItem::Survey { data: Some(s), .. }
                if s.current_question.question_id == 0
                    && s.config.descriptor.forms.first().is_some_and(|f| f.id == s.current_question.form_id) =>
            {
                out.push(Notice::Add { kind: PushKind::RateOperator, args: Vec::new(), message_id: None })
            }
            DeltaItem::ChatOperator { data: Some(op), .. } if !closing => out.push(Notice::Add {
                kind: PushKind::OperatorAccepted,
                args: vec![op.fullname.clone()],
                message_id: None,
            }),
            _ => {}
        }
    }
    out
}

/// One push as it is sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Push {
    pub kind: PushKind,
    /// `false`: a withdrawal (`"event": "del"`).
    pub add: bool,
    pub args: Vec<String>,
    /// `unread_by_visitor_msg_cnt`.
    pub unread: i64,
    /// The placement (`location`) of the visitor's session.
    pub location: String,
}

impl Push {
    fn event(&self) -> &'static str {
        if self.add {
            "add"
        } else {
            "del"
        }
    }

    /// The APNs payload.
    pub fn apns(&self) -> Value {
        self.fitted(|p| {
            json!({
                "aps": {
                    "alert": {"loc-key": p.kind.loc_key(), "loc-args": p.args, "event": p.event()},
                    "sound": "default",
                },
                "webim": 1,
                "unread_by_visitor_msg_cnt": p.unread,
                "location": p.location,
            })
        })
    }

    /// FCM's `data` (string values only): the fields of the Android SDK's push object, `params`
    /// as a JSON array in a string.
    pub fn fcm_data(&self) -> BTreeMap<String, String> {
        let data = self.fitted(|p| {
            json!({
                "webim": "1",
                "type": p.kind.loc_key(),
                "event": p.event(),
                "params": Value::from(p.args.clone()).to_string(),
                "location": p.location,
                "unread_by_visitor_msg_cnt": p.unread.to_string(),
            })
        });
        data.as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect())
            .unwrap_or_default()
    }

    /// `render(self)` with the last argument (the message text or file name) cut until the
    /// whole fits in [`MAX_PAYLOAD_BYTES`].
    fn fitted(&self, render: impl Fn(&Push) -> Value) -> Value {
        let mut p = self.clone();
        let n = p.args.len();
        if let Some(last) = p.args.last_mut().filter(|_| n > 1) {
            *last = last.chars().take(MAX_TEXT_CHARS).collect();
        }
        loop {
            let v = render(&p);
            let size = v.to_string().len();
            let Some(last) = p.args.last_mut() else { return v };
            if size <= MAX_PAYLOAD_BYTES || last.is_empty() {
                return v;
            }
            let keep = last.chars().count().saturating_sub((size - MAX_PAYLOAD_BYTES).div_ceil(2).max(1));
            *last = last.chars().take(keep).collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::visitor::Operator;

    fn message(id: &str, kind: &str, name: &str, text: &str, data: Option<Value>) -> Message {
        serde_json::from_value(json!({
            "id": id, "clientSideId": id, "chatId": "1", "sessionId": "s", "kind": kind, "text": text,
            "data": data, "name": name, "authorId": 3, "avatar": null, "ts": 1.0, "ts_m": 1, "modifiedTs": 1.0,
            "read": false, "edited": false, "deleted": false, "canBeEdited": false, "canBeReplied": true,
            "reaction": null, "canVisitorReact": false, "canVisitorChangeReaction": false
        }))
        .expect("message")
    }

    fn operator(name: &str) -> Operator {
        serde_json::from_value(json!({"id": 3, "fullname": name, "avatar": null, "title": null,
            "additionalInfo": null, "departmentKeys": [], "langToFullname": {}, "robotType": null}))
        .expect("operator")
    }

    #[test]
    fn operators_messages_files_contact_and_action_requests_joins_and_deletions_become_notices() {
        let file = json!({"file": {"state": "ready", "desc": {"filename": "invoice.pdf"}}});
        let items = vec![
            DeltaItem::chat_operator("s", Some(operator("Ирина"))),
            DeltaItem::message_added(message("m1", "operator", "Ирина", "Ваш заказ отправлен", None)),
            DeltaItem::message_added(message("m2", "file_operator", "Ирина", "{}", Some(file))),
            DeltaItem::message_added(message("m3", "cont_req", "Ирина", "", None)),
            DeltaItem::message_added(message("m6", "action_request", "Ирина", "Подтвердите оплату", Some(json!({})))),
            DeltaItem::message_added(message("m7", "keyboard", "Ирина", "", Some(json!({"buttons": []})))),
            DeltaItem::message_added(message("m4", "visitor", "Гость", "Спасибо", None)),
            DeltaItem::message_added(message("m5", "info", "", "Оператор подключился", None)),
            DeltaItem::message_changed(message("m1", "operator", "Ирина", "Ваш заказ отправлен!", None)),
            DeltaItem::message_deleted("m1"),
        ];
        let got = notices(&items);
        let add = |kind, args: &[&str], id: Option<&str>| Notice::Add {
            kind,
            args: args.iter().map(|a| a.to_string()).collect(),
            message_id: id.map(str::to_owned),
        };
        assert_eq!(
            got,
            vec![
                add(PushKind::OperatorAccepted, &["Ирина"], None),
                add(PushKind::OperatorMessage, &["Ирина", "Ваш заказ отправлен"], Some("m1")),
                add(PushKind::OperatorFile, &["Ирина", "invoice.pdf"], Some("m2")),
                add(PushKind::ContactRequest, &["Ирина"], Some("m3")),
                add(PushKind::WidgetMessage, &[], Some("m6")),
                Notice::Withdraw { message_id: "m1".into() },
            ]
        );
        // The operator who closes a waiting chat becomes its operator: no «joined» for that.
        let closing = [DeltaItem::chat_operator("s", Some(operator("Ирина"))), DeltaItem::chat_state("s", "closed")];
        assert!(notices(&closing).is_empty());
    }

    #[test]
    fn a_survey_offered_asks_for_a_rating_its_next_questions_do_not() {
        let survey = |form: i64, question: i64| -> crate::protocol::visitor::Survey {
            serde_json::from_value(json!({
                "id": "7",
                "config": {"id": 1, "version": "1", "descriptor": {"forms": [
                    {"id": 10, "questions": [{"type": "stars", "text": "Оцените"}, {"type": "comment", "text": "Что улучшить?"}]}
                ]}},
                "current_question": {"form_id": form, "question_id": question}
            }))
            .expect("survey")
        };
        let offered = [DeltaItem::survey("s", Some(survey(10, 0)))];
        assert_eq!(
            notices(&offered),
            vec![Notice::Add { kind: PushKind::RateOperator, args: vec![], message_id: None }]
        );
        assert!(notices(&[DeltaItem::survey("s", Some(survey(10, 1)))]).is_empty());
        assert!(notices(&[DeltaItem::survey("s", None)]).is_empty());
    }

    #[test]
    fn the_apns_payload_is_the_fixtures_and_fcm_data_the_android_sdks_fields() {
        let push = Push {
            kind: PushKind::OperatorMessage,
            add: true,
            args: vec!["Ирина Смирнова".into(), "Ваш заказ отправлен".into()],
            unread: 2,
            location: "app".into(),
        };
        let fixture: Value =
            serde_json::from_str(include_str!("../../beseda/tests/fixtures/protocol/push-notification.json"))
                .expect("fixture");
        let mut expected = fixture.clone();
        expected["aps"]["alert"]["event"] = json!("add");
        assert_eq!(push.apns(), expected);
        let data = push.fcm_data();
        assert_eq!(data["type"], "P.OM");
        assert_eq!(data["event"], "add");
        assert_eq!(data["webim"], "1");
        assert_eq!(data["location"], "app");
        assert_eq!(data["unread_by_visitor_msg_cnt"], "2");
        let params: Vec<String> = serde_json::from_str(&data["params"]).expect("params");
        assert_eq!(params, ["Ирина Смирнова", "Ваш заказ отправлен"]);
        assert_eq!(PushKind::parse("P.CR"), Some(PushKind::ContactRequest));
        assert_eq!(PushKind::parse("P.XX"), None);
    }

    #[test]
    fn a_long_text_is_cut_to_fit_the_payload_limit() {
        let push = Push {
            kind: PushKind::OperatorMessage,
            add: true,
            args: vec!["Ирина".into(), "я\"".repeat(3000)],
            unread: 1,
            location: "mobile".into(),
        };
        let apns = push.apns();
        assert!(apns.to_string().len() <= MAX_PAYLOAD_BYTES, "{}", apns.to_string().len());
        let text = apns["aps"]["alert"]["loc-args"][1].as_str().expect("text");
        assert!(text.chars().count() > 500 && text.chars().count() <= MAX_TEXT_CHARS);
        let data = push.fcm_data();
        assert!(serde_json::to_string(&data).expect("json").len() <= MAX_PAYLOAD_BYTES);
    }
}
