//! What the CRM integrations keep between calls, in documents of the settings table: the OAuth
//! 2.0 tokens of amoCRM and Zoho (`crm.tokens.<service>`: never logged, never in an admin
//! answer) and each integration's connection state (`crm.status.<service>`), which the admin
//! panel shows. Also the token endpoint call the two share.

use super::CALL_LIMIT;
use crate::outbound::{self, Attempt};
use crate::state::AppState;
use beseda_store::StoreError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Tokens of one integration.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: String,
    /// When the access token expires (µs since the epoch; 0: not known).
    #[serde(default)]
    pub expires_at: i64,
    /// Digest of the set-up the tokens were issued for (account, client id, …): tokens of an
    /// earlier set-up are not used.
    #[serde(default)]
    pub issued_for: String,
    /// Digest of the authorization code they came from (amoCRM), so a new code is exchanged.
    #[serde(default)]
    pub code: String,
    /// The API address the token endpoint named for these tokens (Zoho's `api_domain`).
    #[serde(default)]
    pub api_domain: String,
}

/// A digest that tells set-ups apart without keeping what they are made of.
pub fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.trim().as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..12])
}

pub async fn load(state: &AppState, service: &str) -> Result<Option<Tokens>, StoreError> {
    let doc = state.store.setting_doc(&format!("crm.tokens.{service}")).await?;
    Ok(doc.and_then(|d| serde_json::from_value(d).ok()))
}

pub async fn save(state: &AppState, service: &str, tokens: &Tokens) -> Result<(), StoreError> {
    let doc = serde_json::to_value(tokens).map_err(|e| StoreError::Conflict(e.to_string()))?;
    state.store.save_setting_doc(&format!("crm.tokens.{service}"), &doc).await
}

/// One lock per integration, held while its tokens are loaded, renewed and kept (never during
/// the data call), so a rotated refresh token is not spent twice by this node. Each guards the
/// tokens this node was issued but could not save yet.
#[derive(Default)]
pub struct Auth {
    amocrm: tokio::sync::Mutex<Option<Tokens>>,
    zoho: tokio::sync::Mutex<Option<Tokens>>,
}

impl Auth {
    pub async fn lock(&self, service: &str) -> tokio::sync::MutexGuard<'_, Option<Tokens>> {
        if service == "amocrm" { &self.amocrm } else { &self.zoho }.lock().await
    }
}

/// The tokens to use: those this node could not save yet (saved now if the store takes them),
/// else the kept ones.
pub async fn current(
    state: &AppState,
    service: &str,
    unsaved: &mut Option<Tokens>,
) -> Result<Option<Tokens>, StoreError> {
    if let Some(t) = unsaved.clone() {
        if save(state, service, &t).await.is_ok() {
            tracing::info!(service, "CRM tokens held in memory are saved now");
            *unsaved = None;
        }
        return Ok(Some(t));
    }
    load(state, service).await
}

/// Keeps tokens just issued. A vendor that rotates the refresh token (amoCRM) has spent the old
/// one, so a failed save is tried twice more; should the store still fail, this node holds the
/// tokens in memory (`unsaved`), uses them and saves them at its next call.
pub async fn keep(state: &AppState, service: &str, tokens: &Tokens, unsaved: &mut Option<Tokens>) {
    let mut failure = None;
    for pause in [0, 200, 1000] {
        tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
        match save(state, service, tokens).await {
            Ok(()) => {
                *unsaved = None;
                return;
            }
            Err(e) => failure = Some(e),
        }
    }
    let error = failure.map(|e| e.to_string()).unwrap_or_default();
    tracing::error!(
        service,
        %error,
        "CRM tokens just issued could not be saved; this node keeps them in memory and saves them at its next call \
         (a restart before then loses them, and the integration needs a new authorization)"
    );
    *unsaved = Some(tokens.clone());
}

/// What a token endpoint gave.
pub enum Grant {
    Issued {
        access_token: String,
        refresh_token: Option<String>,
        expires_in: Option<i64>,
        api_domain: Option<String>,
    },
    /// The endpoint refused what it was given (a revoked or wrong refresh token or code, a
    /// wrong client secret): no retry mends it.
    Refused(String),
    /// No answer worth reading (connection error, time-out, 5xx, 429), or too many token
    /// requests (Zoho's 400 `"error":"Access Denied"`): try again later.
    Later(Attempt),
}

