//! An operator's own card (name, e-mail, photo) and the directory of colleagues and
//! departments the workspace shows in its redirect dialog. With the `hidden_profiles` setting
//! an operator cannot change their own card; supervisors and administrators change it for them
//! through the admin API.

use super::session::OperatorAuth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use beseda_core::ids::OperatorId;
use beseda_core::operator_wire::answers::{OneOperator, OperatorView};
use beseda_core::settings::is_email;
use beseda_core::state::OperatorRole;
use beseda_store::{AvatarChange, OperatorCard, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// An operator's card. In the admin API also `role` (admins only).
#[derive(Deserialize, ToSchema)]
#[schema(as = OperatorCard)]
pub struct CardBody {
    #[schema(max_length = 100)]
    pub name: String,
    #[schema(format = Email)]
    pub email: String,
    /// An http(s) URL, a `data:` URL of a JPEG or PNG (at most 100×100, 64 KB), empty for
    /// none; absent keeps the photo.
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
pub async fn save_card(state: &AppState, id: OperatorId, card: &OperatorCard) -> ApiResult<OperatorView> {
    let op = state.store.set_operator_card(id, card).await.map_err(|e| match e {
        StoreError::Conflict(_) => {
            ApiError::new(StatusCode::CONFLICT, "email-taken", "another operator has this e-mail")
        }
        StoreError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "operator-not-found", "no such operator"),
        other => ApiError::operator(other),
    })?;
    Ok(OperatorView::new(&op))
}

/// `PUT /api/operator/v1/profile`: the operator's own name, e-mail and photo.
pub async fn put(
    State(state): State<AppState>,
    who: OperatorAuth,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<OneOperator>> {
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
    Ok(Json(OneOperator { operator: save_card(&state, who.operator.id, &card).await? }))
}

/// A colleague as the redirect dialog shows them.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Colleague {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub department_keys: Vec<String>,
    pub languages: Vec<String>,
    pub avatar: Option<String>,
}

/// A department as lists show it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentRow {
    /// Only in the admin API.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub key: String,
    pub name: String,
    pub locale_names: BTreeMap<String, String>,
    pub order: i64,
}

impl DepartmentRow {
    pub fn new(d: &beseda_core::model::Department, with_id: bool) -> Self {
        Self {
            id: with_id.then_some(d.id),
            key: d.key.clone(),
            name: d.name.clone(),
            locale_names: d.locale_names.clone(),
            order: d.order,
        }
    }
}

/// Operators and departments.
#[derive(Serialize, ToSchema)]
pub struct Directory {
    pub operators: Vec<Colleague>,
    pub departments: Vec<DepartmentRow>,
}

/// `GET /api/operator/v1/directory`: operators (without bots) with status, departments and
/// languages, and the departments — what a redirect needs.
pub async fn directory(State(state): State<AppState>, _who: OperatorAuth) -> ApiResult<Json<Directory>> {
    let operators = state.store.operators().await.map_err(ApiError::operator)?;
    let bots = state.store.bots().await.map_err(ApiError::operator)?;
    let departments = state.store.departments().await.map_err(ApiError::operator)?;
    let people = operators
        .iter()
        .filter(|o| !bots.iter().any(|b| b.operator_id == o.id))
        .map(|o| Colleague {
            id: o.id.0,
            name: o.name.clone(),
            status: o.status.as_str().to_owned(),
            department_keys: o.department_keys.clone(),
            languages: o.languages.clone(),
            avatar: o.avatar.clone(),
        })
        .collect();
    let departments = departments.iter().map(|d| DepartmentRow::new(d, false)).collect();
    Ok(Json(Directory { operators: people, departments }))
}

/// The operator's own console language.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = InterfaceLang)]
pub struct InterfaceLangBody {
    /// `ru` or `en`; empty: the organisation's main language.
    pub interface_lang: String,
}

/// `PUT /api/operator/v1/interface-lang`: the language the console shows this operator,
/// whatever the `hidden_profiles` setting says (it is a preference, not the card).
pub async fn put_interface_lang(
    State(state): State<AppState>,
    who: OperatorAuth,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<OneOperator>> {
    let b: InterfaceLangBody = crate::admin::parse(&bytes)?;
    if !b.interface_lang.is_empty() {
        crate::admin::interface_language("interfaceLang", &b.interface_lang)?;
    }
    let lang = Some(b.interface_lang.as_str()).filter(|l| !l.is_empty());
    state.store.set_operator_interface_lang(who.operator.id, lang).await.map_err(ApiError::operator)?;
    let op = state
        .store
        .operator(who.operator.id)
        .await
        .map_err(ApiError::operator)?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "operator-not-found", "no such operator"))?;
    Ok(Json(OneOperator { operator: OperatorView::new(&op) }))
}

/// A language of the ISO 639-1 list.
#[derive(Serialize, ToSchema)]
pub struct Language {
    pub code: &'static str,
    /// Its English name.
    pub name: &'static str,
}

/// Every language a chat, placement, template or operator may have, and those the interface
/// has texts in.
#[derive(Serialize, ToSchema)]
pub struct Languages {
    pub languages: Vec<Language>,
    pub interface: Vec<&'static str>,
}

/// `GET /api/operator/v1/languages`: the ISO 639-1 list.
pub async fn languages(_who: OperatorAuth) -> Json<Languages> {
    let languages = beseda_core::languages::ISO_639_1.iter().map(|&(code, name)| Language { code, name }).collect();
    Json(Languages { languages, interface: beseda_core::languages::INTERFACE.to_vec() })
}
