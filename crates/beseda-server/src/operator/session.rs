//! Operator login: a session cookie with a CSRF token for the browser, or a bearer token for
//! API clients. Authentication is an extractor; CSRF is checked on every unsafe cookie request.

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::throttle::ClientIp;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use beseda_core::model::Operator;
use beseda_core::operator_wire::answers::{Done, Ok as Result_, OperatorView};
use beseda_core::state::OperatorStatus;
use beseda_store::NewToken;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::net::IpAddr;
use utoipa::ToSchema;

pub const COOKIE: &str = "beseda_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
const SESSION_TTL_MICROS: i64 = 12 * 3600 * 1_000_000;
const API_TOKEN_TTL_MICROS: i64 = 90 * 24 * 3600 * 1_000_000;

/// The authenticated operator of a request.
pub struct OperatorAuth {
    pub operator: Operator,
    pub token_hash: String,
}

fn unauthenticated() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "log in first")
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned())
}

impl FromRequestParts<AppState> for OperatorAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (token, via_cookie) = match bearer_token(&parts.headers) {
            Some(t) => (t, false),
            None => (cookie_token(&parts.headers).ok_or_else(unauthenticated)?, true),
        };
        let hash = auth::token_hash(&token);
        let record = state.store.token(&hash).await.map_err(ApiError::operator)?.ok_or_else(unauthenticated)?;
        if record.expires_at < state.now() || (via_cookie != (record.kind == "session")) {
            return Err(unauthenticated());
        }
        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if via_cookie && unsafe_method {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
            if !auth::same(sent, &record.csrf) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf-token-invalid",
                    "missing or wrong X-CSRF-Token header",
                ));
            }
        }
        let operator =
            state.store.operator(record.operator_id).await.map_err(ApiError::operator)?.ok_or_else(unauthenticated)?;
        // Deactivation ends tokens at once; this also covers a token read just before.
        if !operator.active {
            return Err(unauthenticated());
        }
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map(|u| u.0.path().to_owned())
            .unwrap_or_else(|| parts.uri.path().to_owned());
        super::two_factor::check_required(state, &operator, &path).await?;
        Ok(OperatorAuth { operator, token_hash: hash })
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    pub email: String,
    pub password: String,
    /// Replaces the password as part of this login; required when the password is one-time
    /// (the answer was `password-change-required`).
    #[serde(default)]
    #[schema(min_length = 8, max_length = 200)]
    pub new_password: Option<String>,
    /// The current code of the account's two-factor authentication, when it has it.
    #[serde(default)]
    pub totp_code: Option<String>,
    /// Instead of `totp_code`: one of the account's recovery codes (good once).
    #[serde(default)]
    pub recovery_code: Option<String>,
    /// HTTP Basic (the Stored Data API): an account with 2FA appends its current code to the
    /// password.
    #[serde(skip)]
    pub code_in_password: bool,
}

/// An operator as the APIs show it ([`OperatorView`]), as JSON (what the audit log compares).
pub fn operator_json(o: &Operator) -> Value {
    serde_json::to_value(OperatorView::new(o)).unwrap_or_default()
}

/// The answer to a login: the operator, and the token unsafe requests send in `X-CSRF-Token`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoggedIn {
    pub operator: OperatorView,
    pub csrf_token: String,
}

/// A bearer token for API clients.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewApiToken {
    pub token: String,
    /// Unix seconds.
    pub expires_at: i64,
    pub operator: OperatorView,
}

/// Checks e-mail and password; then refuses a deactivated account, checks the second factor of
/// an account with 2FA (crate::operator::two_factor::check_login), and refuses a one-time
/// password unless the login sets a new one (which it does here).
pub async fn check_credentials(state: &AppState, mut c: Credentials) -> ApiResult<Operator> {
    let wrong = || ApiError::new(StatusCode::UNAUTHORIZED, "invalid-credentials", "wrong e-mail or password");
    let found = state.store.operator_login(c.email.trim()).await.map_err(ApiError::operator)?;
    // Verify against a dummy hash when the e-mail is unknown, so timing does not tell.
    let (operator, hash) = match found {
        Some((o, h)) => (Some(o), h),
        None => (None, DUMMY_HASH.to_owned()),
    };
    let secret = match &operator {
        Some(o) => state.store.two_factor(o.id).await.map_err(ApiError::operator)?.and_then(|t| t.secret),
        None => None,
    };
    if secret.is_some() && c.code_in_password && c.totp_code.is_none() {
        let cut = c.password.len().saturating_sub(super::two_factor::DIGITS as usize);
        if c.password.is_char_boundary(cut) {
            c.totp_code = Some(c.password.split_off(cut));
        }
    }
    if !auth::verify_password(c.password.clone(), hash).await {
        return Err(wrong());
    }
    let mut operator = operator.ok_or_else(wrong)?;
    if !operator.active {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "account-deactivated", "this account is deactivated"));
    }
    super::two_factor::check_login(
        state,
        &operator,
        secret.as_deref(),
        c.totp_code.as_deref(),
        c.recovery_code.as_deref(),
    )
    .await?;
    match c.new_password {
        Some(new) => {
            auth::check_new_password(&new, &c.password)?;
            set_password(state, operator.id, new, false, None).await?;
            operator.must_change_password = false;
        }
        None if operator.must_change_password => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "password-change-required",
                "this password is one-time: log in again with `newPassword` set",
            ));
        }
        None => {}
    }
    Ok(operator)
}