/// Calls a token endpoint. A refusal is described from the answer's documented error fields
/// only (amoCRM `hint`/`detail`, Zoho and RFC 6749 `error`/`error_description`), never echoing
/// what was sent.
pub async fn token_call(req: reqwest::RequestBuilder) -> Grant {
    let answer = match outbound::call(req, CALL_LIMIT).await {
        Ok(a) => a,
        Err(later) => return Grant::Later(later),
    };
    let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    let access = body.get("access_token").and_then(Value::as_str).filter(|t| !t.is_empty());
    if (200..300).contains(&answer.status) {
        if let Some(access) = access {
            return Grant::Issued {
                access_token: access.to_owned(),
                refresh_token: body.get("refresh_token").and_then(Value::as_str).map(str::to_owned),
                expires_in: body.get("expires_in").and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok())),
                api_domain: body.get("api_domain").and_then(Value::as_str).map(str::to_owned),
            };
        }
    } else if answer.status >= 500 || answer.status == 429 || answer.status == 408 {
        return Grant::Later(answer.attempt());
    } else if body.get("error").and_then(Value::as_str) == Some("Access Denied") {
        // Zoho Accounts: too many access tokens asked for within ten minutes; the refresh
        // token is still good once the block lapses.
        let why = describe(answer.status, &body);
        return Grant::Later(Attempt::Retry { status: Some(answer.status), why, retry_after: answer.retry_after });
    }
    Grant::Refused(describe(answer.status, &body))
}

/// A vendor's error answer in a line: its status and its documented error fields.
pub fn describe(status: u16, body: &Value) -> String {
    let fields: Vec<String> =
        ["code", "error", "error_description", "title", "hint", "detail", "message", "description"]
            .iter()
            .filter_map(|k| body.get(*k))
            .filter_map(|v| match v {
                Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect();
    let mut text = format!("HTTP {status}");
    if !fields.is_empty() {
        text = format!("{text}: {}", fields.join("; "));
    }
    text.chars().take(300).collect()
}

/// An answer as an attempt ([`outbound::Answer::attempt`]), a refusal described with the
/// vendor's error fields.
pub fn outcome(vendor: &str, answer: outbound::Answer) -> Attempt {
    let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    match answer.attempt() {
        Attempt::Final { status, .. } => {
            Attempt::Final { status, why: format!("{vendor}: {}", describe(status.unwrap_or(0), &body)) }
        }
        other => other,
    }
}

/// Whether an integration works, as last seen by a call or a check.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// `ok`, `failing`, or `unknown` (not called yet since it was set up).
    pub state: String,
    /// Why it is failing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When it was last seen (µs since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<i64>,
}

pub async fn connection(state: &AppState, service: &str) -> Result<Connection, StoreError> {
    let doc = state.store.setting_doc(&format!("crm.status.{service}")).await?;
    Ok(doc
        .and_then(|d| serde_json::from_value(d).ok())
        .unwrap_or_else(|| Connection { state: "unknown".into(), ..Connection::default() }))
}

/// Records how a call went, as far as the store allows: a failed write is logged, never a
/// reason to make the call again.
pub async fn note(state: &AppState, service: &str, outcome: Result<(), &str>) {
    if let Err(e) = record(state, service, outcome).await {
        tracing::warn!(service, error = %e, "the CRM connection state could not be saved");
    }
}

/// Records how a call or check went.
pub async fn record(state: &AppState, service: &str, outcome: Result<(), &str>) -> Result<Connection, StoreError> {
    let c = Connection {
        state: if outcome.is_ok() { "ok" } else { "failing" }.into(),
        error: outcome.err().map(str::to_owned),
        checked_at: Some(state.now()),
    };
    let doc = serde_json::to_value(&c).map_err(|e| StoreError::Conflict(e.to_string()))?;
    state.store.save_setting_doc(&format!("crm.status.{service}"), &doc).await?;
    Ok(c)
}

/// Forgets the state of an integration whose set-up changed (it shows as `unknown` until the
/// next call or check).
pub async fn forget(state: &AppState, service: &str) -> Result<(), StoreError> {
    let doc = serde_json::to_value(Connection { state: "unknown".into(), ..Connection::default() })
        .map_err(|e| StoreError::Conflict(e.to_string()))?;
    state.store.save_setting_doc(&format!("crm.status.{service}"), &doc).await
}
