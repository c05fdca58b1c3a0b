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
use serde_json::{json, Value};

fn job_json(job: &ExportJob) -> Value {
    let percent = if job.total == 0 { 100 } else { (job.done * 100 / job.total).min(100) };
    json!({"export": job, "percent": if job.state == "done" { 100 } else { percent }})
}

/// `POST /api/admin/v1/integrations/unisender/export`: starts an export (or shows the running one).
pub async fn start(State(state): State<AppState>, who: OperatorAuth, ClientIp(ip): ClientIp) -> ApiResult<Json<Value>> {
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
    Ok(Json(job_json(&job)))
}

/// `GET /api/admin/v1/integrations/unisender/export`: the newest export and how far it got.
pub async fn progress(State(state): State<AppState>, who: OperatorAuth) -> ApiResult<Json<Value>> {
    admin_only(&who)?;
    match state.store.export_job("unisender").await.map_err(ApiError::operator)? {
        Some(job) => Ok(Json(job_json(&job))),
        None => Ok(Json(json!({"export": null, "percent": 0}))),
    }
}
