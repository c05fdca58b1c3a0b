//! The Operators page: the list (supervisors and administrators), new operators and roles
//! (administrators), and operators' cards, which supervisors and administrators edit whatever
//! the `hidden_profiles` setting says. A supervisor does not edit an administrator.

use super::{admin_only, interface_language, invalid, parse, spoken_languages, supervisor_up};
use crate::audit::{self, Actor};
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::operator::profile::{save_card, CardBody};
use crate::operator::session::{operator_json, set_password, OperatorAuth};
use crate::state::AppState;
use crate::throttle::ClientIp;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use beseda_core::ids::OperatorId;
use beseda_core::model::Operator;
use beseda_core::operator_wire::answers::{Done, Ok as Result_, OneOperator, OperatorView, Operators};
use beseda_core::state::OperatorRole;
use beseda_store::{NewOperator, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

/// `GET /api/admin/v1/operators`.
pub async fn list(State(state): State<AppState>, who: OperatorAuth) -> ApiResult<Json<Operators>> {
    supervisor_up(&who)?;
    let ops = state.store.operators().await.map_err(ApiError::operator)?;
    Ok(Json(Operators { operators: ops.iter().map(OperatorView::new).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NewOperator)]
pub struct NewOperatorBody {
    pub email: String,
    pub name: String,
    #[schema(min_length = 8)]
    pub password: String,
    /// `operator` (the default), `supervisor` or `admin`.
    #[serde(default = "default_role")]
    pub role: String,
    #[serde(default)]
    pub department_keys: Vec<String>,
    /// ISO 639-1 codes; absent: the organisation's main language.
    pub languages: Option<Vec<String>>,
    pub max_chats: Option<i64>,
    /// The console language, `ru` or `en`; absent: the organisation's main language.
    pub interface_lang: Option<String>,
}

fn default_role() -> String {
    "operator".into()
}

fn role(text: &str) -> ApiResult<OperatorRole> {
    OperatorRole::parse(text).ok_or_else(|| invalid("role", "operator, supervisor or admin"))
}

/// `POST /api/admin/v1/operators`: a new operator account.
pub async fn create(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<OneOperator>> {
    admin_only(&who)?;
    let b: NewOperatorBody = parse(&bytes)?;
    let card = CardBody { name: b.name, email: b.email, avatar: None }.into_card(OperatorId(0))?;
    if b.password.chars().count() < 8 || b.password.len() > 200 {
        return Err(invalid("password", "at least 8 characters"));
    }
    let settings = state.store.settings().await.map_err(ApiError::operator)?;
    let languages = b.languages.unwrap_or_else(|| vec![settings.default_lang.clone()]);
    spoken_languages(&languages)?;
    if let Some(lang) = &b.interface_lang {
        interface_language("interfaceLang", lang)?;
    }
    if b.max_chats.is_some_and(|m| !(1..=100).contains(&m)) {
        return Err(invalid("maxChats", "must be 1 to 100"));
    }
    let new = NewOperator {
        email: card.email,
        name: card.name,
        role: role(&b.role)?,
        password_hash: auth::hash_password(b.password).await.map_err(|e| ApiError::internal(e.as_str()))?,
        languages,
        department_keys: b.department_keys,
        max_chats: b.max_chats,
        must_change_password: false,
    };
    let op = state.store.create_operator(&new).await.map_err(|e| match e {
        StoreError::Conflict(_) => {
            ApiError::new(StatusCode::CONFLICT, "email-taken", "another operator has this e-mail")
        }
        other => ApiError::operator(other),
    })?;
    let op = match b.interface_lang {
        Some(lang) => {
            state.store.set_operator_interface_lang(op.id, Some(&lang)).await.map_err(ApiError::operator)?;
            Operator { interface_lang: Some(lang), ..op }
        }
        None => op,
    };
    let mut changes = audit::created(&operator_json(&op));
    changes["password"] = json!({"before": null, "after": audit::MASK});
    audit::record(&state, &Actor::operator(&who, ip), "operator.create", ("operator", &op.id.0), changes).await;
    Ok(Json(OneOperator { operator: OperatorView::new(&op) }))
}

/// An operator's card as an admin changes it: `role` too (admins only).
#[derive(Deserialize, ToSchema)]
pub struct AdminCard {
    #[serde(flatten)]
    card: CardBody,
    /// `operator`, `supervisor` or `admin`.
    role: Option<String>,
    /// The console language, `ru` or `en`; empty: the organisation's main language; absent:
    /// unchanged.
    #[serde(default, rename = "interfaceLang")]
    interface_lang: Option<String>,
}

/// A one-time password: the operator must replace it at the next login.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemporaryPassword {
    pub temporary_password: String,
}

/// Two-factor authentication is off; whether it was on.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorReset {
    pub result: Result_,
    pub was_enabled: bool,
}

/// `PUT /api/admin/v1/operators/{id}`: name, e-mail and photo of any operator; `role` too for
/// administrators.
pub async fn put(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<OneOperator>> {
    supervisor_up(&who)?;
    let b: AdminCard = parse(&bytes)?;
    let id = OperatorId(id);
    let target = state
        .store
        .operator(id)
        .await
        .map_err(ApiError::operator)?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "operator-not-found", "no such operator"))?;
    let forbidden = |why: &str| ApiError::new(StatusCode::FORBIDDEN, "forbidden", why.to_owned());
    if who.operator.role != OperatorRole::Admin && target.role == OperatorRole::Admin {
        return Err(forbidden("only administrators edit administrators"));
    }
    let new_role = b.role.as_deref().map(role).transpose()?.filter(|r| *r != target.role);
    if new_role.is_some() {
        admin_only(&who)?;
        if id == who.operator.id {
            return Err(invalid("role", "you cannot change your own role"));
        }
    }
    let card = b.card.into_card(id)?;
    // Everything checked before anything is written: a refused card (an e-mail taken) leaves
    // the interface language as it was too.
    if let Some(lang) = b.interface_lang.as_deref().filter(|l| !l.is_empty()) {
        interface_language("interfaceLang", lang)?;
    }
    let mut answer = save_card(&state, id, &card).await?;
    if let Some(lang) = b.interface_lang.as_deref() {
        let lang = Some(lang).filter(|l| !l.is_empty());
        state.store.set_operator_interface_lang(id, lang).await.map_err(ApiError::operator)?;
        answer.interface_lang = lang.map(str::to_owned);
    }
    if let Some(r) = new_role {
        state.store.set_operator_role(id, r).await.map_err(ApiError::operator)?;
        answer.role = r.as_str().to_owned();
    }
    let action = if new_role.is_some() { "operator.role" } else { "operator.update" };
    let card_of = |v: &Value| {
        json!({"name": v["name"], "email": v["email"], "avatar": v["avatar"], "role": v["role"],
            "interfaceLang": v["interfaceLang"]})
    };
    let after = serde_json::to_value(&answer).map_err(ApiError::internal)?;
    let changes = audit::diff(&card_of(&operator_json(&target)), &card_of(&after));
    audit::record(&state, &Actor::operator(&who, ip), action, ("operator", &id.0), changes).await;
    Ok(Json(OneOperator { operator: answer }))
}

/// The operator `id` as an administrator may change their access: not oneself (so the acting
/// administrator always remains).
async fn access_target(state: &AppState, who: &OperatorAuth, id: i64) -> ApiResult<Operator> {
    admin_only(who)?;
    let id = OperatorId(id);
    if id == who.operator.id {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "own-account",
            "change your own password in your profile; another administrator deactivates or deletes your account",
        ));
    }
    state
        .store
        .operator(id)
        .await
        .map_err(ApiError::operator)?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "operator-not-found", "no such operator"))
}

