//! The bodies of the chat event handler calls (chat-handlers.md §4).

use crate::stored::objects;
use beseda_core::model::{Department, Operator};
use beseda_core::time::iso_millis;
use beseda_store::ChatDetail;
use serde_json::{json, Value};

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
    /// `{"id", "name", "email", "robot"}` of an operator id; `null` if unknown.
    fn operator(&self, id: Option<i64>) -> Value {
        match id.and_then(|id| self.operators.iter().find(|o| o.id.0 == id)) {
            Some(o) => json!({"id": o.id.0, "name": o.name, "email": o.email, "robot": self.bots.contains(&o.id.0)}),
            None => Value::Null,
        }
    }
}

/// The JSON body of `facts` about the chat `detail` (its state and operator as they were at
/// the event).
pub fn build(facts: &Facts, detail: &ChatDetail, dir: &Directory) -> Value {
    let mut chat = objects::chat(detail, dir.departments);
    let operator_id = facts.payload.get("operatorId").and_then(Value::as_i64);
    let mut visitor = Value::Null;
    if let Value::Object(c) = &mut chat {
        visitor = c.remove("visitor").unwrap_or(Value::Null);
        c.remove("messages");
        if let Some(state) = facts.payload.get("state").and_then(Value::as_str) {
            c.insert("state".into(), json!(state));
            if state != "closed" {
                c.insert("closed_at".into(), Value::Null);
            }
        }
        c.insert("operator_id".into(), json!(operator_id));
    }
    let mut body = json!({
        "event": facts.event,
        "event_id": facts.event_id,
        "ts": iso_millis(facts.at),
        "chat": chat,
        "visitor": visitor,
    });
    match facts.event {
        "chat_assigned" => {
            body["operator"] = dir.operator(operator_id);
            if let Some(previous) = facts.payload.get("previousOperatorId").and_then(Value::as_i64) {
                body["previous_operator"] = dir.operator(Some(previous));
            }
        }
        "chat_closed" => {
            body["operator"] = dir.operator(operator_id);
            body["closed_by"] = facts.payload.get("closedBy").cloned().unwrap_or_else(|| json!("system"));
            body["messages"] = Value::Array(detail.messages.iter().map(objects::message).collect());
        }
        _ => {}
    }
    body
}
