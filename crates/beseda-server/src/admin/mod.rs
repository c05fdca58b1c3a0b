//! The admin API (`/api/admin/v1`): organisation settings, departments, operators' routing
//! profile and bots. Admins only; the role is checked here, not just hidden in a UI.

use crate::audit;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::operator::session::{operator_json, OperatorAuth};
use crate::state::AppState;
use crate::throttle::ClientIp;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use beseda_core::ids::{is_valid_key, OperatorId};
use beseda_core::model::Department;
use beseda_core::operator_wire::answers::{Done, OperatorView};
use beseda_core::settings::{email_list, is_email, normalize_url, OrgSettings};
use beseda_core::state::OperatorRole;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use utoipa::ToSchema;

pub mod audit_log;
pub mod blocks;
pub mod bots;
pub mod channels;
pub mod crm;
mod csv;
pub mod exports;
pub mod history;
pub mod lists;
pub mod operators;
pub mod placements;
pub mod stats;
pub mod survey_results;
pub mod surveys;
pub mod templates;
pub mod webhooks;

pub(crate) fn admin_only(who: &OperatorAuth) -> ApiResult<()> {
    if who.operator.role == OperatorRole::Admin {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "only administrators may do this"))
    }
}

/// Supervisors and administrators only.
pub(crate) fn supervisor_up(who: &OperatorAuth) -> ApiResult<()> {
    if who.operator.role == OperatorRole::Operator {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "supervisors and administrators only"));
    }
    Ok(())
}

pub(crate) fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid-json", e.to_string()))
}

pub(crate) fn invalid(field: &str, why: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-setting", format!("{field}: {why}"))
}

/// `code` in `field` is an ISO 639-1 language code; anything else is a 422
/// `unknown-language`.
pub(crate) fn known_language(field: &str, code: &str) -> ApiResult<()> {
    if beseda_core::languages::is_known(code) {
        return Ok(());
    }
    let shown: String = code.chars().take(16).collect();
    Err(ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown-language",
        format!("{field}: `{shown}` is not an ISO 639-1 language code"),
    ))
}

/// An operator's spoken languages: one or more ISO 639-1 codes, none twice.
pub(crate) fn spoken_languages(languages: &[String]) -> ApiResult<()> {
    if languages.is_empty() || languages.len() > 50 {
        return Err(invalid("languages", "one to 50 ISO 639-1 codes"));
    }
    for (i, l) in languages.iter().enumerate() {
        known_language("languages", l)?;
        if languages[..i].contains(l) {
            return Err(invalid("languages", "a language twice"));
        }
    }
    Ok(())
}

/// An interface language: one the console and the widget have texts in.
pub(crate) fn interface_language(field: &str, code: &str) -> ApiResult<()> {
    known_language(field, code)?;
    if !beseda_core::languages::INTERFACE.contains(&code) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unsupported-interface-language",
            format!("{field}: the interface exists in ru and en"),
        ));
    }
    Ok(())
}

