//! The objects of the Stored Data API (stored-data-api.md §4).

use beseda_core::model::{Department, Operator};
use beseda_core::presence;
use beseda_core::routing::parse_categories;
use beseda_core::state::OperatorRole;
use beseda_core::time::iso_millis;
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
        "key": d.key,
        "name": d.name,
        "locale_to_name": d.locale_names,
        "description": "",
        "order": d.order,
        "online_status": presence::status_for(operators, Some(&d.key)).as_str(),
        "operator_ids": serving,
    })
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
