//! Zoho CRM: a lead for every new chat (`POST /crm/v2/Leads`) with the configured Lead Source.
//! Authorised with the account's auth token, or one obtained from the account's e-mail and
//! password (`/apiauthtoken/nb/create` of Zoho Accounts).

use super::{json_of, Contact, CALL_LIMIT};
use crate::outbound::{self, Attempt};
use crate::state::AppState;
use beseda_core::settings::OrgSettings;
use serde_json::json;

/// The auth token: the configured one, or a new one for the e-mail and password.
async fn token(state: &AppState, s: &OrgSettings) -> Result<String, Attempt> {
    if !s.zoho_auth_token.trim().is_empty() {
        return Ok(s.zoho_auth_token.trim().to_owned());
    }
    let url = format!("{}/apiauthtoken/nb/create", state.config.api_urls.zoho_accounts.trim_end_matches('/'));
    let form = [
        ("SCOPE", "ZohoCRM/crmapi"),
        ("EMAIL_ID", s.zoho_email.trim()),
        ("PASSWORD", s.zoho_password.as_str()),
        ("DISPLAY_NAME", "Beseda"),
    ];
    match outbound::send(state.http.post(url).form(&form), CALL_LIMIT).await {
        Attempt::Delivered(body) => {
            let text = String::from_utf8_lossy(&body);
            let token = text.lines().find_map(|l| l.trim().strip_prefix("AUTHTOKEN=")).map(str::to_owned);
            token.ok_or(Attempt::Final { status: None, why: "Zoho Accounts gave no auth token".into() })
        }
        other => Err(other),
    }
}

pub async fn add_lead(state: &AppState, s: &OrgSettings, c: &Contact) -> Attempt {
    let token = match token(state, s).await {
        Ok(t) => t,
        Err(a) => return a,
    };
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
    let req = state
        .http
        .post(format!("{}/crm/v2/Leads", state.config.api_urls.zoho.trim_end_matches('/')))
        .header("Authorization", format!("Zoho-authtoken {token}"))
        .json(&json!({"data": [lead]}));
    match outbound::send(req, CALL_LIMIT).await {
        Attempt::Delivered(body) => {
            let answer = json_of(&body);
            match answer.pointer("/data/0/code").and_then(|c| c.as_str()) {
                Some("SUCCESS") | None => Attempt::Delivered(body),
                Some(code) => Attempt::Final { status: None, why: format!("Zoho: {code}") },
            }
        }
        other => other,
    }
}