/// [`check_credentials`] behind the login throttle (crate::throttle::login): refused before the
/// password is hashed while `ip` or the account from `ip` is locked out; a wrong e-mail,
/// password or two-factor code counts as a failure.
pub async fn check_throttled(state: &AppState, ip: IpAddr, c: Credentials) -> ApiResult<Operator> {
    let email = c.email.clone();
    state.logins.check(ip, Some(&email)).map_err(crate::throttle::too_many_attempts)?;
    let checked = check_credentials(state, c).await;
    match &checked {
        Err(e) if e.code == "invalid-credentials" || e.code == "invalid-totp" => state.logins.failed(ip, Some(&email)),
        Ok(_) => state.logins.succeeded(ip, &email),
        Err(_) => {}
    }
    checked
}

const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2P3mYg1cM7JeFTQkS6lL7zZ3XQ8Zr0kQ3u5wYFhW3xA";

fn parse_credentials(body: &[u8]) -> ApiResult<Credentials> {
    serde_json::from_slice(body).map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid-json", e.to_string()))
}

/// `POST /api/operator/v1/login`: sets the session cookie; answers the CSRF token.
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let operator = check_throttled(&state, ip, parse_credentials(&body)?).await?;
    let token = auth::new_token();
    let csrf = auth::new_token();
    state
        .store
        .create_token(&NewToken {
            token_hash: auth::token_hash(&token),
            operator_id: operator.id,
            kind: "session".into(),
            csrf: csrf.clone(),
            expires_at: state.now() + SESSION_TTL_MICROS,
        })
        .await
        .map_err(ApiError::operator)?;
    let cookie = format!(
        "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        SESSION_TTL_MICROS / 1_000_000,
        secure(&state)
    );
    Ok(([(header::SET_COOKIE, cookie)], Json(LoggedIn { operator: OperatorView::new(&operator), csrf_token: csrf }))
        .into_response())
}

/// `POST /api/operator/v1/tokens`: a bearer token for API clients.
pub async fn create_token(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    body: axum::body::Bytes,
) -> ApiResult<Json<NewApiToken>> {
    let operator = check_throttled(&state, ip, parse_credentials(&body)?).await?;
    let token = auth::new_token();
    let expires_at = state.now() + API_TOKEN_TTL_MICROS;
    state
        .store
        .create_token(&NewToken {
            token_hash: auth::token_hash(&token),
            operator_id: operator.id,
            kind: "api".into(),
            csrf: String::new(),
            expires_at,
        })
        .await
        .map_err(ApiError::operator)?;
    Ok(Json(NewApiToken { token, expires_at: expires_at / 1_000_000, operator: OperatorView::new(&operator) }))
}

pub async fn logout(State(state): State<AppState>, who: OperatorAuth) -> ApiResult<Response> {
    state.store.delete_token(&who.token_hash).await.map_err(ApiError::operator)?;
    let cookie = format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{}", secure(&state));
    Ok(([(header::SET_COOKIE, cookie)], Json(Done::default())).into_response())
}

/// `; Secure` when the public origin is https: the browser then sends the cookie over https
/// only.
fn secure(state: &AppState) -> &'static str {
    if state.origin.get().starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}

/// The logged-in operator and what shapes their workspace.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub operator: OperatorView,
    pub two_factor: super::two_factor::TwoFactorStatus,
    /// The organisation requires two-factor authentication.
    #[serde(rename = "require2fa")]
    pub require_2fa: bool,
    pub workspace: Workspace,
    /// The console's language for this operator: their own choice, else the main
    /// language's (`ru` for Russian, `en` for any other).
    pub interface_lang: String,
}

