//! The audit log in the admin API: entries newest first, filtered by period (days in the
//! organisation's time zone), actor and action, paged; or the whole selection as CSV.
//! Administrators only.

use super::admin_only;
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::operator::session::OperatorAuth;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use beseda_core::local_time;
use beseda_core::time::iso_millis;
use beseda_store::{AuditEntry, AuditQuery};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

const DAY_MICROS: i64 = 24 * 3600 * 1_000_000;
/// Entries per page, by default and at most; a CSV holds at most `CSV_LIMIT`.
const PAGE: i64 = 50;
const MAX_PAGE: i64 = 500;
const CSV_LIMIT: i64 = 100_000;

#[derive(Deserialize)]
pub struct AuditParams {
    from: Option<String>,
    to: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    offset: Option<i64>,
    limit: Option<i64>,
    format: Option<String>,
}

fn bad(why: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid-period", why.to_owned())
}

fn nonempty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// An audit-log entry as the admin panel shows it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditRow {
    pub id: i64,
    /// ISO 8601 with milliseconds, UTC.
    pub at: String,
    /// The operator who acted (null: the command line or the server itself).
    pub actor_id: Option<i64>,
    /// The operator's e-mail at the time, or `cli` / `system`.
    pub actor: String,
    /// The client address (empty for `cli` and `system`).
    pub address: String,
    /// A stable code such as `settings.update` or `operator.deactivate`.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    /// Free-form on purpose: what changed, usually `{"field": {"before": …, "after": …}}` with
    /// secrets masked, over whatever fields the target has (settings, operators, channels, …).
    #[schema(value_type = Object)]
    pub changes: Value,
}

impl AuditRow {
    fn new(e: &AuditEntry) -> Self {
        let n = &e.entry;
        Self {
            id: e.id,
            at: iso_millis(e.at),
            actor_id: n.actor_id,
            actor: n.actor.clone(),
            address: n.address.clone(),
            action: n.action.clone(),
            target_type: n.target_type.clone(),
            target_id: n.target_id.clone(),
            changes: n.changes.clone(),
        }
    }
}

/// A page of the audit log, newest first; `more`: there are older entries past it.
#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditRow>,
    pub more: bool,
}

/// `GET /api/admin/v1/audit?from=&to=&actor=&action=&offset=&limit=&format=csv`.
pub async fn list(
    State(state): State<AppState>,
    who: OperatorAuth,
    Query(p): Query<AuditParams>,
) -> ApiResult<Response> {
    admin_only(&who)?;
    let tz = state.store.settings().await.map_err(ApiError::operator)?.time_zone;
    let day =
        |d: &str, what: &str| local_time::day_start(d, &tz).ok_or_else(|| bad(&format!("{what}: a date YYYY-MM-DD")));
    let from = nonempty(p.from).map(|d| day(&d, "from")).transpose()?;
    let to = nonempty(p.to).map(|d| day(&d, "to").map(|t| t + DAY_MICROS)).transpose()?;
    let csv = p.format.as_deref() == Some("csv");
    let limit = if csv { CSV_LIMIT } else { p.limit.unwrap_or(PAGE).clamp(1, MAX_PAGE) };
    let query = AuditQuery {
        from,
        to,
        actor: nonempty(p.actor),
        action: nonempty(p.action),
        offset: if csv { 0 } else { p.offset.unwrap_or(0).max(0) },
        limit: limit + 1,
    };
    let mut entries = state.store.audit_entries(&query).await.map_err(ApiError::operator)?;
    let more = entries.len() as i64 > limit;
    entries.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let mut rows: Vec<AuditRow> = entries.iter().map(AuditRow::new).collect();
    if csv {
        // A CSV cell holds the changes as their JSON text.
        for r in &mut rows {
            r.changes = Value::String(r.changes.to_string());
        }
        let cols = ["id", "at", "actorId", "actor", "address", "action", "targetType", "targetId", "changes"];
        return Ok(super::csv::attachment("beseda-audit.csv", &cols, &rows));
    }
    Ok(Json(AuditPage { entries: rows, more }).into_response())
}
