//! The synchronous answer of a bot-side custom channel (custom-channel.md §5): `messages` are
//! posted as the channel's operator, then `actions` — the actions JAICP's Webim channel adds to
//! a bot's response (`redirect_to_operator`, `redirect_to_department`, `close_chat` with an
//! optional category) — hand the chat over or close it.

use beseda_core::ids::OperatorId;
use beseda_store::{BotCall, Redirect, RedirectTarget};
use serde_json::Value;

/// One thing an answer asks for, in order.
#[derive(Debug)]
pub enum Step {
    Call(BotCall),
    /// The chat's category (and subcategory), set before a `close_chat`.
    Category {
        category: String,
        subcategory: Option<String>,
    },
}

/// The steps of a callback's response body; anything that is not an answer gives none.
pub fn parse(body: &[u8]) -> Vec<Step> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else { return Vec::new() };
    let messages = v.get("messages").and_then(Value::as_array).into_iter().flatten();
    let mut steps: Vec<Step> = messages.filter_map(crate::bot::delivery::reply_message).map(Step::Call).collect();
    for a in v.get("actions").and_then(Value::as_array).into_iter().flatten() {
        steps.extend(action(a));
    }
    steps
}

/// `snake` or, as JAICP's own example writes it, `camel`.
fn field<'a>(a: &'a Value, snake: &str, camel: &str) -> Option<&'a Value> {
    a.get(snake).or_else(|| a.get(camel)).filter(|v| !v.is_null())
}

/// A string (JAICP sends ids as strings) or a number, as text.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty() && s.chars().count() <= 255),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn redirect(target: RedirectTarget) -> Step {
    Step::Call(BotCall::Redirect(Redirect { target, language: None, allow_offline: false, allow_invisible: true }))
}

/// One action; an unknown type or one without what it needs is skipped.
fn action(a: &Value) -> Vec<Step> {
    match a.get("type").and_then(Value::as_str) {
        Some("redirect_to_operator") => field(a, "operator_id", "operatorId")
            .and_then(text)
            .and_then(|id| id.parse::<i64>().ok())
            .map(|id| vec![redirect(RedirectTarget::Operator(OperatorId(id)))])
            .unwrap_or_default(),
        Some("redirect_to_department") => field(a, "department_key", "departmentKey")
            .and_then(text)
            .map(|key| vec![redirect(RedirectTarget::Department(key))])
            .unwrap_or_default(),
        Some("close_chat") => {
            let category = field(a, "category", "category").and_then(text).map(|category| Step::Category {
                category,
                subcategory: field(a, "sub_category", "subCategory").and_then(text),
            });
            category.into_iter().chain([Step::Call(BotCall::Close)]).collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_then_actions_in_both_spellings() {
        let body = r#"{"messages": [{"kind": "operator", "text": "Соединяю"}],
            "actions": [{"type": "redirect_to_department", "department_key": "sales"},
                        {"type": "redirect_to_operator", "operatorId": "42"},
                        {"type": "close_chat", "category": "Доставка", "sub_category": "Сроки"},
                        {"type": "unknown"}, {"type": "redirect_to_operator", "operator_id": "x"}]}"#;
        let steps = parse(body.as_bytes());
        assert_eq!(steps.len(), 5, "{steps:?}");
        assert!(matches!(&steps[0], Step::Call(BotCall::Send(m)) if m.text == "Соединяю"));
        assert!(
            matches!(&steps[1], Step::Call(BotCall::Redirect(r)) if r.target == RedirectTarget::Department("sales".into()))
        );
        assert!(
            matches!(&steps[2], Step::Call(BotCall::Redirect(r)) if r.target == RedirectTarget::Operator(OperatorId(42)))
        );
        assert!(
            matches!(&steps[3], Step::Category { category, subcategory } if category == "Доставка" && subcategory.as_deref() == Some("Сроки"))
        );
        assert!(matches!(&steps[4], Step::Call(BotCall::Close)));
        assert!(parse(b"ok").is_empty());
        assert!(parse(br#"{"result": "ok"}"#).is_empty());
    }
}
