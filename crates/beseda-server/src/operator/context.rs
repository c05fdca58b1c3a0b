//! The visitor context of a chat, for the workspace's side panel: who the visitor is and what
//! they filled in, their browser and address, where they came from and which pages they saw,
//! how long and how often they visited, and their other chats — only those the operator may
//! see (`beseda_core::visibility`). Every string is the visitor's or their browser's: clients
//! show them as text and make links of `http`/`https` addresses only.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use beseda_core::model::Operator;
use beseda_core::settings::OrgSettings;
use beseda_core::time::micros_to_secs;
use beseda_core::user_agent;
use beseda_core::visibility::{self, ChatScope};
use beseda_store::ChatDetail;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Other chats listed at most.
const PREVIOUS_CHATS: i64 = 20;
/// Pre-chat fields shown at most.
const PRECHAT_FIELDS: usize = 50;
/// A visit whose last sign of life is this recent is still going on.
const ACTIVE_MICROS: i64 = 5 * 60 * 1_000_000;

#[derive(Serialize, Debug, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VisitorContext {
    /// The name operators see (given, or the default visitor name).
    pub name: String,
    /// The visitor's stable number («Посетитель 1234» for an unnamed visitor).
    pub number: i64,
    /// The site vouched for the visitor (visitor identification).
    pub identified: bool,
    /// The visitor's fields: identification, offline form, bots (`name`, `email`, `phone`, …).
    pub fields: BTreeMap<String, String>,
    /// Pre-chat fields (`prechat-key-independent-fields`), values as text.
    pub prechat: BTreeMap<String, String>,
    pub browser: Option<String>,
    pub browser_version: Option<String>,
    pub os: Option<String>,
    pub os_version: Option<String>,
    /// `desktop`, `mobile`, `tablet` or `bot`.
    pub device: Option<&'static str>,
    pub user_agent: Option<String>,
    /// What the client named itself on init (`web`, `ios`, `android`, …).
    pub platform: Option<String>,
    /// The client address as the server determined it (behind trusted proxies, the one they
    /// name).
    pub address: Option<String>,
    /// The page the visitor came to the site from.
    pub referrer: Option<String>,
    /// The location a mobile app last reported for this visit (`geo_response`).
    pub location: Option<GeoLocation>,
    pub current_page: Option<String>,
    /// Pages of this visit, oldest first.
    pub pages: Vec<Page>,
    pub visit_started_ts: Option<f64>,
    pub time_on_site_secs: Option<i64>,
    /// Visit sessions of this visitor, this one included.
    pub visits: i64,
    /// The visitor's other chats the operator may see, newest first.
    pub previous_chats: Vec<PreviousChat>,
    pub crm_link: Option<String>,
    pub category: Option<String>,
    pub subcategory: Option<String>,
    /// The visitor's ratings in this chat.
    pub ratings: Vec<Rating>,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GeoLocation {
    pub latitude: f64,
    pub longitude: f64,
    /// When it was reported (seconds).
    pub ts: f64,
}

impl GeoLocation {
    fn of(geo: &Value) -> Option<Self> {
        Some(Self {
            latitude: geo.get("latitude")?.as_f64()?,
            longitude: geo.get("longitude")?.as_f64()?,
            ts: micros_to_secs(geo.get("at")?.as_i64()?),
        })
    }
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    pub url: String,
    pub title: Option<String>,
    pub ts: f64,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreviousChat {
    pub id: i64,
    pub creation_ts: f64,
    pub state: &'static str,
    pub operator: Option<String>,
    pub category: Option<String>,
    pub first_message: Option<String>,
    pub messages: i64,
}

/// A rating with the visitor's note (the visitor protocol's `Rating` has no note).
#[derive(Serialize, Debug, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = RatingWithNote)]
pub struct Rating {
    pub operator_id: i64,
    /// −2…2, as the visitor protocol sends it.
    pub rating: i64,
    pub note: Option<String>,
}

/// A JSON value as text: strings as they are, anything else as JSON.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The context of the chat `detail`, as `viewer` may see it.
pub async fn build(
    state: &AppState,
    viewer: &Operator,
    settings: &OrgSettings,
    detail: &ChatDetail,
    name: &str,
) -> ApiResult<VisitorContext> {
    let found = state
        .store
        .visitor_context(&detail.visitor.id, detail.chat.id, PREVIOUS_CHATS)
        .await
        .map_err(ApiError::operator)?;
    let visit = found.visit.unwrap_or_default();
    let ua = user_agent::parse(visit.user_agent.as_deref().unwrap_or_default());
    let prechat = match &found.prechat_fields {
        Some(Value::Object(map)) => map.iter().take(PRECHAT_FIELDS).map(|(k, v)| (k.clone(), text(v))).collect(),
        _ => BTreeMap::new(),
    };
    let started = (visit.started_at > 0).then_some(visit.started_at);
    let last_sign = found.pages.last().map_or(visit.last_seen_at, |p| p.at.max(visit.last_seen_at));
    let now = state.now();
    let end = if now - last_sign <= ACTIVE_MICROS { now } else { last_sign };
    let previous_chats = found
        .previous_chats
        .iter()
        .filter(|p| visibility::may_see(viewer, settings, &ChatScope::of(&p.chat, p.holder_is_bot)))
        .map(|p| PreviousChat {
            id: p.chat.id.0,
            creation_ts: micros_to_secs(p.chat.created_at),
            state: p.chat.state.as_str(),
            operator: p.operator_name.clone(),
            category: p.chat.category.clone(),
            first_message: p.first_message.clone(),
            messages: p.messages,
        })
        .collect();
    Ok(VisitorContext {
        name: name.to_owned(),
        number: detail.visitor.number,
        identified: detail.visitor.provided_id.is_some(),
        fields: detail.visitor.fields.clone(),
        prechat,
        browser: ua.browser,
        browser_version: ua.browser_version,
        os: ua.os,
        os_version: ua.os_version,
        device: ua.device,
        user_agent: visit.user_agent,
        platform: visit.platform.or_else(|| detail.platform.clone()),
        address: visit.client_address,
        referrer: visit.referrer,
        location: visit.geo.as_ref().and_then(GeoLocation::of),
        current_page: visit.page_url.or_else(|| detail.page_url.clone()),
        pages: found.pages.into_iter().map(|p| Page { url: p.url, title: p.title, ts: micros_to_secs(p.at) }).collect(),
        visit_started_ts: started.map(micros_to_secs),
        time_on_site_secs: started.map(|s| (end - s).max(0) / 1_000_000),
        visits: found.visits,
        previous_chats,
        crm_link: detail.visitor.provided_id.as_deref().and_then(|id| settings.crm_link(id)),
        category: detail.chat.category.clone(),
        subcategory: detail.chat.subcategory.clone(),
        ratings: detail
            .ratings
            .iter()
            .map(|r| Rating { operator_id: r.operator_id.0, rating: r.rating, note: r.note.clone() })
            .collect(),
    })
}
