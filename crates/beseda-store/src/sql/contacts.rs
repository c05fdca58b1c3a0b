//! The visitor's answer to a contact request (`chat.cont_resp`, visitor-api.md §12.1): a
//! `contacts` message, the visitor's fields updated, and the daily limit of e-mail changes.

use crate::capabilities::ContactRequests;
use crate::{Changes, Result, VisitorCtx};
use async_trait::async_trait;
use beseda_core::contacts::{self, EMAIL_CHANGES_PER_DAY};
use beseda_core::ids::{hex_id, VisitorId};
use beseda_core::model::Chat;
use beseda_core::operator_wire::OperatorEvent;
use beseda_core::protocol::visitor::{self as proto, DeltaItem};
use beseda_core::settings::OrgSettings;
use beseda_core::state::MessageKind;
use beseda_core::{local_time, DomainError};
use serde_json::Value;

use super::chats::save_chat;
use super::exec::{query, query_scalar};
use super::load::{load_current_chat, load_visitor};
use super::messages::{insert_message, NewMessage};
use super::routing::{after_visitor_message, unread_by_operator_from};
use super::rows::opt_json_col;
use super::visitors::site_visitor_event;
use super::visits::merge_visitor_fields;
use super::{Conn, SqlStore};

/// Rows of `visitor_email_changes` are kept this long (µs): longer than any local day.
const KEEP_EMAIL_CHANGES: i64 = 2 * 86_400 * 1_000_000;

#[async_trait]
impl ContactRequests for SqlStore {
    async fn answer_contact_request(&self, v: &VisitorCtx, fields: &Value) -> Result<Changes> {
        let (v2, fields) = (v.clone(), fields.clone());
        self.visitor_change(v, move |conn, emit, settings| {
            Box::pin(async move {
                let fields = contacts::validate(&settings, &fields)?;
                let data = contacts::data(&fields);
                let mut chat = load_current_chat(conn, &v2.visitor_id, &v2.location, true, emit.now)
                    .await?
                    .ok_or(DomainError::NoChat)?;
                match last_request_or_answer(conn, &chat).await? {
                    Some((MessageKind::ContReq, _)) => {}
                    // A retry of the answer already given changes nothing.
                    Some((MessageKind::Contacts, answered)) if answered.as_ref() == Some(&data) => return Ok(()),
                    _ => return Err(DomainError::NotAllowed.into()),
                }
                let visitor = load_visitor(conn, &v2.visitor_id).await?.ok_or(DomainError::VisitorNotFound)?;
                if let Some(email) = fields.get("email") {
                    let before = visitor.fields.get("email").map(|e| e.to_lowercase());
                    if before.as_deref() != Some(email.to_lowercase().as_str()) {
                        count_email_change(conn, &v2.visitor_id, &settings, emit.now).await?;
                    }
                }
                merge_visitor_fields(conn, &v2.visitor_id, &data, emit.now).await?;
                let answer = NewMessage {
                    chat: &chat,
                    client_side_id: hex_id(),
                    kind: MessageKind::Contacts,
                    text: contacts::summary(&fields, chat.text_language(&settings)),
                    data: Some(data),
                    author: None,
                    // The visitor's name, as the fields just merged make it.
                    name: None,
                    quote: None,
                };
                let message = insert_message(conn, emit, answer).await?;
                after_visitor_message(conn, emit, &mut chat, message.created_at).await?;
                unread_by_operator_from(emit, &mut chat, message.created_at);
                chat.modified_at = emit.now;
                save_chat(conn, &chat).await?;
                // The visitor's clients and the operators' visitor card follow the new fields.
                if let Some(updated) = load_visitor(conn, &v2.visitor_id).await? {
                    emit.item(DeltaItem::visitor_full(chat.visit_session_id.as_str(), proto::Visitor::new(&updated)));
                }
                if let Some(event) = site_visitor_event(conn, &v2.visitor_id, &v2.visit_session_id, emit.now).await? {
                    emit.op(OperatorEvent::VisitorUpdated(event));
                }
                Ok(())
            })
        })
        .await
    }
}

/// The chat's latest contact request or answer (not deleted), with its data.
async fn last_request_or_answer(conn: &mut Conn, chat: &Chat) -> Result<Option<(MessageKind, Option<Value>)>> {
    let row = query(
        "SELECT kind, data FROM messages WHERE chat_id = $1 AND kind IN ('cont_req', 'contacts') \
         AND deleted = FALSE ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(chat.id.0)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let kind: String = row.try_get("kind")?;
    let kind = MessageKind::parse(&kind).ok_or_else(|| crate::StoreError::Corrupt(format!("message kind {kind}")))?;
    Ok(Some((kind, opt_json_col(&row, "data")?)))
}

/// One more e-mail change today (the organisation's local day), or
/// `email-changed-too-many-times` after [`EMAIL_CHANGES_PER_DAY`].
async fn count_email_change(conn: &mut Conn, visitor: &VisitorId, settings: &OrgSettings, now: i64) -> Result<()> {
    let today = local_time::format(now, &settings.time_zone, "%Y-%m-%d");
    let day_start = local_time::day_start(&today, &settings.time_zone).unwrap_or(now - 86_400 * 1_000_000);
    let changes: i64 =
        query_scalar("SELECT COUNT(*) FROM visitor_email_changes WHERE visitor_id = $1 AND changed_at >= $2")
            .bind(visitor.as_str())
            .bind(day_start)
            .fetch_one(&mut *conn)
            .await?;
    if changes >= EMAIL_CHANGES_PER_DAY {
        return Err(DomainError::EmailChangedTooManyTimes.into());
    }
    query("DELETE FROM visitor_email_changes WHERE visitor_id = $1 AND changed_at < $2")
        .bind(visitor.as_str())
        .bind(now - KEEP_EMAIL_CHANGES)
        .execute(&mut *conn)
        .await?;
    query("INSERT INTO visitor_email_changes (visitor_id, changed_at) VALUES ($1, $2)")
        .bind(visitor.as_str())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
