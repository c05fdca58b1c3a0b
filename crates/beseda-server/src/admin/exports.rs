//! The Unisender «export contacts» button: start the export of every contact in the history
//! to the list of the settings, and watch its progress.

use super::admin_only;
use crate::error::{ApiError, ApiResult};
use crate::operator::session::OperatorAuth;
use crate::state::AppState;
use crate::throttle::ClientIp;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use beseda_store::ExportJob;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

/// An export as the admin panel shows it (the store's job without its cursor).
#[derive(Serialize, ToSchema)]
pub struct ExportView {
    pub id: i64,
    /// The integration: `unisender`.
    pub kind: String,
    /// `running`, `done` or `failed`.
    pub state: String,
    /// Visitors with contact data when the export started, and how many were sent.
    pub total: i64,
    pub done: i64,
    pub error: Option<String>,
    /// Microseconds since the epoch.
    pub created_at: i64,
    pub updated_at: i64,
}

/// The newest export (null: none yet) and how far it got, in percent.
#[derive(Serialize, ToSchema)]
pub struct ExportProgress {
    pub export: Option<ExportView>,
    pub percent: i64,
}

impl ExportProgress {
    fn of(job: Option<&ExportJob>) -> Self {
        let Some(job) = job else {
            return Self { export: None, percent: 0 };
        };
        let percent = if job.total == 0 { 100 } else { (job.done * 100 / job.total).min(100) };
        let export = ExportView {
            id: job.id,
            kind: job.kind.clone(),
            state: job.state.clone(),
            total: job.total,
            done: job.done,
            error: job.error.clone(),
            created_at: job.created_at,
            updated_at: job.updated_at,
        };
        Self { export: Some(export), percent: if job.state == "done" { 100 } else { percent } }
    }
}

/// `POST /api/admin/v1/integrations/unisender/export`: starts an export (or shows the running one).
pub async fn start(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
) -> ApiResult<Json<ExportProgress>> {
    admin_only(&who)?;
    let s = state.store.settings().await.map_err(ApiError::operator)?;
    if !s.crm_targets().contains(&"unisender") {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unisender-not-configured",
            "set the Unisender API key and list name first",
        ));
    }
    let job = state.store.start_export("unisender").await.map_err(ApiError::operator)?;
    state.crm_wake.notify_one();
    let actor = crate::audit::Actor::operator(&who, ip);
    let changes = json!({"state": {"before": null, "after": job.state}, "total": {"before": null, "after": job.total}});
    crate::audit::record(&state, &actor, "export.start", ("export", &job.id), changes).await;
    Ok(Json(ExportProgress::of(Some(&job))))
}

/// `GET /api/admin/v1/integrations/unisender/export`: the newest export and how far it got.
pub async fn progress(State(state): State<AppState>, who: OperatorAuth) -> ApiResult<Json<ExportProgress>> {
    admin_only(&who)?;
    let job = state.store.export_job("unisender").await.map_err(ApiError::operator)?;
    Ok(Json(ExportProgress::of(job.as_ref())))
}
