//! CRM integrations (seed 003 «Интеграция»): every new chat becomes a Zendesk ticket, an
//! amoCRM contact, a Zoho CRM lead and a Unisender contact — whichever are set up. Each call is
//! an outbox row written with the chat (`crm.<service>`), made by this loop with the service's
//! documented API at the address of the deployment settings, retried after the configured
//! delays on connection errors, time-outs, 408, 429 and 5xx, and given up on other refusals.
//! How the last call or admin check of Zendesk, amoCRM and Zoho went is kept
//! ([`oauth::Connection`]) for the admin panel. The Unisender bulk export of all contacts from
//! history runs here too, a batch at a time.

mod amocrm;
pub mod oauth;
pub mod unisender;
mod zendesk;
mod zoho;

/// The integrations whose connection the admin panel shows and checks
/// (`/api/admin/v1/integrations/crm`).
pub const CHECKED: [&str; 3] = ["zendesk", "amocrm", "zoho"];

/// Calls the service once to see whether its set-up works, and records the outcome.
pub async fn check(
    state: &AppState,
    s: &beseda_core::settings::OrgSettings,
    service: &str,
) -> Result<oauth::Connection, StoreError> {
    let attempt = match service {
        "zendesk" => zendesk::check(state, s).await,
        "amocrm" => amocrm::check(state, s).await,
        _ => zoho::check(state, s).await,
    };
    oauth::record(state, service, result(&attempt)).await
}

/// How an attempt bears on the connection state: ok, failing with its reason, or (for a
/// passing fault: connection error, time-out, 5xx) failing for now with that reason.
fn result(attempt: &Attempt) -> Result<(), &str> {
    match attempt {
        Attempt::Delivered(_) => Ok(()),
        Attempt::Retry { why, .. } | Attempt::Final { why, .. } => Err(why.as_str()),
    }
}

/// Forgets the connection state of the integrations whose settings changed.
pub async fn settings_changed(
    state: &AppState,
    before: &beseda_core::settings::OrgSettings,
    after: &beseda_core::settings::OrgSettings,
) -> Result<(), StoreError> {
    let (b, a) = (serde_json::to_value(before).unwrap_or_default(), serde_json::to_value(after).unwrap_or_default());
    for service in CHECKED {
        let prefix = format!("{service}_");
        let changed = a.as_object().into_iter().flatten().any(|(k, v)| k.starts_with(&prefix) && b.get(k) != Some(v));
        if changed {
            oauth::forget(state, service).await?;
        }
    }
    Ok(())
}

use crate::metrics::{Outcome, Worker};
use crate::outbound::Attempt;
use crate::state::AppState;
use beseda_core::ids::ChatId;
use beseda_core::model::Visitor;
use beseda_core::settings::is_email;
use beseda_core::state::MessageKind;
use beseda_store::{ChatDetail, OutboxClaim, StoreError};
use serde_json::Value;
use std::time::Duration;

/// The outbox kinds of this loop.
pub const KINDS: [&str; 5] = ["crm.zendesk", "crm.amocrm", "crm.zoho", "crm.unisender", "crm.unisender_export"];
const LEASE: Duration = Duration::from_secs(120);
const BATCH: i64 = 16;
/// Time limit of one call.
pub(crate) const CALL_LIMIT: Duration = Duration::from_secs(15);

/// What the CRMs are told about a visitor.
#[derive(Debug, Default)]
pub struct Contact {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The visitor's first message in the chat.
    pub question: String,
    pub chat_id: i64,
}

impl Contact {
    pub fn of_visitor(v: &Visitor) -> Self {
        let field = |k: &str| v.fields.get(k).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        Self {
            name: field("name"),
            email: field("email").filter(|e| is_email(e)),
            phone: field("phone"),
            ..Self::default()
        }
    }

    fn of_chat(d: &ChatDetail) -> Self {
        let question =
            d.messages.iter().find(|m| m.kind == MessageKind::Visitor).map(|m| m.text.clone()).unwrap_or_default();
        Self { question, chat_id: d.chat.id.0, ..Self::of_visitor(&d.visitor) }
    }

    /// A name for systems that need one.
    pub fn display_name(&self, lang: &str) -> String {
        self.name
            .clone()
            .or_else(|| self.email.clone())
            .or_else(|| self.phone.clone())
            .unwrap_or_else(|| beseda_core::texts::visitor_default_name(lang).to_owned())
    }
}

/// One call for a new chat.
async fn call(state: &AppState, kind: &str, claim: &OutboxClaim) -> Result<Attempt, StoreError> {
    let s = state.store.settings().await?;
    if !s.crm_targets().iter().any(|t| kind.strip_prefix("crm.") == Some(*t)) {
        return Ok(Attempt::Final { status: None, why: "the integration is no longer set up".into() });
    }
    let chat = ChatId(claim.payload.get("chatId").and_then(Value::as_i64).unwrap_or(0));
    let Some(detail) = state.store.chat(chat).await? else {
        return Ok(Attempt::Final { status: None, why: "the chat no longer exists".into() });
    };
    let contact = Contact::of_chat(&detail);
    let attempt = match kind {
        "crm.zendesk" => zendesk::create_ticket(state, &s, &contact).await,
        "crm.amocrm" => amocrm::add_contact(state, &s, &contact).await,
        "crm.zoho" => zoho::add_lead(state, &s, &contact).await,
        "crm.unisender" => unisender::subscribe(state, &s, &contact).await,
        _ => Attempt::Final { status: None, why: "unknown integration".into() },
    };
    Ok(attempt)
}

/// One pass over every kind.
pub async fn deliver_once(state: &AppState) -> Result<usize, StoreError> {
    let mut handled = 0;
    for kind in KINDS {
        for claim in state.store.claim_outbox(kind, BATCH, LEASE.as_micros() as i64).await? {
            handled += 1;
            if kind == "crm.unisender_export" {
                unisender::export_step(state, &claim).await?;
                continue;
            }
            let delays = &state.config.crm_retry_delays;
            let attempt = call(state, kind, &claim).await?;
            let retry_left = (claim.attempts as usize) < delays.len();
            state.metrics.delivery(Worker::Crm, Outcome::of(&attempt, retry_left));
            // A fault to be retried says nothing yet of the set-up; a delivery, a refusal or a
            // call given up does. Only after the vendor call, so it never makes the call again.
            let service = kind.trim_start_matches("crm.");
            if CHECKED.contains(&service) && !(retry_left && matches!(attempt, Attempt::Retry { .. })) {
                oauth::note(state, service, result(&attempt)).await;
            }
            match attempt {
                Attempt::Delivered(_) => state.store.outbox_done(claim.id, None).await?,
                Attempt::Retry { why, retry_after, .. } if retry_left => {
                    tracing::info!(kind, attempt = claim.attempts + 1, "CRM call will be retried");
                    let delay = retry_after.unwrap_or(delays[claim.attempts as usize]).min(Duration::from_secs(3600));
                    state.store.outbox_retry(claim.id, delay.as_micros() as i64, &why).await?;
                }
                Attempt::Retry { why, .. } | Attempt::Final { why, .. } => {
                    tracing::warn!(kind, "CRM call given up");
                    state.store.outbox_done(claim.id, Some(&why)).await?;
                }
            }
        }
    }
    Ok(handled)
}

pub async fn run(state: AppState) {
    crate::state::delivery_loop(&state, "CRM calls", &state.crm_wake, || deliver_once(&state)).await;
}

/// A JSON answer of a 2xx call, or `Null`.
pub(crate) fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}