/// The settings the workspace follows (a change is pushed as `workspace_changed`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Workspace {
    pub hide_others_chats: bool,
    pub hidden_profiles: bool,
    pub new_visitor_notification: bool,
    pub auto_assignment: bool,
    pub multilang: bool,
    pub teleport: bool,
    /// Pages to send visitors to by code (only while `teleport` is on).
    pub teleport_pages: Vec<beseda_core::teleport::TeleportPage>,
    /// Category lines; a subcategory line starts with a space.
    pub categories: Vec<String>,
    pub category_required: bool,
    pub default_lang: String,
    pub time_zone: String,
    /// Today in the organisation's time zone, `YYYY-MM-DD`.
    pub today: String,
}

/// `GET /me`: the operator, and the settings that shape the workspace.
pub async fn me(State(state): State<AppState>, who: OperatorAuth) -> ApiResult<Json<Me>> {
    let s = state.store.settings().await.map_err(ApiError::operator)?;
    let two_factor = super::two_factor::status(&state, &who.operator).await?;
    Ok(Json(Me {
        operator: OperatorView::new(&who.operator),
        two_factor,
        require_2fa: s.require_2fa,
        interface_lang: who
            .operator
            .interface_lang
            .clone()
            .unwrap_or_else(|| beseda_core::languages::interface(&s.default_lang).to_owned()),
        workspace: Workspace {
            hide_others_chats: s.hide_others_chats && who.operator.role == beseda_core::state::OperatorRole::Operator,
            hidden_profiles: s.hidden_profiles,
            new_visitor_notification: s.new_visitor_notification,
            auto_assignment: s.auto_assignment,
            multilang: s.multilang,
            teleport: s.teleport,
            teleport_pages: match s.teleport {
                true => beseda_core::teleport::parse_pages(&s.teleport_pages).unwrap_or_default(),
                false => Vec::new(),
            },
            today: beseda_core::local_time::format(state.now(), &s.time_zone, "%Y-%m-%d"),
            categories: s.categories,
            category_required: s.category_required,
            default_lang: s.default_lang,
            time_zone: s.time_zone,
        },
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasswordChange {
    pub current_password: String,
    #[schema(min_length = 8, max_length = 200)]
    pub new_password: String,
}

/// `PUT /api/operator/v1/password`: the operator's own password, the current one required.
/// Every other session and token of the operator ends; this one stays.
pub async fn change_password(
    State(state): State<AppState>,
    who: OperatorAuth,
    body: axum::body::Bytes,
) -> ApiResult<Json<Done>> {
    let body: PasswordChange = crate::admin::parse(&body)?;
    let (_, hash) = state
        .store
        .operator_login(&who.operator.email)
        .await
        .map_err(ApiError::operator)?
        .ok_or_else(unauthenticated)?;
    if !auth::verify_password(body.current_password.clone(), hash).await {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "wrong-password", "the current password is wrong"));
    }
    auth::check_new_password(&body.new_password, &body.current_password)?;
    set_password(&state, who.operator.id, body.new_password, false, Some(&who.token_hash)).await?;
    Ok(Json(Done::default()))
}

/// Stores a new password (hashed off the async threads) and publishes the end of the sessions
/// and tokens it ends (all of the operator's but `keep_token`).
pub async fn set_password(
    state: &AppState,
    id: beseda_core::ids::OperatorId,
    password: String,
    must_change: bool,
    keep_token: Option<&str>,
) -> ApiResult<()> {
    let hash = auth::hash_password(password).await.map_err(|e| ApiError::internal(e.as_str()))?;
    let changes = state.store.set_operator_password(id, &hash, must_change, keep_token).await.map_err(|e| match e {
        beseda_store::StoreError::NotFound => {
            ApiError::new(StatusCode::NOT_FOUND, "operator-not-found", "no such operator")
        }
        other => ApiError::operator(other),
    })?;
    state.publish(changes);
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[schema(as = Status)]
pub struct StatusBody {
    /// `online`, `invisible` or `offline`.
    pub status: String,
}

/// The status now.
#[derive(Serialize, ToSchema)]
pub struct StatusSet {
    pub result: Result_,
    pub status: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    who: OperatorAuth,
    body: axum::body::Bytes,
) -> ApiResult<Json<StatusSet>> {
    let body: StatusBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid-json", e.to_string()))?;
    let status = OperatorStatus::parse(&body.status).ok_or_else(|| ApiError::wrong_argument("status"))?;
    let changes = state.store.set_operator_status(who.operator.id, status).await.map_err(ApiError::operator)?;
    state.publish(changes);
    Ok(Json(StatusSet { result: Result_::Ok, status: status.as_str().to_owned() }))
}
