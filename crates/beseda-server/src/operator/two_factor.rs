//! Two-factor authentication of operator accounts: time-based one-time codes (TOTP, RFC 6238:
//! HMAC-SHA1, 6 digits, 30-second steps, one step of clock drift either way) and ten one-time
//! recovery codes, stored as SHA-256 like tokens. A code is good once: the last accepted time
//! step is stored and a code of that step or an earlier one is refused.

use crate::audit;
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::operator::session::OperatorAuth;
use crate::state::AppState;
use crate::throttle::ClientIp;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use beseda_core::model::Operator;
use beseda_core::operator_wire::answers::{Done, Ok as Result_};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Seconds per time step.
pub const PERIOD: i64 = 30;
/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Recovery codes handed out when 2FA is enabled.
pub const RECOVERY_CODES: usize = 10;
/// What an operator without 2FA may call while the organisation requires it.
const ALLOWED_WITHOUT_2FA: [&str; 4] =
    ["/api/operator/v1/me", "/api/operator/v1/2fa/setup", "/api/operator/v1/2fa/enable", "/api/operator/v1/logout"];

/// The HOTP value (RFC 4226) of `key` at `counter`, `digits` long.
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let bin = u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
    bin % 10u32.pow(digits)
}

/// The time step of `now` (microseconds since the epoch).
pub fn step_of(now_micros: i64) -> i64 {
    now_micros.div_euclid(1_000_000) / PERIOD
}

/// The step (of `now` and one either side) at which `code` is the code of `secret` (base32).
pub fn matching_step(secret: &str, code: &str, now_micros: i64) -> Option<i64> {
    let key = data_encoding::BASE32_NOPAD.decode(secret.as_bytes()).ok()?;
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_of(now_micros);
    [now - 1, now, now + 1].into_iter().filter(|s| *s >= 0).find(|s| {
        let expected = format!("{:0width$}", hotp(&key, *s as u64, DIGITS), width = DIGITS as usize);
        auth::same(&expected, code)
    })
}

/// A fresh secret: 20 random bytes, base32 without padding.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    data_encoding::BASE32_NOPAD.encode(&bytes)
}

/// The `otpauth://` URL authenticator apps read (as a QR code or pasted).
pub fn otpauth_url(email: &str, secret: &str) -> String {
    let label: String = email
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' | b'+' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("otpauth://totp/Beseda:{label}?secret={secret}&issuer=Beseda&digits={DIGITS}&period={PERIOD}")
}

/// A recovery code: two groups of five characters that read unambiguously.
fn new_recovery_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    let mut group = || (0..5).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect::<String>();
    format!("{}-{}", group(), group())
}

/// What is stored of a recovery code: the SHA-256 of it, lowercase, spaces and dashes dropped.
fn recovery_hash(code: &str) -> String {
    let plain: String = code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    auth::token_hash(&plain.to_lowercase())
}

/// Whether the operator has 2FA enabled.
pub async fn enabled(state: &AppState, operator: &Operator) -> ApiResult<bool> {
    let tf = state.store.two_factor(operator.id).await.map_err(ApiError::operator)?;
    Ok(tf.is_some_and(|t| t.secret.is_some()))
}

fn invalid_totp() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "invalid-totp", "wrong, expired or already used two-factor code")
}