/// Checks a settings document as the admin panel would.
pub fn validate(s: &OrgSettings) -> ApiResult<()> {
    if s.name.trim().is_empty() {
        return Err(invalid("name", "must not be empty"));
    }
    known_language("default_lang", &s.default_lang)?;
    if s.button_probability > 100 {
        return Err(invalid("button_probability", "is a percentage, 0 to 100"));
    }
    if !(1..=10_000).contains(&s.max_message_length) {
        return Err(invalid("max_message_length", "must be 1 to 10000"));
    }
    if !(1..=100).contains(&s.max_chats_per_operator) {
        return Err(invalid("max_chats_per_operator", "must be 1 to 100"));
    }
    if s.max_visitor_upload_file_size == 0 || s.max_visitor_upload_file_size > 50 {
        return Err(invalid("max_visitor_upload_file_size", "must be 1 to 50 MB"));
    }
    let day = 24 * 3600;
    for (name, v) in [
        ("first_answer_timeout_secs", s.first_answer_timeout_secs),
        ("operator_response_timeout_secs", s.operator_response_timeout_secs),
        ("refusal_timeout_secs", s.refusal_timeout_secs),
        ("auto_close_timeout_secs", s.auto_close_timeout_secs),
        ("closed_by_operator_timeout_secs", s.closed_by_operator_timeout_secs),
        ("reassign_timeout_secs", s.reassign_timeout_secs),
    ] {
        if v > 30 * day {
            return Err(invalid(name, "must be at most 30 days (in seconds)"));
        }
    }
    if beseda_core::provided_visitor::HashAlgorithm::parse(&s.provided_visitor_hash_algorithm).is_none() {
        return Err(invalid("provided_visitor_hash_algorithm", "must be hmac-sha256, sha256, sha-512 or md5"));
    }
    let crm = &s.crm_link_template;
    if !crm.is_empty() && (normalize_url(crm).is_empty() || !crm.contains("{id}")) {
        return Err(invalid("crm_link_template", "must be an http(s) URL containing {id}"));
    }
    if !s.site_url.is_empty() && !is_http_url(&s.site_url) {
        return Err(invalid("site_url", "must be an http(s) URL"));
    }
    for (name, url, types) in
        [("logo", &s.logo, crate::images::LOGO_TYPES), ("lead_photo", &s.lead_photo, crate::images::PHOTO_TYPES)]
    {
        if !url.is_empty() {
            crate::images::decode(url, types).map_err(|why| invalid(name, &format!("must be {why}")))?;
        }
    }
    if s.auto_invitation_text.chars().count() > 500 {
        return Err(invalid("auto_invitation_text", "at most 500 characters"));
    }
    if s.auto_invitation_delay_secs > 3600 {
        return Err(invalid("auto_invitation_delay_secs", "at most 3600 seconds"));
    }
    if let Err(e) = beseda_core::ip_allowlist::Allowlist::parse(&s.ip_allowlist) {
        return Err(invalid("ip_allowlist", &e.to_string()));
    }
    if !beseda_core::local_time::is_zone(&s.time_zone) {
        return Err(invalid("time_zone", "must be an IANA time zone such as Europe/Moscow"));
    }
    if beseda_core::local_time::parse_hh_mm(&s.daily_report_time).is_none() {
        return Err(invalid("daily_report_time", "must be HH:MM, 00:00 to 23:59"));
    }
    for (name, list) in [
        ("email_left_messages", &s.email_left_messages),
        ("email_negative_feedback", &s.email_negative_feedback),
        ("email_daily_reports", &s.email_daily_reports),
    ] {
        if let Some(bad) = email_list(list).into_iter().find(|a| !is_email(a)) {
            return Err(invalid(name, &format!("{bad:?} is not an e-mail address (separate addresses with commas)")));
        }
    }
    for (name, account) in [("zendesk_subdomain", &s.zendesk_subdomain), ("amocrm_account", &s.amocrm_account)] {
        if !account.trim().chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(invalid(name, "the account name from the service's address: letters, digits and hyphens"));
        }
    }
    if !s.zendesk_login.trim().is_empty() && !is_email(s.zendesk_login.trim()) {
        return Err(invalid("zendesk_login", "must be an e-mail address"));
    }
    if !beseda_core::settings::ZOHO_DATA_CENTERS.iter().any(|d| d.0 == s.zoho_data_center) {
        return Err(invalid("zoho_data_center", "must be com, eu, in, com.au, jp, ca, sa or com.cn"));
    }
    if !s.amocrm_redirect_uri.trim().is_empty() && !is_http_url(s.amocrm_redirect_uri.trim()) {
        return Err(invalid("amocrm_redirect_uri", "must be the http(s) redirect URI of the amoCRM integration"));
    }
    for (name, value) in [
        ("zendesk_api_token", &s.zendesk_api_token),
        ("zendesk_oauth_token", &s.zendesk_oauth_token),
        ("amocrm_long_lived_token", &s.amocrm_long_lived_token),
        ("amocrm_client_id", &s.amocrm_client_id),
        ("amocrm_client_secret", &s.amocrm_client_secret),
        ("amocrm_auth_code", &s.amocrm_auth_code),
        ("zoho_client_id", &s.zoho_client_id),
        ("zoho_client_secret", &s.zoho_client_secret),
        ("zoho_refresh_token", &s.zoho_refresh_token),
        ("zoho_lead_source", &s.zoho_lead_source),
    ] {
        if value.chars().count() > 4096 || value.chars().any(char::is_control) {
            return Err(invalid(name, "one line of at most 4096 characters"));
        }
    }
    for (name, url) in [
        ("chat_started_handler_url", &s.chat_started_handler_url),
        ("chat_assigned_handler_url", &s.chat_assigned_handler_url),
        ("chat_closed_handler_url", &s.chat_closed_handler_url),
        ("chat_events_handler_url", &s.chat_events_handler_url),
    ] {
        if !url.trim().is_empty() && !is_http_url(url.trim()) {
            return Err(invalid(name, "must be an http(s) URL"));
        }
    }
    if s.busy_message.trim().is_empty() {
        return Err(invalid("busy_message", "must not be empty"));
    }
    if s.categories.first().is_some_and(|c| c.starts_with(' ')) {
        return Err(invalid("categories", "the first line cannot be a subcategory"));
    }
    if s.category_required && s.categories.iter().all(|c| c.trim().is_empty()) {
        return Err(invalid("category_required", "needs at least one category"));
    }
    if s.priority_pages.iter().any(|p| beseda_core::settings::normalize_url(p).is_empty()) {
        return Err(invalid("priority_pages", "absolute URLs with http:// or https://"));
    }
    if let Err(line) = beseda_core::teleport::parse_pages(&s.teleport_pages) {
        return Err(invalid(
            "teleport_pages",
            &format!("one `code address` per line (a path such as /delivery or an http(s) URL): {line}"),
        ));
    }
    for field in beseda_core::contacts::FIELDS {
        if !beseda_core::contacts::PRESENCES.contains(&field.presence(s)) {
            return Err(invalid(&format!("contacts_request_{}", field.key), "mandatory, optional or hidden"));
        }
    }
    if beseda_core::contacts::FIELDS.iter().all(|f| f.presence(s) == "hidden") {
        return Err(invalid("contacts_request_name", "the contact form needs at least one field that is not hidden"));
    }
    if s.allowed_upload_file_types.iter().any(|t| t.is_empty() || !t.chars().all(|c| c.is_ascii_alphanumeric())) {
        return Err(invalid("allowed_upload_file_types", "extensions are letters and digits"));
    }
    Ok(())
}

