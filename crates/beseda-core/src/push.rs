//! Which operator gets which Web Push notice for a batch of operator events (docs/operations.md
//! "Web Push"). Free of I/O: the store reads the events it has just stamped with their chats'
//! scopes, the operators who opted in and the settings, and queues one push per subscription of
//! each recipient.
//!
//! - A visitor's message in a chat an operator holds: that operator (`message`).
//! - A visitor's message in a chat nobody holds (a new chat, or one still waiting): every
//!   operator who opted in, is online and may take it by [`crate::visibility`] (`new_chat`).
//! - A chat given to an operator by auto-assignment (`new_chat`) or by someone else's redirect
//!   (`redirected`). Taking a chat oneself is no news.
//! - A chat redirected to a department: every operator who opted in, is online and may take it
//!   (`redirected`).
//!
//! Bots' chats bring no pushes. One notice per operator and chat per batch: a redirect wins
//! over a new chat, which wins over a message.

use crate::ids::OperatorId;
use crate::model::Operator;
use crate::settings::OrgSettings;
use crate::state::{MessageKind, OperatorStatus};
use crate::visibility::{self, ChatScope};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Longest visitor text kept with a queued push, in characters (what reaches the device is
/// cut further by the deployment's `push_preview_chars`).
pub const MAX_TEXT_CHARS: usize = 200;

/// The store's note (not an operator event) that a redirect put a chat in a department's queue.
pub const REDIRECTED_TO_DEPARTMENT: &str = "push_redirected_to_department";

/// What a push tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoticeKind {
    Message,
    NewChat,
    Redirected,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Message => "message",
            NoticeKind::NewChat => "new_chat",
            NoticeKind::Redirected => "redirected",
        }
    }
}

/// To whom.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    Operator(OperatorId),
    /// Whoever may take the chat now.
    Takers(ChatScope),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub chat_id: i64,
    /// The visitor's text, when the notice is about one (at most [`MAX_TEXT_CHARS`]).
    pub text: String,
    pub target: Target,
}

/// The notices a batch of operator events (stamped with their chats' scopes) brings.
pub fn notices(events: &[Value]) -> Vec<Notice> {
    events.iter().filter_map(notice).collect()
}

fn notice(event: &Value) -> Option<Notice> {
    let chat_id = visibility::event_chat_id(event)?;
    match event.get("type")?.as_str()? {
        "message_added" => {
            let kind = MessageKind::parse(event.pointer("/message/kind")?.as_str()?)?;
            if !kind.is_visitor_side() {
                return None;
            }
            let scope = visibility::stamped(event)?;
            let text = match kind {
                MessageKind::Visitor => event.pointer("/message/text").and_then(Value::as_str).unwrap_or_default(),
                _ => "",
            };
            let text: String = text.chars().take(MAX_TEXT_CHARS).collect();
            match scope.holder {
                Some(_) if scope.holder_is_bot => None,
                Some(holder) => {
                    Some(Notice { kind: NoticeKind::Message, chat_id, text, target: Target::Operator(holder) })
                }
                None => Some(Notice { kind: NoticeKind::NewChat, chat_id, text, target: Target::Takers(scope) }),
            }
        }
        "chat_assigned" => {
            if event.get("bot").and_then(Value::as_bool).unwrap_or(false) {
                return None;
            }
            let to = OperatorId(event.get("operatorId")?.as_i64()?);
            let by = event.get("byOperatorId").and_then(Value::as_i64).map(OperatorId);
            let kind = if event.get("auto").and_then(Value::as_bool).unwrap_or(false) {
                NoticeKind::NewChat
            } else if by.is_some_and(|b| b != to) {
                NoticeKind::Redirected
            } else {
                return None;
            };
            Some(Notice { kind, chat_id, text: String::new(), target: Target::Operator(to) })
        }
        REDIRECTED_TO_DEPARTMENT => {
            let scope = visibility::stamped(event)?;
            let target = Target::Takers(scope);
            Some(Notice { kind: NoticeKind::Redirected, chat_id, text: String::new(), target })
        }
        _ => None,
    }
}

/// One push to one operator (to each of their subscriptions).
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub operator: OperatorId,
    pub kind: NoticeKind,
    pub chat_id: i64,
    pub text: String,
}

impl Delivery {
    /// The outbox payload.
    pub fn payload(&self) -> Value {
        json!({"operatorId": self.operator.0, "type": self.kind.as_str(), "chatId": self.chat_id, "text": self.text})
    }
}

