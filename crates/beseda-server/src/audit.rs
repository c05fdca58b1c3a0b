//! The audit log of admin and supervisor actions (and the CLI's): one recording helper, used by
//! every handler that changes something, and the field diff it stores.
//!
//! An entry is written right after the change it describes has committed (the store's writes
//! are single operations that commit themselves): a refused or failed change leaves no entry.
//! Should the entry itself fail to be written, the change stands and the failure is logged.

use crate::operator::session::OperatorAuth;
use crate::state::AppState;
use beseda_store::{NewAuditEntry, Store};
use serde_json::{json, Map, Value};
use std::net::IpAddr;

/// What a masked secret is shown as.
pub const MASK: &str = "***";

/// Who acts, and from which address.
#[derive(Clone, Debug)]
pub struct Actor {
    pub id: Option<i64>,
    /// The operator's e-mail at the time, or `cli` / `system`.
    pub name: String,
    pub address: String,
}

impl Actor {
    /// The authenticated operator of a request, from the client address the server resolved.
    pub fn operator(who: &OperatorAuth, ip: IpAddr) -> Self {
        Self { id: Some(who.operator.id.0), name: who.operator.email.clone(), address: ip.to_string() }
    }

    /// The command line (`beseda operator add`, …), run on the server itself.
    pub fn cli() -> Self {
        Self { id: None, name: "cli".into(), address: String::new() }
    }

    /// The server itself (the first administrator made from the environment).
    pub fn system() -> Self {
        Self { id: None, name: "system".into(), address: String::new() }
    }
}

/// A field that holds a secret: its values are never stored, only that it changed.
pub fn is_secret(field: &str) -> bool {
    let f = field.to_ascii_lowercase();
    ["secret", "token", "password", "api_key", "apikey", "private_key", "privatekey", "auth_code"]
        .iter()
        .any(|s| f.contains(s))
}

fn masked(field: &str, v: &Value) -> Value {
    let empty = v.is_null() || v.as_str().is_some_and(str::is_empty);
    if is_secret(field) && !empty {
        json!(MASK)
    } else {
        v.clone()
    }
}

/// The fields of two JSON objects that differ: `{"field": {"before": …, "after": …}}`, secrets
/// masked (an empty secret shows as empty, so setting and clearing one can be told apart).
pub fn diff(before: &Value, after: &Value) -> Value {
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut out = Map::new();
    for key in b.keys().chain(a.keys().filter(|k| !b.contains_key(*k))) {
        let (old, new) = (b.get(key).unwrap_or(&Value::Null), a.get(key).unwrap_or(&Value::Null));
        if old != new {
            out.insert(key.clone(), json!({"before": masked(key, old), "after": masked(key, new)}));
        }
    }
    Value::Object(out)
}

/// A typed admin answer as the JSON object [`diff`] compares (`None`: nothing before, or
/// nothing after).
pub fn fields<T: serde::Serialize>(view: Option<T>) -> Value {
    view.and_then(|v| serde_json::to_value(v).ok()).unwrap_or(Value::Null)
}

/// The fields of something created (`before` null) or deleted (`after` null), secrets masked.
pub fn created(after: &Value) -> Value {
    diff(&Value::Null, after)
}

/// Writes an entry to `store`; a failure is logged, not returned (the change has committed).
pub async fn record_to(
    store: &dyn Store,
    actor: &Actor,
    action: &str,
    target: (&str, &(dyn std::fmt::Display + Sync)),
    changes: Value,
) {
    let entry = NewAuditEntry {
        actor_id: actor.id,
        actor: actor.name.clone(),
        address: actor.address.clone(),
        action: action.to_owned(),
        target_type: target.0.to_owned(),
        target_id: target.1.to_string(),
        changes,
    };
    if let Err(e) = store.add_audit(&entry).await {
        tracing::error!(action, error = %e, "cannot write the audit log entry");
    }
}

/// [`record_to`] the server's store. `target` is a type (`operator`, `settings`, …) and an id.
pub async fn record(
    state: &AppState,
    actor: &Actor,
    action: &str,
    target: (&str, &(dyn std::fmt::Display + Sync)),
    changes: Value,
) {
    record_to(state.store.as_ref(), actor, action, target, changes).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_keeps_changed_fields_and_masks_secrets() {
        let before = json!({"name": "A", "same": 1, "zendesk_api_token": "", "chat_handlers_signing_secret": "old"});
        let after = json!({"name": "B", "same": 1, "zendesk_api_token": "t0p", "chat_handlers_signing_secret": ""});
        assert_eq!(
            diff(&before, &after),
            json!({"name": {"before": "A", "after": "B"},
                   "zendesk_api_token": {"before": "", "after": "***"},
                   "chat_handlers_signing_secret": {"before": "***", "after": ""}})
        );
        assert_eq!(created(&json!({"password": "x", "email": "e"}))["password"]["after"], "***");
    }
}
