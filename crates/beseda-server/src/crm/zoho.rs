//! Zoho CRM with OAuth 2.0: a lead for every new chat (`POST /crm/v6/Leads`, header
//! `Authorization: Zoho-oauthtoken …`) with the configured Lead Source.
//!
//! The administrator gives the client id, secret and refresh token of a Zoho API client (a
//! «Self Client» of the API console) and the account's data centre. Access tokens come from
//! `POST {accounts}/oauth/v2/token?refresh_token=…&client_id=…&client_secret=…&grant_type=
//! refresh_token` (valid an hour), are kept in the store and renewed before they expire, and
//! after a 401 whose code is `INVALID_TOKEN` the call is made once more with a new one. A
//! refused refresh token (`{"error":"invalid_code"}`) marks the integration failing; too many
//! token requests (400 `{"error":"Access Denied"}`) is a passing fault, retried later.

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
/// asks, when the deployment keeps the default `https://{api_host}` and that domain is exactly
/// the API address of a known data centre ([`ZOHO_DATA_CENTERS`]) or of the configured one;
/// otherwise the configured address (a proxy or a stand-in) with the data centre's host. The
/// access token is sent to no other host.
fn api_base(configured: &str, by_data_centre: &str, api_domain: &str) -> String {
    let own = reqwest::Url::parse(by_data_centre).ok().and_then(|u| u.host_str().map(str::to_owned));
    let named = reqwest::Url::parse(api_domain.trim_end_matches('/')).ok().filter(|u| {
        let known = |h: &str| ZOHO_DATA_CENTERS.iter().any(|d| d.2 == h) || own.as_deref() == Some(h);
        u.scheme() == "https"
            && u.username().is_empty()
            && u.password().is_none()
            && u.port().is_none()
            && u.path() == "/"
            && u.query().is_none()
            && u.fragment().is_none()
            && u.host_str().is_some_and(known)
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
async fn refresh(state: &AppState, s: &OrgSettings, unsaved: &mut Option<Tokens>) -> Result<Tokens, Attempt> {
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
            oauth::keep(state, "zoho", &tokens, unsaved).await;
            Ok(tokens)
        }
        Grant::Refused(why) => Err(Attempt::Final {
            status: None,
            why: format!("Zoho Accounts refused the refresh token ({why}); check the client id, secret, refresh token and data centre"),
        }),
        Grant::Later(Attempt::Retry { status, why, retry_after }) => {
            Err(Attempt::Retry { status, why: format!("Zoho Accounts: {why}"), retry_after })
        }
        Grant::Later(attempt) => Err(attempt),
    }
}

/// The kept access token while it is valid for a minute more.
async fn kept(state: &AppState, s: &OrgSettings, unsaved: &mut Option<Tokens>) -> Result<Option<Tokens>, Attempt> {
    Ok(oauth::current(state, "zoho", unsaved)
        .await
        .map_err(|e| Attempt::Retry { status: None, why: e.to_string(), retry_after: None })?
        .filter(|t| t.issued_for == issued_for(s) && t.expires_at > state.now() + EARLY_MICROS))
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
    let (used, fresh) = {
        let mut unsaved = state.crm_auth.lock("zoho").await;
        match kept(state, s, &mut unsaved).await? {
            Some(t) => (t, false),
            None => (refresh(state, s, &mut unsaved).await?, true),
        }
    };
    let answer = outbound::call(with(&used), CALL_LIMIT).await?;
    if answer.status == 401 && !fresh && code(&answer.body).as_deref() == Some("INVALID_TOKEN") {
        let t = {
            let mut unsaved = state.crm_auth.lock("zoho").await;
            // Another call may have renewed it while this one was made: that token is taken.
            match kept(state, s, &mut unsaved).await? {
                Some(t) if t.access_token != used.access_token => t,
                _ => refresh(state, s, &mut unsaved).await?,
            }
        };
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

/// The admin panel's check: one lead read (`GET /crm/v6/Leads?fields=Last_Name&per_page=1`:
/// 200, or 204 when there are none) with the kept access token while it is valid, else with a
/// new one (Zoho limits how many are issued: ten in ten minutes).
pub async fn check(state: &AppState, s: &OrgSettings) -> Attempt {
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
        assert_eq!(api_base("https://{api_host}", dc, "https://www.zohoapis.com/"), "https://www.zohoapis.com");
        for foreign in [
            "https://zohoapis.attacker.tld",
            "https://www.zohoapis.com.attacker.tld",
            "https://www.zohoapis.com:8443",
            "https://user@www.zohoapis.com",
            "https://www.zohoapis.com/crm",
            "https://zohoapis.com",
        ] {
            assert_eq!(api_base("https://{api_host}", dc, foreign), dc, "{foreign}");
        }
        assert_eq!(
            api_base("http://127.0.0.1:9000", "http://127.0.0.1:9000", "https://www.zohoapis.com"),
            "http://127.0.0.1:9000"
        );
    }
}
