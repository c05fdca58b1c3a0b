//! Zoho CRM with OAuth 2.0: a lead for every new chat (`POST /crm/v6/Leads`, header
//! `Authorization: Zoho-oauthtoken …`) with the configured Lead Source.
//!
//! The administrator gives the client id, secret and refresh token of a Zoho API client (a
//! «Self Client» of the API console) and the account's data centre. Access tokens come from
//! `POST {accounts}/oauth/v2/token?refresh_token=…&client_id=…&client_secret=…&grant_type=
//! refresh_token` (valid an hour), are kept in the store and renewed before they expire, and
//! after a 401 whose code is `INVALID_TOKEN` the call is made once more with a new one. A
//! refused refresh token (`{"error":"invalid_code"}`) marks the integration failing.

use super::oauth::{self, Grant, Tokens};
use super::{Contact, CALL_LIMIT};
use crate::outbound::{self, Attempt};
use crate::state::AppState;
use beseda_core::settings::{OrgSettings, ZOHO_DATA_CENTERS};
use serde_json::{json, Value};

const EARLY_MICROS: i64 = 60_000_000;

/// The Zoho Accounts and API addresses of the account's data centre.
fn urls(state: &AppState, s: &OrgSettings) -> (String, String) {
    let dc = ZOHO_DATA_CENTERS.iter().find(|d| d.0 == s.zoho_data_center).unwrap_or(&ZOHO_DATA_CENTERS[0]);
    let accounts = state.config.api_urls.zoho_accounts.replace("{accounts_host}", dc.1);
    let api = state.config.api_urls.zoho.replace("{api_host}", dc.2);
    (accounts.trim_end_matches('/').to_owned(), api.trim_end_matches('/').to_owned())
}

/// The API address to call: the `api_domain` Zoho Accounts named with the token, as Zoho
/// asks, when the deployment keeps the default `https://{api_host}` and that domain is a
/// `https://…zohoapis…` one; otherwise the configured address (a proxy or a stand-in) with the
/// data centre's host.
fn api_base(configured: &str, by_data_centre: &str, api_domain: &str) -> String {
    let named = reqwest::Url::parse(api_domain).ok().filter(|u| {
        u.scheme() == "https" && u.host_str().is_some_and(|h| h.split('.').any(|label| label == "zohoapis"))
    });
    match named {
        Some(u) if configured.contains("{api_host}") => u.as_str().trim_end_matches('/').to_owned(),
        _ => by_data_centre.to_owned(),
    }
}

fn issued_for(s: &OrgSettings) -> String {
    oauth::digest(&[&s.zoho_data_center, &s.zoho_client_id, &s.zoho_refresh_token])
}

/// A new access token for the refresh token, kept.
async fn refresh(state: &AppState, s: &OrgSettings) -> Result<Tokens, Attempt> {
    let (accounts, _) = urls(state, s);
    let query = [
        ("refresh_token", s.zoho_refresh_token.trim()),
        ("client_id", s.zoho_client_id.trim()),
        ("client_secret", s.zoho_client_secret.trim()),
        ("grant_type", "refresh_token"),
    ];
    let req = state.http.post(format!("{accounts}/oauth/v2/token")).query(&query);
    match oauth::token_call(req).await {
        Grant::Issued { access_token, expires_in, api_domain, .. } => {
            let tokens = Tokens {
                access_token,
                api_domain: api_domain.unwrap_or_default(),
                expires_at: state.now() + expires_in.unwrap_or(3600) * 1_000_000,
                issued_for: issued_for(s),
                ..Tokens::default()
            };
            if let Err(e) = oauth::save(state, "zoho", &tokens).await {
                return Err(Attempt::Retry { status: None, why: format!("tokens not saved: {e}"), retry_after: None });
            }
            Ok(tokens)
        }
        Grant::Refused(why) => Err(Attempt::Final {
            status: None,
            why: format!("Zoho Accounts refused the refresh token ({why}); check the client id, secret, refresh token and data centre"),
        }),
        Grant::Later(attempt) => Err(attempt),
    }
}

/// The `code` of a Zoho error answer (`{"code":"INVALID_TOKEN","details":{},"message":…}`).
fn code(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    v.get("code").and_then(Value::as_str).map(str::to_owned)
}