/// Who gets what: `candidates` are the human operators who opted in.
pub fn deliveries(notices: &[Notice], candidates: &[Operator], settings: &OrgSettings) -> Vec<Delivery> {
    let mut out: BTreeMap<(i64, i64), Delivery> = BTreeMap::new();
    for n in notices {
        let to: Vec<OperatorId> = match &n.target {
            Target::Operator(id) => candidates.iter().filter(|o| o.id == *id).map(|o| o.id).collect(),
            Target::Takers(scope) => candidates
                .iter()
                .filter(|o| o.status == OperatorStatus::Online && visibility::may_see(o, settings, scope))
                .map(|o| o.id)
                .collect(),
        };
        for op in to {
            let d = out.entry((op.0, n.chat_id)).or_insert_with(|| Delivery {
                operator: op,
                kind: n.kind,
                chat_id: n.chat_id,
                text: String::new(),
            });
            d.kind = d.kind.max(n.kind);
            if !n.text.is_empty() {
                d.text = n.text.clone();
            }
        }
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::OperatorRole;

    fn op(id: i64, status: OperatorStatus, departments: &[&str]) -> Operator {
        Operator {
            id: OperatorId(id),
            email: format!("{id}@x"),
            name: format!("op{id}"),
            role: OperatorRole::Operator,
            status,
            languages: vec![],
            max_chats: None,
            avatar: None,
            title: None,
            department_keys: departments.iter().map(|d| d.to_string()).collect(),
            locale_names: Default::default(),
            created_at: 0,
            must_change_password: false,
            active: true,
            interface_lang: None,
        }
    }

    fn message(chat: i64, kind: &str, text: &str, holder: Option<i64>, bot: bool, dept: Option<&str>) -> Value {
        json!({"type": "message_added", "chatId": chat, "message": {"kind": kind, "text": text},
            "chatScope": {"operatorId": holder, "bot": bot, "departmentKey": dept, "language": null}})
    }

    #[test]
    fn visitor_messages_go_to_the_holder_or_to_those_who_may_take_the_chat() {
        let ops = [
            op(1, OperatorStatus::Online, &["sales"]),
            op(2, OperatorStatus::Online, &["support"]),
            op(3, OperatorStatus::Offline, &[]),
        ];
        let s = OrgSettings::default();
        let held = deliveries(&notices(&[message(7, "visitor", "hi", Some(2), false, None)]), &ops, &s);
        assert_eq!(
            held,
            vec![Delivery { operator: OperatorId(2), kind: NoticeKind::Message, chat_id: 7, text: "hi".into() }]
        );
        // Waiting in «sales»: only the online operator of sales (3 is offline, 2 serves support).
        let waiting = deliveries(&notices(&[message(8, "visitor", "hello", None, false, Some("sales"))]), &ops, &s);
        assert_eq!(waiting.iter().map(|d| (d.operator.0, d.kind)).collect::<Vec<_>>(), vec![(1, NoticeKind::NewChat)]);
        // Operators' own messages, system notices and bots' chats bring nothing.
        let quiet = [
            message(9, "operator", "x", Some(1), false, None),
            message(9, "info", "x", None, false, None),
            message(9, "visitor", "x", Some(5), true, None),
        ];
        assert!(deliveries(&notices(&quiet), &ops, &s).is_empty());
    }

    #[test]
    fn redirects_and_auto_assignment_notify_the_new_holder_but_a_take_does_not() {
        let ops = [op(1, OperatorStatus::Online, &[]), op(2, OperatorStatus::Invisible, &[])];
        let s = OrgSettings::default();
        let assigned = |by: Option<i64>, auto: bool| json!({"type": "chat_assigned", "chatId": 4, "operatorId": 2, "bot": false, "auto": auto, "byOperatorId": by});
        let kinds =
            |e: Value| deliveries(&notices(&[e]), &ops, &s).iter().map(|d| (d.operator.0, d.kind)).collect::<Vec<_>>();
        assert_eq!(kinds(assigned(Some(1), false)), vec![(2, NoticeKind::Redirected)]);
        assert_eq!(kinds(assigned(None, true)), vec![(2, NoticeKind::NewChat)]);
        assert_eq!(kinds(assigned(Some(2), false)), vec![]);
        assert_eq!(kinds(assigned(None, false)), vec![]);
        // To a department: whoever online may take it there.
        let ops = [op(1, OperatorStatus::Online, &["sales"]), op(2, OperatorStatus::Online, &["support"])];
        let to_sales = json!({"type": REDIRECTED_TO_DEPARTMENT, "chatId": 4,
            "chatScope": {"operatorId": null, "bot": false, "departmentKey": "sales", "language": null}});
        let d = deliveries(&notices(&[to_sales]), &ops, &s);
        assert_eq!(d.iter().map(|d| (d.operator.0, d.kind)).collect::<Vec<_>>(), vec![(1, NoticeKind::Redirected)]);
    }

    #[test]
    fn one_notice_per_operator_and_chat_the_weightiest_with_the_text() {
        let ops = [op(2, OperatorStatus::Online, &[])];
        let events = [
            message(4, "visitor", "first words", Some(2), false, None),
            json!({"type": "chat_assigned", "chatId": 4, "operatorId": 2, "bot": false, "auto": true}),
        ];
        let d = deliveries(&notices(&events), &ops, &OrgSettings::default());
        assert_eq!(
            d,
            vec![Delivery {
                operator: OperatorId(2),
                kind: NoticeKind::NewChat,
                chat_id: 4,
                text: "first words".into()
            }]
        );
        let long = "ж".repeat(500);
        let d =
            deliveries(&notices(&[message(5, "visitor", &long, Some(2), false, None)]), &ops, &OrgSettings::default());
        assert_eq!(d[0].text.chars().count(), MAX_TEXT_CHARS);
    }
}
