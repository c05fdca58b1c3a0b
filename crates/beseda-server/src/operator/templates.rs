//! Reply templates as operators see them: every global template, those of the operator's
//! departments and the operator's own, which the operator may add, change and delete (also
//! with hidden profiles on). Global and department templates are edited in the admin API.

use super::session::OperatorAuth;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use beseda_core::operator_wire::answers::Done;
use beseda_store::{StoreError, Template, TemplateOwner};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A template as the API writes it.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Template)]
pub struct TemplateBody {
    /// Absent (0) to create.
    #[serde(default)]
    pub id: i64,
    /// Admin API only: a department's template.
    #[serde(default)]
    pub department_key: Option<String>,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub section: String,
    /// `ru` or `en`.
    pub lang: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub title: String,
    #[schema(max_length = 10000)]
    pub text: String,
}

/// Whose template it is.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TemplateScope {
    Global,
    Department,
    Personal,
}

/// A template as the APIs show it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateView {
    pub id: i64,
    pub scope: TemplateScope,
    /// The department of a department's template.
    pub department_key: Option<String>,
    pub section: String,
    pub lang: String,
    pub title: String,
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct Templates {
    pub templates: Vec<TemplateView>,
}

#[derive(Serialize, ToSchema)]
pub struct OneTemplate {
    pub template: TemplateView,
}

impl TemplateBody {
    /// Checks the fields as seed 003 describes them: text required; title and section
    /// optional; one set per language.
    pub fn into_template(self, owner: TemplateOwner) -> ApiResult<Template> {
        let invalid = |field: &str, why: &str| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-template", format!("{field}: {why}"))
        };
        if self.text.trim().is_empty() || self.text.chars().count() > 10_000 {
            return Err(invalid("text", "1 to 10000 characters"));
        }
        if self.title.chars().count() > 200 || self.section.chars().count() > 100 {
            return Err(invalid("title", "title at most 200 characters, section at most 100"));
        }
        crate::admin::known_language("lang", &self.lang)?;
        Ok(Template {
            id: self.id,
            owner,
            section: self.section.trim().to_owned(),
            lang: self.lang,
            title: self.title.trim().to_owned(),
            text: self.text,
        })
    }
}

/// A template as JSON (what the audit log compares).
pub fn template_json(t: &Template) -> serde_json::Value {
    serde_json::to_value(template_view(t)).unwrap_or_default()
}

pub fn template_view(t: &Template) -> TemplateView {
    let (scope, department) = match &t.owner {
        TemplateOwner::Global => (TemplateScope::Global, None),
        TemplateOwner::Department(key) => (TemplateScope::Department, Some(key.clone())),
        TemplateOwner::Personal(_) => (TemplateScope::Personal, None),
    };
    TemplateView {
        id: t.id,
        scope,
        department_key: department,
        section: t.section.clone(),
        lang: t.lang.clone(),
        title: t.title.clone(),
        text: t.text.clone(),
    }
}

pub fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "template-not-found", "no such template of yours")
}

pub(crate) fn stored(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => not_found(),
        other => ApiError::operator(other),
    }
}

/// `GET /api/operator/v1/templates`.
pub async fn list(State(state): State<AppState>, who: OperatorAuth) -> ApiResult<Json<Templates>> {
    let all = state.store.templates(Some(&who.operator)).await.map_err(ApiError::operator)?;
    Ok(Json(Templates { templates: all.iter().map(template_view).collect() }))
}

/// `PUT /api/operator/v1/templates`: adds (no `id`) or changes one of the operator's own.
pub async fn put(
    State(state): State<AppState>,
    who: OperatorAuth,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<OneTemplate>> {
    let b: TemplateBody = crate::admin::parse(&bytes)?;
    let t = b.into_template(TemplateOwner::Personal(who.operator.id))?;
    let saved = state.store.save_template(&t).await.map_err(stored)?;
    Ok(Json(OneTemplate { template: template_view(&saved) }))
}

/// `DELETE /api/operator/v1/templates/{id}`: one of the operator's own.
pub async fn delete(State(state): State<AppState>, who: OperatorAuth, Path(id): Path<i64>) -> ApiResult<Json<Done>> {
    let owner = TemplateOwner::Personal(who.operator.id);
    if !state.store.delete_template(id, Some(&owner)).await.map_err(ApiError::operator)? {
        return Err(not_found());
    }
    Ok(Json(Done::default()))
}
