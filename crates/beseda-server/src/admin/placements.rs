//! Placements (named webchats, webchat-sessions.md §2) in the admin API, and the embed code a
//! site puts into its template for each: the placement fixes the departments offered, the
//! language and the webchat's name.

use super::{admin_only, invalid, parse};
use crate::audit;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::operator::session::OperatorAuth;
use crate::origin::RequestOrigin;
use crate::state::AppState;
use crate::throttle::ClientIp;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use beseda_core::ids::is_valid_key;
use beseda_core::model::Placement;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Placement)]
pub struct PlacementBody {
    pub title: String,
    /// `ru`, `en`, or absent: the organisation's primary language.
    pub lang: Option<String>,
    #[serde(default)]
    pub department_keys: Vec<String>,
    pub default_department: Option<String>,
    #[serde(default)]
    pub hello_message: String,
    #[serde(default = "default_timeout")]
    pub conversation_timeout_hours: i64,
}

fn default_timeout() -> i64 {
    24
}

/// A placement as the admin API shows it, with the embed code for the site's template.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlacementView {
    pub key: String,
    pub title: String,
    /// `ru`, `en`, or null: the organisation's primary language.
    pub lang: Option<String>,
    pub department_keys: Vec<String>,
    pub default_department: Option<String>,
    pub hello_message: String,
    pub conversation_timeout_hours: i64,
    /// The HTML to put into the site's pages.
    pub embed_code: String,
}

impl PlacementView {
    pub fn new(origin: &RequestOrigin, p: &Placement) -> Self {
        Self {
            key: p.key.clone(),
            title: p.title.clone(),
            lang: p.lang.clone(),
            department_keys: p.department_keys.clone(),
            default_department: p.default_department.clone(),
            hello_message: p.hello_message.clone(),
            conversation_timeout_hours: p.conversation_timeout_hours,
            embed_code: crate::widget::embed_code(&origin.0, &p.key),
        }
    }
}

/// `PUT /api/admin/v1/placements/{key}`: creates or changes a placement.
pub async fn put(
    State(state): State<AppState>,
    who: OperatorAuth,
    origin: RequestOrigin,
    ClientIp(ip): ClientIp,
    Path(key): Path<String>,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<PlacementView>> {
    admin_only(&who)?;
    if !is_valid_key(&key) {
        return Err(invalid("key", "1 to 64 lowercase Latin letters and digits, `_` and `-` not first"));
    }
    let b: PlacementBody = parse(&bytes)?;
    if b.title.trim().is_empty() || b.title.chars().count() > 100 {
        return Err(invalid("title", "1 to 100 characters"));
    }
    if let Some(lang) = &b.lang {
        super::known_language("lang", lang)?;
    }
    if b.hello_message.chars().count() > 2000 {
        return Err(invalid("helloMessage", "at most 2000 characters"));
    }
    if !(1..=720).contains(&b.conversation_timeout_hours) {
        return Err(invalid("conversationTimeoutHours", "1 to 720"));
    }
    let known = state.store.departments().await.map_err(ApiError::operator)?;
    let exists = |k: &String| known.iter().any(|d| &d.key == k);
    if let Some(bad) = b.department_keys.iter().chain(b.default_department.iter()).find(|k| !exists(k)) {
        return Err(invalid("departmentKeys", &format!("no department `{bad}`")));
    }
    let p = Placement {
        key,
        title: b.title.trim().to_owned(),
        lang: b.lang,
        department_keys: b.department_keys,
        default_department: b.default_department,
        hello_message: b.hello_message,
        conversation_timeout_hours: b.conversation_timeout_hours,
    };
    let before = state.store.placement(&p.key).await.map_err(ApiError::operator)?;
    state.store.upsert_placement(&p).await.map_err(ApiError::operator)?;
    let action = if before.is_some() { "placement.update" } else { "placement.create" };
    let view = |p: &Placement| PlacementView::new(&origin, p);
    let changes = audit::diff(&audit::fields(before.as_ref().map(view)), &audit::fields(Some(view(&p))));
    audit::record(&state, &audit::Actor::operator(&who, ip), action, ("placement", &p.key), changes).await;
    Ok(Json(PlacementView::new(&origin, &p)))
}

/// `GET /api/admin/v1/placements/{key}`: the placement with its embed code.
pub async fn get(
    State(state): State<AppState>,
    who: OperatorAuth,
    origin: RequestOrigin,
    Path(key): Path<String>,
) -> ApiResult<Json<PlacementView>> {
    admin_only(&who)?;
    match state.store.placement(&key).await.map_err(ApiError::operator)? {
        Some(p) => Ok(Json(PlacementView::new(&origin, &p))),
        None => Err(ApiError::new(StatusCode::NOT_FOUND, "placement-not-found", "no such placement")),
    }
}
