//! Zendesk Support: a ticket for every new chat (`POST /api/v2/tickets.json`, Basic auth
//! `{email}/token:{api_token}`, an `Idempotency-Key` so a retried call makes one ticket).

use super::{Contact, CALL_LIMIT};
use crate::outbound::{self, Attempt};
use crate::state::AppState;
use beseda_core::settings::OrgSettings;
use serde_json::json;

pub async fn create_ticket(state: &AppState, s: &OrgSettings, c: &Contact) -> Attempt {
    let base = state.config.api_urls.zendesk.replace("{subdomain}", s.zendesk_subdomain.trim());
    let lang = s.default_lang.as_str();
    let (chat_word, from_word) =
        if lang == "en" { ("Chat", "Visitor") } else { ("Чат №", "Посетитель") };
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
        .post(format!("{}/api/v2/tickets.json", base.trim_end_matches('/')))
        .basic_auth(format!("{}/token", s.zendesk_login.trim()), Some(s.zendesk_api_token.trim()))
        .header("Idempotency-Key", format!("beseda-chat-{}", c.chat_id))
        .json(&json!({"ticket": ticket}));
    outbound::send(req, CALL_LIMIT).await
}