/// An absolute `http://` or `https://` URL with a host.
fn is_http_url(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|u| ["http", "https"].contains(&u.scheme()) && u.host_str().is_some())
}

/// The organisation settings document.
#[derive(Serialize, ToSchema)]
pub struct SettingsDoc {
    pub settings: OrgSettings,
}

/// Settings to save: `PUT` every key of the document (as `GET` gives it), `PATCH` only those
/// that change.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SettingsChange(OrgSettings);

pub async fn get_settings(State(state): State<AppState>, who: OperatorAuth) -> ApiResult<Json<SettingsDoc>> {
    admin_only(&who)?;
    let s = state.store.settings().await.map_err(ApiError::operator)?;
    Ok(Json(SettingsDoc { settings: masked(&s)? }))
}

/// The settings as admin answers show them: every secret that is set ([`audit::is_secret`]:
/// API keys, tokens, client secrets, authorization codes) reads as [`audit::MASK`]. Sent back
/// unchanged, the mask keeps the stored value ([`keep_secrets`]).
fn masked(s: &OrgSettings) -> ApiResult<OrgSettings> {
    let mut doc = serde_json::to_value(s).map_err(ApiError::internal)?;
    if let Some(map) = doc.as_object_mut() {
        for (key, value) in map.iter_mut() {
            if audit::is_secret(key) && value.as_str().is_some_and(|v| !v.is_empty()) {
                *value = json!(audit::MASK);
            }
        }
    }
    serde_json::from_value(doc).map_err(ApiError::internal)
}

/// Puts the stored value back for every secret sent as the mask.
fn keep_secrets(doc: &mut serde_json::Map<String, Value>, stored: &Value) {
    for (key, value) in doc.iter_mut() {
        if audit::is_secret(key) && value.as_str() == Some(audit::MASK) {
            *value = stored.get(key).cloned().unwrap_or_else(|| json!(""));
        }
    }
}

/// A key that is not a setting: refused, naming it, so a typo never passes silently.
fn unknown(key: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unknown-setting", format!("{key}: no such setting"))
}

