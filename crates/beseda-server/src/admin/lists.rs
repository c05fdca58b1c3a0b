//! What the admin panel lists: departments, bots, placements and channels (administrators).

use super::admin_only;
use crate::error::{ApiError, ApiResult};
use crate::operator::profile::DepartmentRow;
use crate::operator::session::OperatorAuth;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

/// `GET /api/admin/v1/departments`.
/// Every department.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Departments {
    pub departments: Vec<DepartmentRow>,
}

pub async fn departments(State(state): State<AppState>, who: OperatorAuth) -> ApiResult<Json<Departments>> {
    admin_only(&who)?;
    let all = state.store.departments().await.map_err(ApiError::operator)?;
    Ok(Json(Departments { departments: all.iter().map(|d| DepartmentRow::new(d, true)).collect() }))
}

/// `GET /api/admin/v1/bots`.
pub async fn bots(State(state): State<AppState>, who: OperatorAuth) -> ApiResult<Json<Value>> {
    admin_only(&who)?;
    let all = state.store.bots().await.map_err(ApiError::operator)?;
    Ok(Json(json!({"bots": all.iter().map(super::bot_json).collect::<Vec<_>>()})))
}

/// `GET /api/admin/v1/placements`.
pub async fn placements(
    State(state): State<AppState>,
    who: OperatorAuth,
    origin: crate::origin::RequestOrigin,
) -> ApiResult<Json<Value>> {
    admin_only(&who)?;
    let all = state.store.placements().await.map_err(ApiError::operator)?;
    Ok(Json(
        json!({"placements": all.iter().map(|p| super::placements::placement_json(&origin, p)).collect::<Vec<_>>()}),
    ))
}

/// `GET /api/admin/v1/channels`: custom and messenger channels, without their credentials.
pub async fn channels(State(state): State<AppState>, who: OperatorAuth) -> ApiResult<Json<Value>> {
    admin_only(&who)?;
    let all = state.store.channels().await.map_err(ApiError::operator)?;
    let items: Vec<Value> = all
        .iter()
        .map(|c| {
            json!({"key": c.key, "title": c.title, "kind": c.kind, "side": c.side, "callbackUrl": c.callback_url,
                "departmentMode": c.department_mode, "defaultDepartment": c.default_department,
                "allowedDepartments": c.allowed_departments, "operatorId": c.operator_id.map(|o| o.0)})
        })
        .collect();
    Ok(Json(json!({"channels": items})))
}
