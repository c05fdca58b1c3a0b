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
use beseda_store::{StoreError, Template, TemplateOwner};
use serde::Deserialize;
use serde_json::{json, Value};

/// A template as the API writes it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateBody {
    #[serde(default)]
    pub id: i64,
    #[serde(default)]
    pub department_key: Option<String>,
    #[serde(default)]
    pub section: String,
    pub lang: String,
    #[serde(default)]
    pub title: String,
    pub text: String,
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
        if !["ru", "en"].contains(&self.lang.as_str()) {
            return Err(invalid("lang", "must be ru or en"));
        }
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

pub fn template_json(t: &Template) -> Value {
    let (scope, department) = match &t.owner {
        TemplateOwner::Global => ("global", None),
        TemplateOwner::Department(key) => ("department", Some(key.as_str())),
        TemplateOwner::Personal(_) => ("personal", None),
    };
    json!({"id": t.id, "scope": scope, "departmentKey": department, "section": t.section, "lang": t.lang,
        "title": t.title, "text": t.text})
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
pub async fn list(State(state): State<AppState>, who: OperatorAuth) -> ApiResult<Json<Value>> {
    let all = state.store.templates(Some(&who.operator)).await.map_err(ApiError::operator)?;
    Ok(Json(json!({"templates": all.iter().map(template_json).collect::<Vec<_>>()})))
}

/// `PUT /api/operator/v1/templates`: adds (no `id`) or changes one of the operator's own.
pub async fn put(State(state): State<AppState>, who: OperatorAuth, bytes: axum::body::Bytes) -> ApiResult<Json<Value>> {
    let b: TemplateBody = crate::admin::parse(&bytes)?;
    let t = b.into_template(TemplateOwner::Personal(who.operator.id))?;
    let saved = state.store.save_template(&t).await.map_err(stored)?;
    Ok(Json(json!({"template": template_json(&saved)})))
}

/// `DELETE /api/operator/v1/templates/{id}`: one of the operator's own.
pub async fn delete(State(state): State<AppState>, who: OperatorAuth, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    let owner = TemplateOwner::Personal(who.operator.id);
    if !state.store.delete_template(id, Some(&owner)).await.map_err(ApiError::operator)? {
        return Err(not_found());
    }
    Ok(Json(json!({"result": "ok"})))
}