/// Replaces the whole settings document. Every key must be sent (`GET` it first, change what you
/// mean to, send it back; `PATCH` changes a few): a partial document is refused with `422
/// missing-setting` rather than resetting what it leaves out — the IP allowlist, webhook and CRM
/// secrets among them. Unknown keys are refused with `422 unknown-setting`. An IP allowlist that
/// would shut out the admin saving it is refused. A refused write changes nothing.
pub async fn put_settings(
    State(state): State<AppState>,
    who: OperatorAuth,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: axum::http::HeaderMap,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<SettingsDoc>> {
    admin_only(&who)?;
    let doc: serde_json::Map<String, Value> = parse(&bytes)?;
    let known = serde_json::to_value(OrgSettings::default()).map_err(ApiError::internal)?;
    let known = known.as_object().ok_or_else(|| ApiError::internal("settings are not an object"))?;
    if let Some(key) = doc.keys().find(|k| !known.contains_key(*k)) {
        return Err(unknown(key));
    }
    let missing: Vec<&str> = known.keys().filter(|k| !doc.contains_key(*k)).map(String::as_str).collect();
    if !missing.is_empty() {
        let message = format!(
            "PUT replaces every setting; send the whole document (or PATCH a few keys); missing: {}",
            missing.join(", ")
        );
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "missing-setting", message));
    }
    let mut doc = doc;
    let stored =
        serde_json::to_value(state.store.settings().await.map_err(ApiError::operator)?).map_err(ApiError::internal)?;
    keep_secrets(&mut doc, &stored);
    let s: OrgSettings = parse(&serde_json::to_vec(&doc).map_err(ApiError::internal)?)?;
    save_settings(&state, &who, peer, &headers, s).await
}

/// Validates and saves a complete settings document, and records the keys it changed
/// (`settings.allowlist` when the IP allowlist is among them, else `settings.update`).
/// The settings `GET /me` hands the workspace (`workspace`): a change to any of them is pushed to
/// open workspaces as `workspace_changed`.
fn workspace_keys(s: &OrgSettings) -> Value {
    json!([
        s.hide_others_chats,
        s.hidden_profiles,
        s.new_visitor_notification,
        s.auto_assignment,
        s.multilang,
        s.teleport,
        s.teleport_pages,
        s.categories,
        s.category_required,
        s.default_lang,
        s.time_zone,
        s.require_2fa
    ])
}

async fn save_settings(
    state: &AppState,
    who: &OperatorAuth,
    peer: std::net::SocketAddr,
    headers: &axum::http::HeaderMap,
    s: OrgSettings,
) -> ApiResult<Json<SettingsDoc>> {
    validate(&s)?;
    let me = crate::origin::client_ip(&state.config.trusted_proxies, peer.ip(), headers);
    let list = beseda_core::ip_allowlist::Allowlist::parse(&s.ip_allowlist)
        .map_err(|e| invalid("ip_allowlist", &e.to_string()))?;
    if !list.allows(me) {
        return Err(invalid("ip_allowlist", &format!("would shut you out: your address {me} is not in it")));
    }
    let before = state.store.settings().await.map_err(ApiError::operator)?;
    state.store.save_settings(&s).await.map_err(ApiError::operator)?;
    state.wake.notify_one();
    crate::crm::settings_changed(state, &before, &s).await.map_err(ApiError::operator)?;
    // Open workspaces follow the settings that shape them (hidden chats and profiles, …).
    if workspace_keys(&before) != workspace_keys(&s) {
        let changes = state.store.workspace_changed().await.map_err(ApiError::operator)?;
        state.publish(changes);
    }
    let as_json = |s: &OrgSettings| serde_json::to_value(s).map_err(ApiError::internal);
    let changes = audit::diff(&as_json(&before)?, &as_json(&s)?);
    if changes.as_object().is_some_and(|c| !c.is_empty()) {
        let action = if changes.get("ip_allowlist").is_some() { "settings.allowlist" } else { "settings.update" };
        audit::record(state, &audit::Actor::operator(who, me), action, ("settings", &"organisation"), changes).await;
    }
    Ok(Json(SettingsDoc { settings: masked(&s)? }))
}

/// The e-mail lists seed 003 makes required: a section that sends them must fill them.
const REQUIRED_EMAIL_LISTS: [&str; 3] = ["email_left_messages", "email_negative_feedback", "email_daily_reports"];

/// `PATCH /api/admin/v1/settings`: changes only the keys sent (one admin-panel section), on
/// top of the stored settings, then validates and saves as `PUT` does.
pub async fn patch_settings(
    State(state): State<AppState>,
    who: OperatorAuth,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: axum::http::HeaderMap,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<SettingsDoc>> {
    admin_only(&who)?;
    let patch: serde_json::Map<String, Value> = parse(&bytes)?;
    let mut doc =
        serde_json::to_value(state.store.settings().await.map_err(ApiError::operator)?).map_err(ApiError::internal)?;
    for (key, value) in patch {
        if doc.get(&key).is_none() {
            return Err(unknown(&key));
        }
        if REQUIRED_EMAIL_LISTS.contains(&key.as_str()) && value.as_str().is_none_or(|v| v.trim().is_empty()) {
            return Err(invalid(&key, "required: one or more e-mail addresses, separated by commas"));
        }
        if audit::is_secret(&key) && value.as_str() == Some(audit::MASK) {
            continue;
        }
        doc[key.as_str()] = value;
        // A value of the wrong type is that setting's 422, not a parse error of the merged document.
        if let Err(e) = serde_json::from_value::<OrgSettings>(doc.clone()) {
            return Err(invalid(&key, &e.to_string()));
        }
    }
    let merged: OrgSettings = serde_json::from_value(doc).map_err(ApiError::internal)?;
    save_settings(&state, &who, peer, &headers, merged).await
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Department)]
pub struct DepartmentBody {
    pub name: String,
    #[serde(default)]
    pub locale_names: BTreeMap<String, String>,
    #[serde(default)]
    pub order: i64,
    pub logo: Option<String>,
}

