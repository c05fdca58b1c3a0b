//! The visitor protocol's objects as JSON values, for the store's revisioned log, which keeps
//! delta items as JSON. The shapes are the typed objects of [`crate::protocol::visitor`];
//! [`DeltaItem`] here is the stored form of an item, whose data is any JSON.

use crate::model::{Message, Operator, Rating, Visitor};
use crate::protocol::visitor;
use serde::{Deserialize, Serialize};
use serde_json::Value;

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

pub use crate::protocol::visitor::MessagePolicy;

/// The typed object as a JSON value (for the store's log, which keeps items as JSON).
fn value(object: impl Serialize) -> Value {
    serde_json::to_value(object).expect("wire objects have string keys")
}

/// A message object (§9.2).
pub fn message(m: &Message, policy: MessagePolicy) -> Value {
    value(visitor::Message::new(m, policy))
}

/// The quote block of a reply (§9.9), filled at once.
pub fn quote_of(m: &Message) -> Value {
    value(visitor::Quote::of(m))
}

/// An operator object (§9.3).
pub fn operator(o: &Operator) -> Value {
    value(visitor::Operator::new(o))
}

/// A rating object (§9.7).
pub fn rating(r: &Rating) -> Value {
    value(visitor::Rating::new(r))
}

/// A visitor object (§9.5).
pub fn visitor(v: &Visitor) -> Value {
    value(visitor::Visitor::new(v))
}
