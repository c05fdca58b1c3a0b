//! An operator's own card (name, e-mail, photo) and the directory of colleagues and
//! departments the workspace shows in its redirect dialog. With the `hidden_profiles` setting
//! an operator cannot change their own card; supervisors and administrators change it for them
//! through the admin API.

use super::session::{operator_json, OperatorAuth};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use beseda_core::ids::OperatorId;
use beseda_core::settings::is_email;
use beseda_core::state::OperatorRole;
use beseda_store::{AvatarChange, OperatorCard, StoreError};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
pub struct CardBody {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub avatar: Option<String>,
}

impl CardBody {
    /// Checks the card of operator `id`. The photo is an http(s) URL, an uploaded image as a
    /// `data:` URL (JPEG or PNG, at most 100×100 and 64 KB), the path the card already shows
    /// or no `avatar` at all (kept as it is), or empty for none.
    pub fn into_card(self, id: OperatorId) -> ApiResult<OperatorCard> {
        let invalid = |field: &str, why: &str| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-profile", format!("{field}: {why}"))
        };
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(invalid("name", "1 to 100 characters"));
        }
        // Stored in lower case: e-mails are compared without case (log in, uniqueness).
        let email = self.email.trim().to_lowercase();
        if !is_email(&email) {
            return Err(invalid("email", "must be an e-mail address"));
        }
        let own_path = format!("/widget/image/operator-{}?", id.0);
        let avatar = match self.avatar.as_deref().map(str::trim).unwrap_or(&own_path) {
            "" => Some(AvatarChange::Clear),
            a if a.starts_with(&own_path) => None,
            a if a.starts_with("data:") => {
                crate::images::decode(a, crate::images::PHOTO_TYPES)
                    .map_err(|why| invalid("avatar", &format!("must be {why}")))?;
                let path = format!("{own_path}v={}", crate::images::fingerprint(a));
                Some(AvatarChange::Upload { data: a.to_owned(), path })
            }
            a if a.len() <= 2048 && reqwest::Url::parse(a).is_ok_and(|u| ["http", "https"].contains(&u.scheme())) => {
                Some(AvatarChange::Url(a.to_owned()))
            }
            _ => return Err(invalid("avatar", "an http(s) URL of the photo, or an uploaded JPEG or PNG")),
        };
        Ok(OperatorCard { name, email, avatar })
    }
}

/// Saves a card; a taken e-mail is a 409.
pub async fn save_card(state: &AppState, id: OperatorId, card: &OperatorCard) -> ApiResult<Value> {
    let op = state.store.set_operator_card(id, card).await.map_err(|e| match e {
        StoreError::Conflict(_) => {
            ApiError::new(StatusCode::CONFLICT, "email-taken", "another operator has this e-mail")
        }
        StoreError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "operator-not-found", "no such operator"),
        other => ApiError::operator(other),
    })?;
    Ok(operator_json(&op))
}

/// `PUT /api/operator/v1/profile`: the operator's own name, e-mail and photo.
pub async fn put(State(state): State<AppState>, who: OperatorAuth, bytes: axum::body::Bytes) -> ApiResult<Json<Value>> {
    let card = crate::admin::parse::<CardBody>(&bytes)?.into_card(who.operator.id)?;
    if who.operator.role == OperatorRole::Operator {
        let settings = state.store.settings().await.map_err(ApiError::operator)?;
        if settings.hidden_profiles {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "profile-editing-disabled",
                "profiles are edited by supervisors and administrators",
            ));
        }
    }
    Ok(Json(json!({"operator": save_card(&state, who.operator.id, &card).await?})))
}

/// `GET /api/operator/v1/directory`: operators (without bots) with status, departments and
/// languages, and the departments — what a redirect needs.
pub async fn directory(State(state): State<AppState>, _who: OperatorAuth) -> ApiResult<Json<Value>> {
    let operators = state.store.operators().await.map_err(ApiError::operator)?;
    let bots = state.store.bots().await.map_err(ApiError::operator)?;
    let departments = state.store.departments().await.map_err(ApiError::operator)?;
    let people: Vec<Value> = operators
        .iter()
        .filter(|o| !bots.iter().any(|b| b.operator_id == o.id))
        .map(|o| {
            json!({"id": o.id.0, "name": o.name, "status": o.status.as_str(), "departmentKeys": o.department_keys,
                "languages": o.languages, "avatar": o.avatar})
        })
        .collect();
    let deps: Vec<Value> = departments
        .iter()
        .map(|d| json!({"key": d.key, "name": d.name, "localeNames": d.locale_names, "order": d.order}))
        .collect();
    Ok(Json(json!({"operators": people, "departments": deps})))
}
