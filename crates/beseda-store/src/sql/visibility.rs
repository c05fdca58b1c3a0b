//! The store's side of `beseda_core::visibility`: chat scopes stamped on operator events, and the
//! rule applied to lists and operator actions.

use crate::Result;
use beseda_core::ids::OperatorId;
use beseda_core::model::{Chat, Operator};
use beseda_core::settings::OrgSettings;
use beseda_core::visibility::{ChatScope, Hidden};
use beseda_core::{visibility as seen, DomainError};
use serde_json::Value;
use std::collections::BTreeMap;

use super::events::INSERT_CHUNK;
use super::exec::{query, query_scalar};
use super::routing::is_bot;
use super::rows::marks;
use super::Conn;

/// Scopes of the chats `ids`, as they are in this transaction.
async fn chat_scopes(conn: &mut Conn, ids: &[i64]) -> Result<BTreeMap<i64, ChatScope>> {
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(INSERT_CHUNK) {
        let sql = format!(
            "SELECT c.id, c.operator_id, c.department_key, c.language, \
             EXISTS (SELECT 1 FROM bots b WHERE b.operator_id = c.operator_id) AS bot \
             FROM chats c WHERE c.id IN ({})",
            marks(1, chunk.len())
        );
        let mut query = query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let holder: Option<i64> = row.try_get("operator_id")?;
            let scope = ChatScope {
                holder: holder.map(OperatorId),
                holder_is_bot: holder.is_some() && row.try_get::<bool, _>("bot")?,
                department: row.try_get("department_key")?,
                language: row.try_get("language")?,
            };
            out.insert(row.try_get("id")?, scope);
        }
    }
    Ok(out)
}

/// Stamps every chat event of a batch with its chat's scope after the change, so that readers
/// of the log decide visibility without touching the database: the scopes in `known` (read by
/// the change already, as of its end), the others in one query per batch.
pub(super) async fn stamp_scopes(
    conn: &mut Conn,
    events: &mut [Value],
    known: &BTreeMap<i64, ChatScope>,
) -> Result<()> {
    let mut ids: Vec<i64> =
        events.iter().filter_map(seen::event_chat_id).filter(|id| !known.contains_key(id)).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut scopes = if ids.is_empty() { BTreeMap::new() } else { chat_scopes(conn, &ids).await? };
    scopes.extend(known.iter().map(|(id, scope)| (*id, scope.clone())));
    for event in events.iter_mut() {
        if let Some(scope) = seen::event_chat_id(event).and_then(|id| scopes.get(&id)) {
            seen::stamp(event, scope);
        }
    }
    Ok(())
}

/// Operator accounts of bots.
pub(super) async fn bot_operator_ids(conn: &mut Conn) -> Result<Vec<OperatorId>> {
    let ids: Vec<i64> = query_scalar("SELECT operator_id FROM bots").fetch_all(&mut *conn).await?;
    Ok(ids.into_iter().map(OperatorId).collect())
}

/// An operator acts only on chats they may see. A colleague's chat hidden by the settings is
/// left to the action, which refuses it as taken (409), as it always did.
pub(super) async fn may_act_on(
    conn: &mut Conn,
    operator: &Operator,
    settings: &OrgSettings,
    chat: &Chat,
) -> Result<()> {
    let bot = match chat.operator_id {
        Some(holder) => is_bot(conn, holder).await?,
        None => false,
    };
    match seen::check(operator, settings, &ChatScope::of(chat, bot)) {
        Err(Hidden::NotServed) => Err(DomainError::ChatNotServed.into()),
        Ok(()) | Err(Hidden::BySettings) => Ok(()),
    }
}
