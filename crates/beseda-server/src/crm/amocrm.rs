//! amoCRM, API v4 with OAuth 2.0: a contact for every new chat (`POST /api/v4/contacts`, the
//! phone and e-mail in the standard `PHONE` and `EMAIL` fields by their codes).
//!
//! Authorised with the long-lived token of a private integration, or with the integration's
//! client id, secret and redirect URI: the one-time authorization code is exchanged at
//! `POST /oauth2/access_token` (`grant_type=authorization_code`) for an access token and a
//! refresh token, kept in the store; an access token that has expired or is refused (401) is
//! renewed (`grant_type=refresh_token`; amoCRM rotates the refresh token, and the new one is
//! kept) and the call made once more. A refused code or refresh token marks the integration
//! failing until an administrator enters a new code.

use super::oauth::{self, Grant, Tokens};
use super::{Contact, CALL_LIMIT};
use crate::outbound::{self, Attempt};
use crate::state::AppState;
use beseda_core::settings::OrgSettings;
use serde_json::{json, Value};

/// Renew an access token this long before amoCRM says it expires.
const EARLY_MICROS: i64 = 60_000_000;

fn base(state: &AppState, s: &OrgSettings) -> String {
    state.config.api_urls.amocrm.replace("{account}", s.amocrm_account.trim()).trim_end_matches('/').to_owned()
}

/// What the stored tokens must have been issued for.
fn issued_for(s: &OrgSettings) -> String {
    oauth::digest(&[&s.amocrm_account, &s.amocrm_client_id])
}

/// `POST /oauth2/access_token` with a grant: `authorization_code` and the code, or
/// `refresh_token` and the refresh token. The tokens it issues are kept ([`oauth::keep`]: in
/// memory should the store fail, as the old refresh token is spent).
async fn grant(
    state: &AppState,
    s: &OrgSettings,
    (kind, value, code): (&str, &str, &str),
    unsaved: &mut Option<Tokens>,
) -> Result<Tokens, Attempt> {
    let mut body = json!({
        "client_id": s.amocrm_client_id.trim(),
        "client_secret": s.amocrm_client_secret.trim(),
        "grant_type": kind,
        "redirect_uri": s.amocrm_redirect_uri.trim(),
    });
    body[if kind == "authorization_code" { "code" } else { "refresh_token" }] = json!(value);
    let req = state.http.post(format!("{}/oauth2/access_token", base(state, s))).json(&body);
    match oauth::token_call(req).await {
        Grant::Issued { access_token, refresh_token, expires_in, .. } => {
            let tokens = Tokens {
                access_token,
                refresh_token: refresh_token.unwrap_or_default(),
                expires_at: expires_in.map_or(0, |e| state.now() + e * 1_000_000),
                issued_for: issued_for(s),
                code: code.to_owned(),
                ..Tokens::default()
            };
            oauth::keep(state, "amocrm", &tokens, unsaved).await;
            Ok(tokens)
        }
        Grant::Refused(why) => {
            let what = if kind == "authorization_code" { "the authorization code" } else { "the refresh token" };
            Err(Attempt::Final {
                status: None,
                why: format!("amoCRM refused {what} ({why}); enter a new authorization code"),
            })
        }
        Grant::Later(attempt) => Err(attempt),
    }
}

/// New tokens for the refresh token. Should amoCRM refuse it because another node (or an
/// admin check there) renewed the tokens meanwhile — the kept refresh token is no longer the one
/// sent, as amoCRM rotates it — the kept tokens are taken instead. Should the kept refresh token
/// still be the one sent, that node may not have kept its new tokens yet: the call is tried
/// again later (a call given up still marks the integration failing).
async fn renew(state: &AppState, s: &OrgSettings, t: &Tokens, unsaved: &mut Option<Tokens>) -> Result<Tokens, Attempt> {
    let renewed = grant(state, s, ("refresh_token", &t.refresh_token, &t.code), unsaved).await;
    let Err(Attempt::Final { why, .. }) = &renewed else {
        return renewed;
    };
    match oauth::current(state, "amocrm", unsaved).await {
        Ok(Some(kept)) if kept.issued_for == t.issued_for && kept.refresh_token == t.refresh_token => {
            Err(Attempt::Retry { status: None, why: why.clone(), retry_after: None })
        }
        Ok(Some(kept)) if kept.issued_for == t.issued_for && !kept.refresh_token.is_empty() => Ok(kept),
        _ => renewed,
    }
}

