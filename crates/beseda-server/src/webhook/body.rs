//! The bodies of the chat event handler calls (chat-handlers.md §4).

use crate::stored::objects;
use beseda_core::model::{Department, Operator};
use beseda_core::protocol::handlers::{HandlerCall, HandlerOperator};
use beseda_core::time::iso_millis;
use beseda_store::ChatDetail;
use serde_json::Value;

/// What the outbox row recorded when the event happened.
pub struct Facts<'a> {
    pub event: &'a str,
    pub event_id: &'a str,
    /// Event time, µs.
    pub at: i64,
    /// The row's payload: `state`, `operatorId`, and per event `previousOperatorId`,
    /// `closedBy`.
    pub payload: &'a Value,
}

/// The people and names the body refers to.
pub struct Directory<'a> {
    pub departments: &'a [Department],
    pub operators: &'a [Operator],
    /// Operator ids of bot accounts.
    pub bots: &'a [i64],
}

impl Directory<'_> {
    /// `{"id", "name", "email", "robot"}` of an operator id; `None` (`null`) if unknown.
    fn operator(&self, id: Option<i64>) -> Option<HandlerOperator> {
        let o = self.operators.iter().find(|o| Some(o.id.0) == id)?;
        Some(HandlerOperator {
            id: o.id.0,
            name: o.name.clone(),
            email: o.email.clone(),
            robot: self.bots.contains(&o.id.0),
        })
    }
}

/// The body of `facts` about the chat `detail` (its state and operator as they were at the
/// event).
pub fn build(facts: &Facts, detail: &ChatDetail, dir: &Directory) -> HandlerCall {
    let mut chat = objects::chat_summary(detail, dir.departments);
    let operator_id = facts.payload.get("operatorId").and_then(Value::as_i64);
    if let Some(state) = facts.payload.get("state").and_then(Value::as_str) {
        chat.state = state.to_owned();
        if state != "closed" {
            chat.closed_at = None;
        }
    }
    chat.operator_id = operator_id;
    let mut body = HandlerCall {
        event: facts.event.to_owned(),
        event_id: facts.event_id.to_owned(),
        ts: iso_millis(facts.at),
        chat,
        visitor: objects::visitor(&detail.visitor),
        operator: None,
        previous_operator: None,
        closed_by: None,
        messages: None,
    };
    match facts.event {
        "chat_assigned" => {
            body.operator = Some(dir.operator(operator_id));
            if let Some(previous) = facts.payload.get("previousOperatorId").and_then(Value::as_i64) {
                body.previous_operator = Some(dir.operator(Some(previous)));
            }
        }
        "chat_closed" => {
            body.operator = Some(dir.operator(operator_id));
            let closed_by = facts.payload.get("closedBy").and_then(Value::as_str).unwrap_or("system");
            body.closed_by = Some(closed_by.to_owned());
            body.messages = Some(detail.messages.iter().map(objects::message).collect());
        }
        _ => {}
    }
    body
}
