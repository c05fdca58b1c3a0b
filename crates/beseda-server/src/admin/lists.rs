//! What the admin panel lists: departments, bots, placements and channels (administrators).

use super::admin_only;
use super::bots::BotView;
use super::channels::ChannelView;
use super::placements::PlacementView;
use crate::error::{ApiError, ApiResult};
use crate::operator::profile::DepartmentRow;
use crate::operator::session::OperatorAuth;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;

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

/// Every bot, with its token.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Bots {
    pub bots: Vec<BotView>,
}

/// `GET /api/admin/v1/bots`.
pub async fn bots(State(state): State<AppState>, who: OperatorAuth) -> ApiResult<Json<Bots>> {
    admin_only(&who)?;
    let all = state.store.bots().await.map_err(ApiError::operator)?;
    Ok(Json(Bots { bots: all.iter().map(BotView::new).collect() }))
}

/// Every placement, with its embed code.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Placements {
    pub placements: Vec<PlacementView>,
}

/// `GET /api/admin/v1/placements`.
pub async fn placements(
    State(state): State<AppState>,
    who: OperatorAuth,
    origin: crate::origin::RequestOrigin,
) -> ApiResult<Json<Placements>> {
    admin_only(&who)?;
    let all = state.store.placements().await.map_err(ApiError::operator)?;
    Ok(Json(Placements { placements: all.iter().map(|p| PlacementView::new(&origin, p)).collect() }))
}

/// Every channel, without its secret and credentials.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Channels {
    pub channels: Vec<ChannelView>,
}

/// `GET /api/admin/v1/channels`: custom and messenger channels, without their credentials.
pub async fn channels(State(state): State<AppState>, who: OperatorAuth) -> ApiResult<Json<Channels>> {
    admin_only(&who)?;
    let all = state.store.channels().await.map_err(ApiError::operator)?;
    Ok(Json(Channels { channels: all.iter().map(ChannelView::new).collect() }))
}
