//! Global and department reply templates (admin).

use super::admin_only;
use crate::audit;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::operator::session::OperatorAuth;
use crate::operator::templates::{
    not_found, stored, template_json, template_view, OneTemplate, TemplateBody, Templates,
};
use crate::state::AppState;
use crate::throttle::ClientIp;
use axum::extract::State;
use axum::Json;
use beseda_core::operator_wire::answers::Done;
use beseda_store::TemplateOwner;
use serde_json::Value;

/// `GET /api/admin/v1/templates`: every global and department template.
pub async fn list(State(state): State<AppState>, who: OperatorAuth) -> ApiResult<Json<Templates>> {
    admin_only(&who)?;
    let all = state.store.templates(None).await.map_err(ApiError::operator)?;
    Ok(Json(Templates { templates: all.iter().map(template_view).collect() }))
}

/// `PUT /api/admin/v1/templates`: a global template, or a department's with `departmentKey`.
pub async fn put(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<OneTemplate>> {
    admin_only(&who)?;
    let b: TemplateBody = super::parse(&bytes)?;
    let owner = match b.department_key.clone().filter(|k| !k.is_empty()) {
        Some(key) => TemplateOwner::Department(key),
        None => TemplateOwner::Global,
    };
    let new = b.into_template(owner)?;
    let all = state.store.templates(None).await.map_err(ApiError::operator)?;
    let before = all.iter().find(|t| new.id != 0 && t.id == new.id).map_or(Value::Null, template_json);
    let saved = state.store.save_template(&new).await.map_err(stored)?;
    let action = if before.is_null() { "template.create" } else { "template.update" };
    let changes = audit::diff(&before, &template_json(&saved));
    audit::record(&state, &audit::Actor::operator(&who, ip), action, ("template", &saved.id), changes).await;
    Ok(Json(OneTemplate { template: template_view(&saved) }))
}

/// `DELETE /api/admin/v1/templates/{id}`: a global or department template.
pub async fn delete(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> ApiResult<Json<Done>> {
    admin_only(&who)?;
    let shared = state.store.templates(None).await.map_err(ApiError::operator)?;
    let Some(t) = shared.iter().find(|t| t.id == id) else { return Err(not_found()) };
    state.store.delete_template(id, Some(&t.owner)).await.map_err(ApiError::operator)?;
    let changes = audit::diff(&template_json(t), &Value::Null);
    audit::record(&state, &audit::Actor::operator(&who, ip), "template.delete", ("template", &id), changes).await;
    Ok(Json(Done::default()))
}