pub async fn put_department(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
    Path(key): Path<String>,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<Done>> {
    admin_only(&who)?;
    if !is_valid_key(&key) {
        return Err(ApiError::wrong_argument("key"));
    }
    let b: DepartmentBody = parse(&bytes)?;
    if b.name.trim().is_empty() {
        return Err(invalid("name", "must not be empty"));
    }
    let d = Department { id: 0, key, name: b.name, locale_names: b.locale_names, order: b.order, logo: b.logo };
    let before = state.store.departments().await.map_err(ApiError::operator)?.into_iter().find(|x| x.key == d.key);
    state.store.upsert_department(&d).await.map_err(ApiError::operator)?;
    let action = if before.is_some() { "department.update" } else { "department.create" };
    let changes = audit::diff(&before.as_ref().map_or(Value::Null, department_json), &department_json(&d));
    audit::record(&state, &audit::Actor::operator(&who, ip), action, ("department", &d.key), changes).await;
    Ok(Json(Done::default()))
}

/// What the audit log shows of a department.
fn department_json(d: &Department) -> Value {
    json!({"name": d.name, "localeNames": d.locale_names, "order": d.order, "logo": d.logo})
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Profile)]
pub struct ProfileBody {
    #[serde(default)]
    pub department_keys: Vec<String>,
    pub languages: Vec<String>,
    pub max_chats: Option<i64>,
}

/// The operator after the change (null if there is no such operator).
#[derive(Serialize, ToSchema)]
pub struct ProfileSaved {
    pub operator: Option<OperatorView>,
}

/// Departments, languages and chat limit of an operator.
pub async fn put_operator_profile(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<ProfileSaved>> {
    admin_only(&who)?;
    let b: ProfileBody = parse(&bytes)?;
    spoken_languages(&b.languages)?;
    if b.max_chats.is_some_and(|m| !(1..=100).contains(&m)) {
        return Err(invalid("maxChats", "must be 1 to 100"));
    }
    let before = state.store.operator(OperatorId(id)).await.map_err(ApiError::operator)?;
    state
        .store
        .set_operator_profile(OperatorId(id), &b.department_keys, &b.languages, b.max_chats)
        .await
        .map_err(ApiError::operator)?;
    state.wake.notify_one();
    let op = state.store.operator(OperatorId(id)).await.map_err(ApiError::operator)?;
    let json_of = |o: &Option<beseda_core::model::Operator>| o.as_ref().map_or(Value::Null, operator_json);
    let changes = audit::diff(&json_of(&before), &json_of(&op));
    audit::record(&state, &audit::Actor::operator(&who, ip), "operator.profile", ("operator", &id), changes).await;
    Ok(Json(ProfileSaved { operator: op.as_ref().map(OperatorView::new) }))
}

pub(crate) fn default_sort_order() -> i64 {
    100
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_validation() {
        assert!(validate(&OrgSettings::default()).is_ok());
        let bad = |f: fn(&mut OrgSettings)| {
            let mut s = OrgSettings::default();
            f(&mut s);
            validate(&s).is_err()
        };
        assert!(bad(|s| s.button_probability = 101));
        assert!(bad(|s| s.default_lang = "xx".into()));
        assert!(!bad(|s| s.default_lang = "de".into()));
        assert!(bad(|s| s.categories = vec![" sub".into()]));
        assert!(bad(|s| s.category_required = true));
        assert!(bad(|s| s.max_chats_per_operator = 0));
        assert!(bad(|s| s.auto_close_timeout_secs = 40 * 24 * 3600));
        assert!(bad(|s| s.priority_pages = vec!["mysite.com/main".into()]));
    }
}
