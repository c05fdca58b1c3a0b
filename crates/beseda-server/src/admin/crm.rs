//! Whether the CRM integrations work: the state each one was last seen in (by a call for a new
//! chat or by a check), and the «check connection» action that calls the service now.

use super::admin_only;
use crate::crm::{self, oauth::Connection};
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::operator::session::OperatorAuth;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// One integration's connection.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CrmState {
    /// `zendesk`, `amocrm` or `zoho`.
    pub service: String,
    /// Whether its settings are filled in enough to be called.
    pub configured: bool,
    #[serde(flatten)]
    pub connection: Connection,
}

/// Every checked integration.
#[derive(Serialize, ToSchema)]
pub struct CrmStates {
    pub integrations: Vec<CrmState>,
}

/// `GET /api/admin/v1/integrations/crm`: how each integration was last seen.
pub async fn states(State(state): State<AppState>, who: OperatorAuth) -> ApiResult<Json<CrmStates>> {
    admin_only(&who)?;
    let s = state.store.settings().await.map_err(ApiError::operator)?;
    let targets = s.crm_targets();
    let mut integrations = Vec::new();
    for service in crm::CHECKED {
        let connection = crm::oauth::connection(&state, service).await.map_err(ApiError::operator)?;
        integrations.push(CrmState { service: service.into(), configured: targets.contains(&service), connection });
    }
    Ok(Json(CrmStates { integrations }))
}

/// `POST /api/admin/v1/integrations/crm/{service}/check`: calls the service with the saved settings
/// and answers how it went (also kept as its state).
pub async fn check(
    State(state): State<AppState>,
    who: OperatorAuth,
    Path(service): Path<String>,
) -> ApiResult<Json<CrmState>> {
    admin_only(&who)?;
    let Some(service) = crm::CHECKED.into_iter().find(|s| *s == service) else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "unknown-integration", "zendesk, amocrm or zoho"));
    };
    let s = state.store.settings().await.map_err(ApiError::operator)?;
    if !s.crm_targets().contains(&service) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "crm-not-configured",
            format!("fill in and save the {service} settings first"),
        ));
    }
    let connection = crm::check(&state, &s, service).await.map_err(ApiError::operator)?;
    Ok(Json(CrmState { service: service.into(), configured: true, connection }))
}