/// A store error of a change to an account; a deleted account is not found.
fn account_error(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "operator-not-found", "no such operator"),
        other => ApiError::operator(other),
    }
}

/// Returns the open chats of an operator who can no longer work to the queue.
async fn requeue_chats(state: &AppState, target: &Operator) -> ApiResult<()> {
    use beseda_store::{ChatList, Redirect, RedirectTarget};
    let chats = state.store.operator_chats(target, ChatList::Mine).await.map_err(ApiError::operator)?;
    let to_queue =
        Redirect { target: RedirectTarget::Queue, language: None, allow_offline: true, allow_invisible: true };
    for chat in chats {
        match state.store.redirect(target.id, chat.chat.id, &to_queue).await {
            Ok(changes) => state.publish(changes),
            // Closed or moved meanwhile: nothing to return.
            Err(StoreError::Domain(_)) => {}
            Err(e) => return Err(ApiError::operator(e)),
        }
    }
    Ok(())
}

/// Records a deactivation or reactivation.
async fn record_active(state: &AppState, actor: &Actor, target: &Operator, active: bool) {
    let action = if active { "operator.activate" } else { "operator.deactivate" };
    let changes = json!({"active": {"before": target.active, "after": active}});
    audit::record(state, actor, action, ("operator", &target.id.0), changes).await;
}

