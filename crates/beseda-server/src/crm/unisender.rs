//! Unisender (https://www.unisender.com/ru/support/api/): visitors with an e-mail or phone are
//! subscribed to the named contact list (`subscribe`, the list found with `getLists` or made
//! with `createList`), and the admin can export every contact of the history at once
//! (`importContacts`, 500 a call) while the panel shows the progress.

use super::{json_of, Contact, CALL_LIMIT};
use crate::outbound::{self, Attempt};
use crate::state::AppState;
use beseda_core::settings::OrgSettings;
use beseda_store::{OutboxClaim, StoreError};
use serde_json::Value;

/// Contacts per `importContacts` call (Unisender takes up to 500).
const IMPORT_BATCH: i64 = 500;
/// Batches per turn of the export before it yields to other work.
const BATCHES_PER_TURN: usize = 4;

fn method(state: &AppState, name: &str) -> String {
    format!("{}/ru/api/{name}", state.config.api_urls.unisender.trim_end_matches('/'))
}

/// A call with `format=json` and the API key; Unisender answers errors with HTTP 200 and
/// `{"error", "code"}`.
async fn call(state: &AppState, s: &OrgSettings, name: &str, params: &[(String, String)]) -> Result<Value, Attempt> {
    let mut form =
        vec![("format".to_owned(), "json".to_owned()), ("api_key".to_owned(), s.unisender_api_key.trim().to_owned())];
    form.extend_from_slice(params);
    match outbound::send(state.http.post(method(state, name)).form(&form), CALL_LIMIT).await {
        Attempt::Delivered(body) => {
            let v = json_of(&body);
            match v.get("error").and_then(Value::as_str) {
                None => Ok(v["result"].clone()),
                Some(e) => Err(Attempt::Final { status: None, why: format!("Unisender {}: {e}", v["code"]) }),
            }
        }
        other => Err(other),
    }
}

/// The id of the list named in the settings, made if missing.
async fn list_id(state: &AppState, s: &OrgSettings) -> Result<String, Attempt> {
    let name = s.unisender_list_name.trim();
    let lists = call(state, s, "getLists", &[]).await?;
    let found = lists.as_array().into_iter().flatten().find(|l| l["title"].as_str() == Some(name));
    let id = match found {
        Some(l) => l["id"].clone(),
        None => call(state, s, "createList", &[("title".into(), name.into())]).await?["id"].clone(),
    };
    match id {
        Value::Number(n) => Ok(n.to_string()),
        Value::String(s) if !s.is_empty() => Ok(s),
        _ => Err(Attempt::Final { status: None, why: "Unisender gave no list id".into() }),
    }
}

pub async fn subscribe(state: &AppState, s: &OrgSettings, c: &Contact) -> Attempt {
    if c.email.is_none() && c.phone.is_none() {
        return Attempt::Delivered(Default::default());
    }
    let list = match list_id(state, s).await {
        Ok(id) => id,
        Err(a) => return a,
    };
    let mut params =
        vec![("list_ids".to_owned(), list), ("double_optin".into(), "3".into()), ("overwrite".into(), "0".into())];
    params.extend(c.email.iter().map(|e| ("fields[email]".to_owned(), e.clone())));
    params.extend(c.phone.iter().map(|p| ("fields[phone]".to_owned(), p.clone())));
    params.extend(c.name.iter().map(|n| ("fields[Name]".to_owned(), n.clone())));
    match call(state, s, "subscribe", &params).await {
        Ok(_) => Attempt::Delivered(Default::default()),
        Err(a) => a,
    }
}

/// Ends the export as failed where it got to.
async fn failed(
    state: &AppState,
    claim: &OutboxClaim,
    job: i64,
    done: i64,
    cursor: &str,
    a: Attempt,
) -> Result<(), StoreError> {
    let why = match a {
        Attempt::Retry { why, .. } | Attempt::Final { why, .. } => why,
        Attempt::Delivered(_) => "unexpected answer".into(),
    };
    tracing::warn!(job, "the Unisender export failed");
    state.store.export_progress(job, done, cursor, "failed", Some(&why)).await?;
    state.store.outbox_done(claim.id, Some(&why)).await
}

/// A turn of the bulk export: up to a few batches, then the row is put back for the next turn
/// (or finished). A refusal ends the export as `failed` with the reason.
pub async fn export_step(state: &AppState, claim: &OutboxClaim) -> Result<(), StoreError> {
    let id = claim.payload.get("jobId").and_then(Value::as_i64).unwrap_or(0);
    let Some(job) = state.store.export_job_by_id(id).await?.filter(|j| j.state == "running") else {
        return state.store.outbox_done(claim.id, None).await;
    };
    let s = state.store.settings().await?;
    let (mut done, mut cursor) = (job.done, job.cursor.clone());
    let list = match list_id(state, &s).await {
        Ok(l) => l,
        Err(a) => return failed(state, claim, job.id, done, &cursor, a).await,
    };
    for _ in 0..BATCHES_PER_TURN {
        let visitors = state.store.contact_visitors(&cursor, IMPORT_BATCH).await?;
        let Some(last) = visitors.last() else {
            state.store.export_progress(job.id, done, &cursor, "done", None).await?;
            return state.store.outbox_done(claim.id, None).await;
        };
        let next_cursor = last.id.as_str().to_owned();
        let contacts: Vec<Contact> =
            visitors.iter().map(Contact::of_visitor).filter(|c| c.email.is_some() || c.phone.is_some()).collect();
        if !contacts.is_empty() {
            let mut params: Vec<(String, String)> = ["email", "phone", "Name", "email_list_ids", "phone_list_ids"]
                .iter()
                .enumerate()
                .map(|(i, f)| (format!("field_names[{i}]"), (*f).to_owned()))
                .collect();
            for (row, c) in contacts.iter().enumerate() {
                let cells = [
                    c.email.clone().unwrap_or_default(),
                    c.phone.clone().unwrap_or_default(),
                    c.name.clone().unwrap_or_default(),
                    if c.email.is_some() { list.clone() } else { String::new() },
                    if c.phone.is_some() { list.clone() } else { String::new() },
                ];
                params.extend(cells.into_iter().enumerate().map(|(col, v)| (format!("data[{row}][{col}]"), v)));
            }
            if let Err(a) = call(state, &s, "importContacts", &params).await {
                return failed(state, claim, job.id, done, &cursor, a).await;
            }
        }
        done += visitors.len() as i64;
        cursor = next_cursor;
        state.store.export_progress(job.id, done, &cursor, "running", None).await?;
    }
    // More to do: the row comes back at once for the next turn.
    state.store.outbox_retry(claim.id, 0, "continuing").await
}