/// The second factor of a login whose password was right: nothing to check without 2FA; with
/// it, `totp_code` (good once) or `recovery_code` (spent), else 401 `totp-required`; a wrong
/// code is 401 `invalid-totp` (a failure for the login throttle).
pub async fn check_login(
    state: &AppState,
    operator: &Operator,
    secret: Option<&str>,
    totp_code: Option<&str>,
    recovery_code: Option<&str>,
) -> ApiResult<()> {
    let Some(secret) = secret else { return Ok(()) };
    if let Some(code) = recovery_code.filter(|c| !c.trim().is_empty()) {
        let spent =
            state.store.use_recovery_code(operator.id, &recovery_hash(code)).await.map_err(ApiError::operator)?;
        return if spent { Ok(()) } else { Err(invalid_totp()) };
    }
    let Some(code) = totp_code.filter(|c| !c.trim().is_empty()) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "totp-required",
            "this account has two-factor authentication: log in again with `totpCode` or `recoveryCode`",
        ));
    };
    let step = matching_step(secret, code, state.now()).ok_or_else(invalid_totp)?;
    if !state.store.use_two_factor_step(operator.id, step).await.map_err(ApiError::operator)? {
        return Err(invalid_totp());
    }
    Ok(())
}

/// Refuses a request of an operator without 2FA while the organisation requires it, but for
/// [`ALLOWED_WITHOUT_2FA`]: 403 `2fa-setup-required`.
pub async fn check_required(state: &AppState, operator: &Operator, path: &str) -> ApiResult<()> {
    if ALLOWED_WITHOUT_2FA.contains(&path) {
        return Ok(());
    }
    let settings = state.store.settings().await.map_err(ApiError::operator)?;
    if settings.require_2fa && !enabled(state, operator).await? {
        return Err(setup_required());
    }
    Ok(())
}

pub fn setup_required() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "2fa-setup-required",
        "the organisation requires two-factor authentication: set it up first (/api/operator/v1/2fa/setup)",
    )
}

/// `POST /api/operator/v1/2fa/setup`: a new secret, pending until `enable` confirms a code of
/// it. Refused (409 `2fa-enabled`) while 2FA is on.
/// A new secret for the authenticator app.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewSecret {
    /// Base32.
    pub secret: String,
    /// The same as an `otpauth://` URL (for a QR code).
    pub otpauth_url: String,
}

/// Two-factor authentication is on; the recovery codes are shown this once.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Enabled {
    pub result: Result_,
    pub recovery_codes: Vec<String>,
}

/// Whether two-factor authentication is on, and how many recovery codes are left.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorStatus {
    pub enabled: bool,
    pub recovery_codes_left: i64,
}

pub async fn setup(State(state): State<AppState>, who: OperatorAuth) -> ApiResult<Json<NewSecret>> {
    if enabled(&state, &who.operator).await? {
        return Err(ApiError::new(StatusCode::CONFLICT, "2fa-enabled", "two-factor authentication is already on"));
    }
    let secret = new_secret();
    state.store.set_two_factor_pending(who.operator.id, &secret).await.map_err(ApiError::operator)?;
    let otpauth_url = otpauth_url(&who.operator.email, &secret);
    Ok(Json(NewSecret { secret, otpauth_url }))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = TwoFactorCode)]
pub struct EnableBody {
    pub code: String,
}

/// `POST /api/operator/v1/2fa/enable {code}`: confirms a code of the pending secret, turns 2FA
/// on and answers the recovery codes (shown this once).
pub async fn enable(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
    body: axum::body::Bytes,
) -> ApiResult<Json<Enabled>> {
    let body: EnableBody = crate::admin::parse(&body)?;
    let tf = state.store.two_factor(who.operator.id).await.map_err(ApiError::operator)?.unwrap_or_default();
    let Some(pending) = tf.pending_secret else {
        return Err(ApiError::new(StatusCode::CONFLICT, "2fa-not-pending", "call /api/operator/v1/2fa/setup first"));
    };
    let step = matching_step(&pending, &body.code, state.now())
        .ok_or_else(|| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-totp", "wrong or expired code"))?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
    state.store.enable_two_factor(who.operator.id, &pending, step, &hashes).await.map_err(|e| match e {
        beseda_store::StoreError::NotFound => {
            ApiError::new(StatusCode::CONFLICT, "2fa-not-pending", "the secret changed: set up again")
        }
        other => ApiError::operator(other),
    })?;
    let changes = audit::diff(&json!({"twoFactor": false}), &json!({"twoFactor": true}));
    let actor = audit::Actor::operator(&who, ip);
    audit::record(&state, &actor, "operator.2fa_enable", ("operator", &who.operator.id.0), changes).await;
    Ok(Json(Enabled { result: Result_::Ok, recovery_codes: codes }))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = TwoFactorDisable)]