/// `POST /api/admin/v1/operators/{id}/password-reset`: a one-time password the operator must
/// replace at the next login; every session and token of theirs ends. The password is in this
/// answer only.
pub async fn reset_password(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> ApiResult<Json<TemporaryPassword>> {
    let target = access_target(&state, &who, id).await?;
    let password = auth::one_time_password();
    set_password(&state, target.id, password.clone(), true, None).await?;
    let changes = json!({"password": {"before": audit::MASK, "after": audit::MASK}, "mustChangePassword": {"before": null, "after": true}});
    audit::record(&state, &Actor::operator(&who, ip), "operator.password_reset", ("operator", &id), changes).await;
    Ok(Json(TemporaryPassword { temporary_password: password }))
}

/// `POST /api/admin/v1/operators/{id}/deactivate`: no login, sessions and tokens end at once,
/// open chats go back to the queue; the account and its history stay.
pub async fn deactivate(
    State(state): State<AppState>,
    who: OperatorAuth,
    ip: ClientIp,
    Path(id): Path<i64>,
) -> ApiResult<Json<OneOperator>> {
    set_active(&state, &who, ip, id, false).await
}

/// `POST /api/admin/v1/operators/{id}/activate`.
pub async fn activate(
    State(state): State<AppState>,
    who: OperatorAuth,
    ip: ClientIp,
    Path(id): Path<i64>,
) -> ApiResult<Json<OneOperator>> {
    set_active(&state, &who, ip, id, true).await
}

async fn set_active(
    state: &AppState,
    who: &OperatorAuth,
    ClientIp(ip): ClientIp,
    id: i64,
    active: bool,
) -> ApiResult<Json<OneOperator>> {
    let target = access_target(state, who, id).await?;
    if !active {
        requeue_chats(state, &target).await?;
    }
    let changes = state.store.set_operator_active(target.id, active).await.map_err(account_error)?;
    state.publish(changes);
    record_active(state, &Actor::operator(who, ip), &target, active).await;
    Ok(Json(OneOperator { operator: OperatorView::new(&Operator { active, ..target }) }))
}

/// `POST /api/admin/v1/operators/{id}/2fa-reset`: turns off another account's two-factor
/// authentication (its recovery codes go too); they log in with the password and may set it up
/// again.
pub async fn reset_two_factor(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> ApiResult<Json<TwoFactorReset>> {
    let target = access_target(&state, &who, id).await?;
    let was_on = state.store.disable_two_factor(target.id).await.map_err(account_error)?;
    let changes = audit::diff(&json!({"twoFactor": was_on}), &json!({"twoFactor": false}));
    audit::record(&state, &Actor::operator(&who, ip), "operator.2fa_reset", ("operator", &target.id.0), changes).await;
    Ok(Json(TwoFactorReset { result: Result_::Ok, was_enabled: was_on }))
}

/// `DELETE /api/admin/v1/operators/{id}`: gone from every list and login, sessions and tokens
/// end, open chats go back to the queue; chats and messages keep the name.
pub async fn delete(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> ApiResult<Json<Done>> {
    let target = access_target(&state, &who, id).await?;
    requeue_chats(&state, &target).await?;
    let changes = state.store.delete_operator(target.id).await.map_err(account_error)?;
    state.publish(changes);
    let changes = audit::diff(&operator_json(&target), &Value::Null);
    audit::record(&state, &Actor::operator(&who, ip), "operator.delete", ("operator", &id), changes).await;
    Ok(Json(Done::default()))
}
