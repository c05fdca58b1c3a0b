//! Post-chat surveys (admin): create, change and delete the surveys visitors are offered after
//! a chat (visitor-api.md §9.8). Administrators only.

use super::admin_only;
use crate::audit;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::operator::session::OperatorAuth;
use crate::state::AppState;
use crate::throttle::ClientIp;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use beseda_core::operator_wire::answers::Done;
use beseda_core::survey::{Form, Problem, Survey};
use beseda_store::StoreError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// A survey as the admin API shows and takes it.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SurveyBody {
    /// Absent (0) to create; given to change that survey. Ignored on reading.
    #[serde(default)]
    pub id: i64,
    #[schema(max_length = 200)]
    pub title: String,
    /// Offered at all (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Offered after chats of this department only (null: any).
    #[serde(default)]
    pub department_key: Option<String>,
    /// Offered after chats in this language only, an ISO 639-1 code (null: any).
    #[serde(default)]
    pub lang: Option<String>,
    /// Grows with every change (set by the server).
    #[serde(default)]
    pub version: i64,
    /// 1 to 10 forms of 1 to 20 questions; form ids are set by the server (1, 2, …).
    pub forms: Vec<Form>,
}

fn yes() -> bool {
    true
}

impl SurveyBody {
    pub fn view(s: &Survey) -> Self {
        Self {
            id: s.id,
            title: s.title.clone(),
            enabled: s.enabled,
            department_key: s.department_key.clone(),
            lang: s.lang.clone(),
            version: s.version,
            forms: s.forms.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SurveyList {
    pub surveys: Vec<SurveyBody>,
}

#[derive(Serialize, ToSchema)]
pub struct OneSurvey {
    pub survey: SurveyBody,
}

fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not-found", "no such survey")
}

/// A survey refused: `422` with the problem's code, and "where: why" (`forms[0].questions[1].options:
/// …`) for people and for the panel to mark the control.
fn refused(p: Problem) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, p.code, format!("{}: {}", p.path(), p.why))
}

fn json_of(s: &Survey) -> Value {
    serde_json::to_value(SurveyBody::view(s)).unwrap_or(Value::Null)
}

/// `GET /api/admin/v1/surveys`.
pub async fn list(State(state): State<AppState>, who: OperatorAuth) -> ApiResult<Json<SurveyList>> {
    admin_only(&who)?;
    let all = state.store.surveys().await.map_err(ApiError::operator)?;
    Ok(Json(SurveyList { surveys: all.iter().map(SurveyBody::view).collect() }))
}

/// `PUT /api/admin/v1/surveys`: creates a survey (no `id`) or changes one.
pub async fn put(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<OneSurvey>> {
    admin_only(&who)?;
    let b: SurveyBody = super::parse(&bytes)?;
    let blank = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let mut survey = Survey {
        id: b.id,
        title: b.title,
        enabled: b.enabled,
        department_key: blank(b.department_key),
        lang: blank(b.lang),
        version: 0,
        forms: b.forms,
        updated_at: 0,
    };
    survey.tidy();
    survey.problems().map_err(refused)?;
    if let Some(lang) = &survey.lang {
        super::known_language("lang", lang)?;
    }
    if let Some(key) = &survey.department_key {
        let departments = state.store.departments().await.map_err(ApiError::operator)?;
        if !departments.iter().any(|d| &d.key == key) {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "department-not-found",
                "departmentKey: no such department",
            ));
        }
    }
    let all = state.store.surveys().await.map_err(ApiError::operator)?;
    let before = all.iter().find(|s| survey.id != 0 && s.id == survey.id).map_or(Value::Null, json_of);
    if survey.id != 0 && before.is_null() {
        return Err(not_found());
    }
    let saved = state.store.save_survey(&survey).await.map_err(|e| match e {
        StoreError::NotFound => not_found(),
        other => ApiError::operator(other),
    })?;
    let action = if before.is_null() { "survey.create" } else { "survey.update" };
    let changes = audit::diff(&before, &json_of(&saved));
    audit::record(&state, &audit::Actor::operator(&who, ip), action, ("survey", &saved.id), changes).await;
    Ok(Json(OneSurvey { survey: SurveyBody::view(&saved) }))
}

/// `DELETE /api/admin/v1/surveys/{id}`: the survey is offered no more; answers given stay.
pub async fn delete(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> ApiResult<Json<Done>> {
    admin_only(&who)?;
    let all = state.store.surveys().await.map_err(ApiError::operator)?;
    let Some(s) = all.iter().find(|s| s.id == id) else { return Err(not_found()) };
    if !state.store.delete_survey(id).await.map_err(ApiError::operator)? {
        return Err(not_found());
    }
    let changes = audit::diff(&json_of(s), &Value::Null);
    audit::record(&state, &audit::Actor::operator(&who, ip), "survey.delete", ("survey", &id), changes).await;
    Ok(Json(Done::default()))
}

#[cfg(test)]
mod tests {
    /// The admin panel has a Russian and an English text for every refusal of a survey.
    #[test]
    fn every_refusal_has_texts_in_the_admin_panel() {
        let texts = include_str!("../../console/admin/texts.js");
        let codes = beseda_core::survey::PROBLEM_CODES.iter().chain(&["department-not-found"]);
        for code in codes {
            let entry = texts.lines().find(|l| l.contains(&format!("'err.{code}': ['"))).unwrap_or_default();
            assert!(entry.contains("', '"), "err.{code} needs a Russian and an English text in texts.js");
        }
    }
}