pub struct DisableBody {
    pub password: String,
    /// A current code or a recovery code.
    pub code: String,
}

/// `POST /api/operator/v1/2fa/disable {password, code}`: the password and a current code (or a
/// recovery code) turn 2FA off.
pub async fn disable(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
    body: axum::body::Bytes,
) -> ApiResult<Json<Done>> {
    let body: DisableBody = crate::admin::parse(&body)?;
    let (_, hash) = state
        .store
        .operator_login(&who.operator.email)
        .await
        .map_err(ApiError::operator)?
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "log in first"))?;
    if !auth::verify_password(body.password.clone(), hash).await {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "wrong-password", "the password is wrong"));
    }
    let tf = state.store.two_factor(who.operator.id).await.map_err(ApiError::operator)?.unwrap_or_default();
    let Some(secret) = tf.secret else {
        return Err(ApiError::new(StatusCode::CONFLICT, "2fa-not-enabled", "two-factor authentication is off"));
    };
    let code = body.code.trim();
    let (totp, recovery) = if code.len() == DIGITS as usize { (Some(code), None) } else { (None, Some(code)) };
    check_login(&state, &who.operator, Some(&secret), totp, recovery)
        .await
        .map_err(|_| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-totp", "wrong or already used code"))?;
    state.store.disable_two_factor(who.operator.id).await.map_err(ApiError::operator)?;
    let changes = audit::diff(&json!({"twoFactor": true}), &json!({"twoFactor": false}));
    let actor = audit::Actor::operator(&who, ip);
    audit::record(&state, &actor, "operator.2fa_disable", ("operator", &who.operator.id.0), changes).await;
    Ok(Json(Done::default()))
}

/// For `/me`: whether 2FA is on, and how many recovery codes are left.
pub async fn status(state: &AppState, operator: &Operator) -> ApiResult<TwoFactorStatus> {
    let tf = state.store.two_factor(operator.id).await.map_err(ApiError::operator)?.unwrap_or_default();
    Ok(TwoFactorStatus { enabled: tf.secret.is_some(), recovery_codes_left: tf.recovery_codes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_vector_at_59_seconds() {
        let key = b"12345678901234567890";
        assert_eq!(hotp(key, 59 / 30, 8), 94287082);
        assert_eq!(hotp(key, 59 / 30, 6), 287082);
        // RFC 4226 appendix D, counter 0 and 9.
        assert_eq!(hotp(key, 0, 6), 755224);
        assert_eq!(hotp(key, 9, 6), 520489);
    }

    #[test]
    fn matching_step_allows_one_step_of_drift() {
        let secret = data_encoding::BASE32_NOPAD.encode(b"12345678901234567890");
        let at = |secs: i64| secs * 1_000_000;
        assert_eq!(matching_step(&secret, "287082", at(59)), Some(1));
        assert_eq!(matching_step(&secret, "287082", at(89)), Some(1));
        assert_eq!(matching_step(&secret, "287082", at(30 * 3)), None);
        assert_eq!(matching_step(&secret, "28708", at(59)), None);
        assert_eq!(matching_step(&secret, "abcdef", at(59)), None);
    }

    #[test]
    fn otpauth_url_names_the_account() {
        assert_eq!(
            otpauth_url("a b@x.io", "ABC"),
            "otpauth://totp/Beseda:a%20b@x.io?secret=ABC&issuer=Beseda&digits=6&period=30"
        );
    }

    #[test]
    fn recovery_codes_are_normalised() {
        assert_eq!(recovery_hash("ABCDE-FGHJK"), recovery_hash(" abcdefghjk "));
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
    }
}