/// Makes the request `make` builds with a working access token, renewed when it has expired
/// and once after `INVALID_TOKEN`.
pub async fn call(
    state: &AppState,
    s: &OrgSettings,
    make: impl Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
) -> Result<outbound::Answer, Attempt> {
    let (_, api) = urls(state, s);
    let configured = &state.config.api_urls.zoho;
    let with = |t: &Tokens| {
        make(&state.http, &api_base(configured, &api, &t.api_domain))
            .header("Authorization", format!("Zoho-oauthtoken {}", t.access_token))
    };
    let _held = state.crm_auth.lock().await;
    let kept = oauth::load(state, "zoho")
        .await
        .map_err(|e| Attempt::Retry { status: None, why: e.to_string(), retry_after: None })?
        .filter(|t| t.issued_for == issued_for(s) && t.expires_at > state.now() + EARLY_MICROS);
    let fresh = kept.is_none();
    let t = match kept {
        Some(t) => t,
        None => refresh(state, s).await?,
    };
    let answer = outbound::call(with(&t), CALL_LIMIT).await?;
    if answer.status == 401 && !fresh && code(&answer.body).as_deref() == Some("INVALID_TOKEN") {
        let t = refresh(state, s).await?;
        return refused(outbound::call(with(&t), CALL_LIMIT).await?);
    }
    refused(answer)
}

fn refused(answer: outbound::Answer) -> Result<outbound::Answer, Attempt> {
    if answer.status == 401 {
        let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
        return Err(Attempt::Final { status: Some(401), why: format!("Zoho CRM: {}", oauth::describe(401, &body)) });
    }
    Ok(answer)
}

pub async fn add_lead(state: &AppState, s: &OrgSettings, c: &Contact) -> Attempt {
    let source = if s.zoho_lead_source.trim().is_empty() { "Beseda" } else { s.zoho_lead_source.trim() };
    let mut lead = json!({
        "Last_Name": c.display_name(&s.default_lang),
        "Lead_Source": source,
        "Description": format!("{}\n\n#{}", c.question, c.chat_id),
    });
    if let Some(e) = &c.email {
        lead["Email"] = json!(e);
    }
    if let Some(p) = &c.phone {
        lead["Phone"] = json!(p);
    }
    let body = json!({"data": [lead]});
    let answer = match call(state, s, |http, api| http.post(format!("{api}/crm/v6/Leads")).json(&body)).await {
        Ok(a) => a,
        Err(attempt) => return attempt,
    };
    // Each record has its own outcome, also inside a 2xx answer.
    let parsed: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    let record = parsed.pointer("/data/0").cloned().unwrap_or(Value::Null);
    match oauth::outcome("Zoho CRM", answer) {
        Attempt::Delivered(body) => match record.get("code").and_then(Value::as_str) {
            Some("SUCCESS") | None => Attempt::Delivered(body),
            Some(_) => Attempt::Final { status: None, why: format!("Zoho CRM: {}", oauth::describe(201, &record)) },
        },
        Attempt::Final { status, .. } if !record.is_null() => {
            Attempt::Final { status, why: format!("Zoho CRM: {}", oauth::describe(status.unwrap_or(0), &record)) }
        }
        other => other,
    }
}

/// The admin panel's check: a new access token, then one lead read with it
/// (`GET /crm/v6/Leads?fields=Last_Name&per_page=1`: 200, or 204 when there are none).
pub async fn check(state: &AppState, s: &OrgSettings) -> Attempt {
    // The kept access token is dropped, so the refresh token is tried too.
    if let Err(e) = oauth::save(state, "zoho", &Tokens::default()).await {
        return Attempt::Retry { status: None, why: e.to_string(), retry_after: None };
    }
    let query = [("fields", "Last_Name"), ("per_page", "1")];
    match call(state, s, |http, api| http.get(format!("{api}/crm/v6/Leads")).query(&query)).await {
        Ok(answer) => oauth::outcome("Zoho CRM", answer),
        Err(attempt) => attempt,
    }
}

#[cfg(test)]
mod tests {
    use super::api_base;

    #[test]
    fn the_api_domain_named_with_the_token_is_used_only_by_default_and_only_when_it_is_zohos() {
        let dc = "https://www.zohoapis.eu";
        assert_eq!(api_base("https://{api_host}", dc, "https://www.zohoapis.ca"), "https://www.zohoapis.ca");
        assert_eq!(api_base("https://{api_host}", dc, ""), dc);
        assert_eq!(api_base("https://{api_host}", dc, "https://evil.example/zohoapis"), dc);
        assert_eq!(api_base("https://{api_host}", dc, "http://www.zohoapis.com"), dc);
        assert_eq!(
            api_base("http://127.0.0.1:9000", "http://127.0.0.1:9000", "https://www.zohoapis.com"),
            "http://127.0.0.1:9000"
        );
    }
}
