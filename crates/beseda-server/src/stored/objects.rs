//! The objects of the Stored Data API (stored-data-api.md §4).

use beseda_core::model::{Department, Message, Operator, Rating, Visitor};
use beseda_core::presence;
use beseda_core::protocol::stored::{
    ChatChannel, ChatSummary, DepartmentRef, StoredCategory, StoredChat, StoredDepartment, StoredMessage,
    StoredOperator, StoredRating, StoredVisitor,
};
use beseda_core::routing::parse_categories;
use beseda_core::state::MessageKind;
use beseda_core::state::OperatorRole;
use beseda_core::time::iso_millis;
use beseda_store::ChatDetail;

pub fn operator(o: &Operator, robot: bool) -> StoredOperator {
    let roles = match o.role {
        OperatorRole::Operator => vec!["operator".to_owned()],
        other => vec!["operator".to_owned(), other.as_str().to_owned()],
    };
    StoredOperator {
        id: o.id.0,
        email: o.email.clone(),
        full_name: o.name.clone(),
        status: o.status.as_str().to_owned(),
        roles,
        created_at: iso_millis(o.created_at),
        department_keys: o.department_keys.clone(),
        robot,
        avatar_url: o.avatar.clone(),
    }
}

/// A department; `operators` are all accounts (who serves it and whether it is online).
pub fn department(d: &Department, operators: &[Operator]) -> StoredDepartment {
    let serving: Vec<i64> = operators.iter().filter(|o| o.department_keys.contains(&d.key)).map(|o| o.id.0).collect();
    StoredDepartment {
        id: d.id,
        key: d.key.clone(),
        name: d.name.clone(),
        locale_to_name: d.locale_names.clone(),
        description: String::new(),
        order: d.order,
        online_status: presence::status_for(operators, Some(&d.key)).as_str().to_owned(),
        operator_ids: serving,
    }
}

/// A chat without visitor and messages (§4 Chat).
pub fn chat_summary(d: &ChatDetail, departments: &[Department]) -> ChatSummary {
    let c = &d.chat;
    let department = c.department_key.as_ref().map(|key| {
        let name = departments.iter().find(|x| x.key == *key).map(|x| x.name.as_str()).unwrap_or_default();
        DepartmentRef { key: key.clone(), name: name.to_owned() }
    });
    let channel = match (&c.channel_key, d.platform.as_deref()) {
        (Some(key), _) => ChatChannel { kind: "custom".into(), id: Some(key.clone()) },
        (None, Some("ios" | "android")) => ChatChannel { kind: "mobile".into(), id: None },
        (None, _) => ChatChannel { kind: "widget".into(), id: None },
    };
    let first_question = d.messages.iter().find(|m| m.kind == MessageKind::Visitor).map(|m| m.text.clone());
    ChatSummary {
        id: c.id.0,
        client_side_id: c.client_side_id.clone(),
        state: c.state.as_str().to_owned(),
        offline: c.offline,
        created_at: iso_millis(c.created_at),
        modified_at: iso_millis(c.modified_at),
        closed_at: c.state.is_final().then(|| iso_millis(c.modified_at)),
        department,
        operator_id: c.operator_id.map(|o| o.0),
        location: c.location.clone(),
        channel,
        category: c.category.clone(),
        subcategory: c.subcategory.clone(),
        subject: c.subject.clone(),
        first_question,
        ratings: d.ratings.iter().map(rating).collect(),
    }
}

/// A chat with its visitor and every message (§4 Chat).
pub fn chat(d: &ChatDetail, departments: &[Department]) -> StoredChat {
    StoredChat {
        summary: chat_summary(d, departments),
        visitor: visitor(&d.visitor),
        messages: d.messages.iter().map(message).collect(),
    }
}

fn rating(r: &Rating) -> StoredRating {
    StoredRating {
        operator_id: r.operator_id.0,
        rating: r.rating,
        visitor_note: r.note.clone(),
        created_at: iso_millis(r.created_at),
    }
}

pub fn visitor(v: &Visitor) -> StoredVisitor {
    let mut fields = v.fields.clone();
    if let Some(id) = &v.provided_id {
        fields.insert("id".into(), id.clone());
    }
    StoredVisitor { id: v.id.as_str().to_owned(), provided_id: v.provided_id.clone(), fields }
}

/// A message; a deleted one stays listed with an empty text and no data.
pub fn message(m: &Message) -> StoredMessage {
    let text = if m.deleted { String::new() } else { m.text.clone() };
    StoredMessage {
        id: m.id.as_str().to_owned(),
        kind: m.kind.as_str().to_owned(),
        message: text.clone(),
        text,
        created_at: iso_millis(m.created_at),
        operator_id: if m.kind.is_operator_side() { m.author_id.map(|a| a.0) } else { None },
        name: m.name.clone(),
        data: if m.deleted { None } else { m.data.clone() },
        edited: m.edited,
        deleted: m.deleted,
        modified_at: m.edited.then(|| iso_millis(m.modified_at)),
    }
}

/// Categories numbered in order, subcategories pointing at their parent.
pub fn categories(lines: &[String]) -> Vec<StoredCategory> {
    let mut out = Vec::new();
    for (name, subs) in parse_categories(lines) {
        let parent = out.len() + 1;
        out.push(StoredCategory { id: parent, name, parent_id: None });
        for sub in subs {
            out.push(StoredCategory { id: out.len() + 1, name: sub, parent_id: Some(parent) });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subcategories_point_at_their_parent() {
        let lines = ["Вопросы по товарам", " Доставка", " Оплата", "Жалобы"].map(String::from);
        assert_eq!(
            serde_json::to_value(categories(&lines)).expect("categories"),
            json!([
                {"id": 1, "name": "Вопросы по товарам", "parent_id": null},
                {"id": 2, "name": "Доставка", "parent_id": 1},
                {"id": 3, "name": "Оплата", "parent_id": 1},
                {"id": 4, "name": "Жалобы", "parent_id": null}
            ])
        );
    }
}
