//! Visitors on the site and visitor blocks as the operator and admin APIs show them.

use crate::model::{SiteVisitor, VisitorBlock};
use crate::time::micros_to_secs;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A visitor on the site as the visitors list and its events show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SiteVisitorRow {
    pub id: String,
    pub visit_session_id: String,
    /// The visitor's own name, or empty (the console shows its default).
    pub name: String,
    /// The visitor's stable number.
    pub number: i64,
    /// The placement and its title.
    pub location: String,
    pub placement_title: String,
    /// Departments offered at the placement (empty: all).
    pub department_keys: Vec<String>,
    /// The page the visitor is on, and its title.
    pub page: Option<String>,
    pub title: Option<String>,
    pub since_ts: f64,
    pub seconds_on_site: i64,
    /// Visits so far, this one included.
    pub visits: i64,
    /// In a chat that is not over.
    pub chatting: bool,
    pub chat_id: Option<i64>,
    pub chat_state: Option<String>,
    pub chat_operator_id: Option<i64>,
    pub chat_department_key: Option<String>,
    /// The client address the visit came from.
    pub address: Option<String>,
}

impl SiteVisitorRow {
    /// The row of `v` at `now` (µs).
    pub fn new(v: &SiteVisitor, now: i64) -> Self {
        Self {
            id: v.visitor.id.as_str().to_owned(),
            visit_session_id: v.visit_session_id.as_str().to_owned(),
            name: v.visitor.display_name(),
            number: v.visitor.number,
            location: v.location.clone(),
            placement_title: v.placement_title.clone(),
            department_keys: v.departments.clone(),
            page: v.page_url.clone(),
            title: v.title.clone(),
            since_ts: micros_to_secs(v.since),
            seconds_on_site: ((now - v.since).max(0)) / 1_000_000,
            visits: v.visits,
            chatting: v.chat.as_ref().is_some_and(|c| !c.state.is_final()),
            chat_id: v.chat.as_ref().map(|c| c.id.0),
            chat_state: v.chat.as_ref().map(|c| c.state.as_str().to_owned()),
            chat_operator_id: v.chat.as_ref().and_then(|c| c.operator_id.map(|o| o.0)),
            chat_department_key: v.chat.as_ref().and_then(|c| c.department_key.clone()),
            address: v.address.clone(),
        }
    }
}

/// A block on a visitor (and maybe an address) as the operator and admin APIs show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BlockRow {
    pub id: i64,
    pub visitor_id: String,
    /// The visitor's stable number (0: unknown).
    pub visitor_number: i64,
    pub visitor_given_name: Option<String>,
    /// The blocked address, when the block covers one.
    pub address: Option<String>,
    pub reason: String,
    pub created_by: Option<i64>,
    /// The blocking operator's name, while the account exists.
    pub created_by_name: Option<String>,
    pub created_ts: f64,
    /// Null: permanent.
    pub expires_ts: Option<f64>,
    pub lifted_ts: Option<f64>,
    pub lifted_by: Option<i64>,
    /// Applies now: not lifted, not expired.
    pub active: bool,
}

impl BlockRow {
    pub fn new(b: &VisitorBlock, now: i64) -> Self {
        Self {
            id: b.id,
            visitor_id: b.visitor_id.clone(),
            visitor_number: b.visitor_number,
            visitor_given_name: b.visitor_given_name.clone(),
            address: b.address.clone(),
            reason: b.reason.clone(),
            created_by: b.created_by,
            created_by_name: b.created_by_name.clone(),
            created_ts: micros_to_secs(b.created_at),
            expires_ts: b.expires_at.map(micros_to_secs),
            lifted_ts: b.lifted_at.map(micros_to_secs),
            lifted_by: b.lifted_by,
            active: b.applies(now),
        }
    }
}
