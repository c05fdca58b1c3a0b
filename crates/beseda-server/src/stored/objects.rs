//! The objects of the Stored Data API (stored-data-api.md §4).

use beseda_core::model::{Department, Message, Operator, Rating, Visitor};
use beseda_core::presence;
use beseda_core::routing::parse_categories;
use beseda_core::state::MessageKind;
use beseda_core::state::OperatorRole;
use beseda_core::time::iso_millis;
use beseda_store::ChatDetail;
use serde_json::{json, Value};

pub fn operator(o: &Operator, robot: bool) -> Value {
    let roles: Vec<&str> = match o.role {
        OperatorRole::Operator => vec!["operator"],
        other => vec!["operator", other.as_str()],
    };
    json!({
        "id": o.id.0,
        "email": o.email,
        "full_name": o.name,
        "status": o.status.as_str(),
        "roles": roles,
        "created_at": iso_millis(o.created_at),
        "department_keys": o.department_keys,
        "robot": robot,
        "avatar_url": o.avatar,
    })
}

/// A department; `operators` are all accounts (who serves it and whether it is online).
pub fn department(d: &Department, operators: &[Operator]) -> Value {
    let serving: Vec<i64> = operators.iter().filter(|o| o.department_keys.contains(&d.key)).map(|o| o.id.0).collect();
    json!({
        "id": d.id,
        "key": d.key,
        "name": d.name,
        "locale_to_name": d.locale_names,
        "description": "",
        "order": d.order,
        "online_status": presence::status_for(operators, Some(&d.key)).as_str(),
        "operator_ids": serving,
    })
}

/// A chat with its visitor and every message (§4 Chat).
pub fn chat(d: &ChatDetail, departments: &[Department]) -> Value {
    let c = &d.chat;
    let department = c.department_key.as_ref().map(|key| {
        let name = departments.iter().find(|x| x.key == *key).map(|x| x.name.as_str()).unwrap_or_default();
        json!({"key": key, "name": name})
    });
    let channel = match (&c.channel_key, d.platform.as_deref()) {
        (Some(key), _) => json!({"type": "custom", "id": key}),
        (None, Some("ios" | "android")) => json!({"type": "mobile", "id": null}),
        (None, _) => json!({"type": "widget", "id": null}),
    };
    let first_question = d.messages.iter().find(|m| m.kind == MessageKind::Visitor).map(|m| m.text.as_str());
    let ratings: Vec<Value> = d.ratings.iter().map(rating).collect();
    json!({
        "id": c.id.0,
        "client_side_id": c.client_side_id,
        "state": c.state.as_str(),
        "offline": c.offline,
        "created_at": iso_millis(c.created_at),
        "modified_at": iso_millis(c.modified_at),
        "closed_at": c.state.is_final().then(|| iso_millis(c.modified_at)),
        "department": department,
        "operator_id": c.operator_id.map(|o| o.0),
        "location": c.location,
        "channel": channel,
        "category": c.category,
        "subcategory": c.subcategory,
        "subject": c.subject,
        "first_question": first_question,
        "ratings": ratings,
        "visitor": visitor(&d.visitor),
        "messages": d.messages.iter().map(message).collect::<Vec<_>>(),
    })
}

fn rating(r: &Rating) -> Value {
    json!({"operator_id": r.operator_id.0, "rating": r.rating, "visitor_note": r.note, "created_at": iso_millis(r.created_at)})
}

pub fn visitor(v: &Visitor) -> Value {
    let mut fields = v.fields.clone();
    if let Some(id) = &v.provided_id {
        fields.insert("id".into(), id.clone());
    }
    json!({"id": v.id.as_str(), "provided_id": v.provided_id, "fields": fields})
}

pub fn message(m: &Message) -> Value {
    let mut v = json!({
        "id": m.id.as_str(),
        "kind": m.kind.as_str(),
        "text": m.text,
        "message": m.text,
        "created_at": iso_millis(m.created_at),
        "operator_id": if m.kind.is_operator_side() { m.author_id.map(|a| a.0) } else { None },
        "name": m.name,
        "data": m.data,
        "edited": m.edited,
        "deleted": m.deleted,
    });
    if let (true, Value::Object(map)) = (m.edited, &mut v) {
        map.insert("modified_at".into(), json!(iso_millis(m.modified_at)));
    }
    v
}

/// Categories numbered in order, subcategories pointing at their parent.
pub fn categories(lines: &[String]) -> Value {
    let mut out = Vec::new();
    for (name, subs) in parse_categories(lines) {
        let parent = out.len() + 1;
        out.push(json!({"id": parent, "name": name, "parent_id": null}));
        for sub in subs {
            out.push(json!({"id": out.len() + 1, "name": sub, "parent_id": parent}));
        }
    }
    Value::Array(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subcategories_point_at_their_parent() {
        let lines = ["Вопросы по товарам", " Доставка", " Оплата", "Жалобы"].map(String::from);
        assert_eq!(
            categories(&lines),
            json!([
                {"id": 1, "name": "Вопросы по товарам", "parent_id": null},
                {"id": 2, "name": "Доставка", "parent_id": 1},
                {"id": 3, "name": "Оплата", "parent_id": 1},
                {"id": 4, "name": "Жалобы", "parent_id": null}
            ])
        );
    }
}