/// Tokens to call with: the kept ones, or new ones for a code not exchanged yet.
async fn tokens(state: &AppState, s: &OrgSettings, unsaved: &mut Option<Tokens>) -> Result<Tokens, Attempt> {
    let kept = oauth::current(state, "amocrm", unsaved)
        .await
        .map_err(|e| Attempt::Retry { status: None, why: e.to_string(), retry_after: None })?
        .filter(|t| t.issued_for == issued_for(s));
    let code = s.amocrm_auth_code.trim();
    let code_digest = if code.is_empty() { String::new() } else { oauth::digest(&[code]) };
    match kept {
        Some(t) if code.is_empty() || t.code == code_digest => Ok(t),
        _ if !code.is_empty() => grant(state, s, ("authorization_code", code, &code_digest), unsaved).await,
        _ => Err(Attempt::Final {
            status: None,
            why: "amoCRM is not authorised: enter an authorization code or a long-lived token".into(),
        }),
    }
}

/// Makes the request `make` builds with a working access token, renewing it when it has
/// expired and once after a 401. The answer whatever its status, or the attempt that ends it.
/// The integration's lock is held only while tokens are loaded or renewed.
pub async fn call(
    state: &AppState,
    s: &OrgSettings,
    make: impl Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
) -> Result<outbound::Answer, Attempt> {
    let base = base(state, s);
    let with = |token: &str| make(&state.http, &base).bearer_auth(token);
    let long_lived = s.amocrm_long_lived_token.trim();
    if !long_lived.is_empty() {
        let answer = outbound::call(with(long_lived), CALL_LIMIT).await?;
        return refused(answer, "the long-lived token");
    }
    let used = {
        let mut unsaved = state.crm_auth.lock("amocrm").await;
        let t = tokens(state, s, &mut unsaved).await?;
        if t.expires_at != 0 && t.expires_at <= state.now() + EARLY_MICROS && !t.refresh_token.is_empty() {
            renew(state, s, &t, &mut unsaved).await?
        } else {
            t
        }
    };
    let answer = outbound::call(with(&used.access_token), CALL_LIMIT).await?;
    if answer.status != 401 || used.refresh_token.is_empty() {
        return refused(answer, "the access token");
    }
    let renewed = {
        let mut unsaved = state.crm_auth.lock("amocrm").await;
        // Another call may have renewed the tokens while this one was made: those are taken.
        let kept = oauth::current(state, "amocrm", &mut unsaved).await.ok().flatten();
        match kept.filter(|k| k.issued_for == used.issued_for && k.refresh_token != used.refresh_token) {
            Some(k) if !k.refresh_token.is_empty() => k,
            _ => renew(state, s, &used, &mut unsaved).await?,
        }
    };
    refused(outbound::call(with(&renewed.access_token), CALL_LIMIT).await?, "a renewed access token")
}

/// A 401 as a final attempt naming what was refused; any other answer as it is.
fn refused(answer: outbound::Answer, what: &str) -> Result<outbound::Answer, Attempt> {
    if answer.status == 401 {
        let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
        let why = format!("amoCRM refused {what} ({})", oauth::describe(401, &body));
        return Err(Attempt::Final { status: Some(401), why });
    }
    Ok(answer)
}

pub async fn add_contact(state: &AppState, s: &OrgSettings, c: &Contact) -> Attempt {
    let mut fields = Vec::new();
    for (code, value) in [("PHONE", &c.phone), ("EMAIL", &c.email)] {
        if let Some(v) = value {
            fields.push(json!({"field_code": code, "values": [{"value": v, "enum_code": "WORK"}]}));
        }
    }
    let mut contact = json!({
        "name": c.display_name(&s.default_lang),
        "request_id": format!("beseda-chat-{}", c.chat_id),
        "_embedded": {"tags": [{"name": "beseda"}]},
    });
    if !fields.is_empty() {
        contact["custom_fields_values"] = json!(fields);
    }
    let body = json!([contact]);
    match call(state, s, |http, base| http.post(format!("{base}/api/v4/contacts")).json(&body)).await {
        Ok(answer) => oauth::outcome("amoCRM", answer),
        Err(attempt) => attempt,
    }
}

/// The admin panel's check: `GET /api/v4/account` with the current token.
pub async fn check(state: &AppState, s: &OrgSettings) -> Attempt {
    match call(state, s, |http, base| http.get(format!("{base}/api/v4/account"))).await {
        Ok(answer) => oauth::outcome("amoCRM", answer),
        Err(attempt) => attempt,
    }
}
