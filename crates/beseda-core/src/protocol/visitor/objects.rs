//! The chat (visitor-api.md §9.1), operator (§9.3), department (§9.4), visitor (§9.5) and
//! rating (§9.7) objects.

use super::message::{Message, MessagePolicy};
use crate::model;
use crate::state::OnlineStatus;
use crate::time::micros_to_secs;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// An operator as the visitor sees them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Operator {
    pub id: i64,
    pub fullname: String,
    pub avatar: Option<String>,
    pub title: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub additional_info: Option<Value>,
    pub department_keys: Vec<String>,
    /// The operator's name per locale.
    pub lang_to_fullname: BTreeMap<String, String>,
    pub robot_type: Option<String>,
}

impl Operator {
    pub fn new(o: &model::Operator) -> Self {
        Self {
            id: o.id.0,
            fullname: o.name.clone(),
            avatar: o.avatar.clone(),
            title: o.title.clone(),
            additional_info: None,
            department_keys: o.department_keys.clone(),
            lang_to_fullname: o.locale_names.clone(),
            robot_type: None,
        }
    }
}

/// A department a visitor may choose, with its online status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Department {
    pub key: String,
    pub name: String,
    /// `online`, `busy_online`, `offline`, `busy_offline`.
    pub online: String,
    pub order: i64,
    pub locale_to_name: BTreeMap<String, String>,
    pub logo: Option<String>,
}

impl Department {
    pub fn new(d: &model::Department, online: OnlineStatus) -> Self {
        Self {
            key: d.key.clone(),
            name: d.name.clone(),
            online: online.as_str().to_owned(),
            order: d.order,
            locale_to_name: d.locale_names.clone(),
            logo: d.logo.clone(),
        }
    }
}

/// The visitor's avatar placeholder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VisitorIcon {
    pub color: String,
    pub shape: String,
}

/// The visitor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Visitor {
    pub id: String,
    /// Fields the visitor gave or the site vouched for (`name`, `email`, `phone`, …).
    pub fields: BTreeMap<String, String>,
    pub icon: VisitorIcon,
    pub creation_ts: f64,
    pub modification_ts: f64,
    pub has_provided_fields: bool,
    pub channel_type: Option<String>,
    pub channel_id: Option<String>,
    pub channel_user_id: Option<String>,
    pub channel_user_name: Option<String>,
    pub tags: Vec<String>,
}

impl Visitor {
    pub fn new(v: &model::Visitor) -> Self {
        Self {
            id: v.id.as_str().to_owned(),
            fields: v.fields.clone(),
            icon: VisitorIcon { color: v.icon_color.clone(), shape: v.icon_shape.clone() },
            creation_ts: micros_to_secs(v.created_at),
            modification_ts: micros_to_secs(v.modified_at),
            has_provided_fields: v.provided_id.is_some(),
            channel_type: None,
            channel_id: None,
            channel_user_id: None,
            channel_user_name: None,
            tags: Vec::new(),
        }
    }
}

/// The visitor's rating of an operator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Rating {
    pub operator_id: i64,
    /// The mark, −2…2 (absent in a resolution survey's answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<i64>,
    /// A resolution survey's answer: 1 = resolved, 0 = not (absent in a rating).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<i64>,
}

impl Rating {
    pub fn new(r: &model::Rating) -> Self {
        Self { operator_id: r.operator_id.0, rating: Some(r.rating), answer: None }
    }

    /// `chat.resolution_survey_select`'s answer about this operator.
    pub fn resolution(operator_id: i64, answer: i64) -> Self {
        Self { operator_id, rating: None, answer: Some(answer) }
    }
}

/// `UNREAD_BY_VISITOR` data: since when and how many operator messages the visitor has not read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnreadByVisitor {
    pub since_ts: Option<f64>,
    pub msg_cnt: i64,
}

impl UnreadByVisitor {
    pub fn new(c: &model::Chat) -> Self {
        Self { since_ts: c.unread_by_visitor_since.map(micros_to_secs), msg_cnt: c.unread_by_visitor_count }
    }
}

/// A chat with its visible messages (oldest first) and operator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Chat {
    pub id: i64,
    pub client_side_id: String,
    /// `queue`, `chatting`, `chatting_with_robot`, `closed_by_operator`, `closed_by_visitor`, …
    pub state: String,
    pub offline: bool,
    pub creation_ts: f64,
    pub modification_ts: f64,
    pub messages: Vec<Message>,
    pub operator: Option<Operator>,
    pub operator_typing: bool,
    pub visitor_typing: Option<bool>,
    pub read_by_visitor: bool,
    pub unread_by_operator_since_ts: Option<f64>,
    pub unread_by_visitor_since_ts: Option<f64>,
    pub unread_by_visitor_msg_cnt: i64,
    /// The visitor's ratings by operator id.
    pub operator_id_to_rate: BTreeMap<String, Rating>,
    /// The visitor's resolution survey answers by operator id (`{"operatorId", "answer"}`).
    pub operator_id_to_resolution_survey: BTreeMap<String, Rating>,
    pub category: Option<String>,
    pub subcategory: Option<String>,
    pub subject: Option<String>,
    pub need_to_be_closed: bool,
    pub visitor_message_draft: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub requested_form: Option<Value>,
}

impl Chat {
    pub fn new(
        c: &model::Chat,
        messages: &[model::Message],
        op: Option<&model::Operator>,
        ratings: &[model::Rating],
        policy: MessagePolicy,
    ) -> Self {
        Self {
            id: c.id.0,
            client_side_id: c.client_side_id.clone(),
            state: c.state.visitor_wire().to_owned(),
            offline: c.offline,
            creation_ts: micros_to_secs(c.created_at),
            modification_ts: micros_to_secs(c.modified_at),
            messages: messages
                .iter()
                .filter(|m| m.kind.visible_to_visitor() && !m.deleted)
                .map(|m| Message::new(m, policy))
                .collect(),
            operator: op.map(Operator::new),
            operator_typing: c.operator_typing,
            visitor_typing: None,
            read_by_visitor: c.read_by_visitor,
            unread_by_operator_since_ts: c.unread_by_operator_since.map(micros_to_secs),
            unread_by_visitor_since_ts: c.unread_by_visitor_since.map(micros_to_secs),
            unread_by_visitor_msg_cnt: c.unread_by_visitor_count,
            operator_id_to_rate: ratings.iter().map(|r| (r.operator_id.0.to_string(), Rating::new(r))).collect(),
            operator_id_to_resolution_survey: BTreeMap::new(),
            category: c.category.clone(),
            subcategory: c.subcategory.clone(),
            subject: c.subject.clone(),
            need_to_be_closed: false,
            visitor_message_draft: None,
            requested_form: None,
        }
    }

    /// The chat with the visitor's resolution survey answers: (operator id, answer).
    pub fn with_resolutions(mut self, answers: &[(i64, i64)]) -> Self {
        self.operator_id_to_resolution_survey =
            answers.iter().map(|(op, answer)| (op.to_string(), Rating::resolution(*op, *answer))).collect();
        self
    }
}
