//! Zendesk Support: a ticket for every new chat (`POST /api/v2/tickets.json`, an
//! `Idempotency-Key` so a retried call makes one ticket). Authorised with an OAuth access token
//! (`Authorization: Bearer …`) when one is set, otherwise with the agent's e-mail and an API
//! token (Basic `{email}/token:{api_token}`). A refusal (401 `{"error":"Couldn't authenticate
//! you"}`) marks the integration failing.

use super::oauth;
use super::{Contact, CALL_LIMIT};
use crate::outbound::{self, Attempt};
use crate::state::AppState;
use beseda_core::settings::OrgSettings;
use serde_json::{json, Value};

fn base(state: &AppState, s: &OrgSettings) -> String {
    state.config.api_urls.zendesk.replace("{subdomain}", s.zendesk_subdomain.trim()).trim_end_matches('/').to_owned()
}

fn authorised(req: reqwest::RequestBuilder, s: &OrgSettings) -> reqwest::RequestBuilder {
    let oauth_token = s.zendesk_oauth_token.trim();
    if oauth_token.is_empty() {
        req.basic_auth(format!("{}/token", s.zendesk_login.trim()), Some(s.zendesk_api_token.trim()))
    } else {
        req.bearer_auth(oauth_token)
    }
}

/// The admin panel's check: `GET /api/v2/users/me.json` names the user the credentials act
/// as (an anonymous user, without an id, when Zendesk did not take them).
pub async fn check(state: &AppState, s: &OrgSettings) -> Attempt {
    let req = authorised(state.http.get(format!("{}/api/v2/users/me.json", base(state, s))), s);
    let answer = match outbound::call(req, CALL_LIMIT).await {
        Ok(a) => a,
        Err(attempt) => return attempt,
    };
    match oauth::outcome("Zendesk", answer) {
        Attempt::Delivered(body) => {
            let me: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            if me.pointer("/user/id").is_some_and(|id| !id.is_null()) {
                Attempt::Delivered(body)
            } else {
                Attempt::Final {
                    status: Some(200),
                    why: "Zendesk: the credentials were not accepted (anonymous user)".into(),
                }
            }
        }
        other => other,
    }
}

pub async fn create_ticket(state: &AppState, s: &OrgSettings, c: &Contact) -> Attempt {
    // The organisation's texts: Russian for `ru`, English for every other main language.
    let lang = beseda_core::languages::interface(&s.default_lang);
    let (chat_word, from_word) =
        if lang == "ru" { ("Чат №", "Посетитель") } else { ("Chat", "Visitor") };
    let mut subject = format!("{chat_word} {}: {}", c.chat_id, c.question);
    if subject.chars().count() > 150 {
        subject = subject.chars().take(149).collect::<String>() + "…";
    }
    let mut details = vec![format!("{from_word}: {}", c.display_name(lang))];
    details.extend(c.email.iter().map(|e| format!("E-mail: {e}")));
    details.extend(c.phone.iter().map(|p| format!("Phone: {p}")));
    let body = format!("{}\n\n{}", c.question, details.join("\n"));
    let mut ticket = json!({
        "subject": subject,
        "comment": {"body": body},
        "external_id": format!("beseda-chat-{}", c.chat_id),
        "tags": ["beseda", "chat"],
    });
    if let Some(email) = &c.email {
        ticket["requester"] = json!({"name": c.display_name(lang), "email": email});
    }
    let req = state
        .http
        .post(format!("{}/api/v2/tickets.json", base(state, s)))
        .header("Idempotency-Key", format!("beseda-chat-{}", c.chat_id))
        .json(&json!({"ticket": ticket}));
    match outbound::call(authorised(req, s), CALL_LIMIT).await {
        Ok(answer) => oauth::outcome("Zendesk", answer),
        Err(attempt) => attempt,
    }
}
