//! Visitors on the site (present visit sessions, their arrivals, page changes and departures),
//! operators' invitations to chat, and blocked visitors.

use crate::capabilities::SiteVisitors;
use crate::{Changes, NewBlock, Result, StoreError, VisitorCtx};
use async_trait::async_trait;
use beseda_core::ids::{hex_id, ChatId, OperatorId, VisitSessionId, VisitorId};
use beseda_core::model::{Chat, Operator, Placement, SiteVisitor, VisitorBlock};
use beseda_core::operator_wire::events::{LeftVisitor, VisitorEvent, VisitorLeft};
use beseda_core::operator_wire::{OperatorEvent, SiteVisitorRow};
use beseda_core::protocol::visitor::{self as proto, DeltaItem, MessagePolicy};
use beseda_core::settings::OrgSettings;
use beseda_core::state::{ChatState, MessageKind, VisitSessionState};
use beseda_core::visibility::VisitorScope;
use beseda_core::{texts, DomainError};
use serde_json::json;
use std::collections::BTreeMap;

use super::bots::Closer;
use super::chats::{chat_event, chat_state_changed, close_chat, save_chat, set_session_state};
use super::closing::touch_activity;
use super::events::{append_operator_event, append_operator_events, Emit};
use super::exec::{query, query_scalar};
use super::load::{load_chat, load_chat_view, load_current_chat, load_operator, load_placement, load_settings};
use super::messages::{insert_message, NewMessage};
use super::routing::domain_event;
use super::rows::{chat_from, placement_from, visitor_from, CHAT_COLS, PLACEMENT_COLS, VISITOR_COLS};
use super::{Conn, DbRow, SqlStore};

const BLOCK_COLS: &str = "b.id, b.visitor_id, b.address, b.reason, b.created_by, b.created_at, b.expires_at, \
     b.lifted_at, b.lifted_by, o.name AS created_by_name, \
     (SELECT v.number FROM visitors v WHERE v.id = b.visitor_id) AS v_number, \
     (SELECT v.fields FROM visitors v WHERE v.id = b.visitor_id) AS v_fields";

/// The SQL condition "block `b` applies at `$n`".
fn block_applies(now_param: usize) -> String {
    format!("b.lifted_at IS NULL AND (b.expires_at IS NULL OR b.expires_at > ${now_param})")
}

fn block_from(row: &DbRow) -> Result<VisitorBlock> {
    let fields: BTreeMap<String, String> = row
        .try_get::<Option<String>, _>("v_fields")?
        .map(|f| serde_json::from_str(&f))
        .transpose()?
        .unwrap_or_default();
    Ok(VisitorBlock {
        visitor_number: row.try_get::<Option<i64>, _>("v_number")?.unwrap_or_default(),
        visitor_given_name: fields.get("name").map(|n| n.trim()).filter(|n| !n.is_empty()).map(str::to_owned),
        id: row.try_get("id")?,
        visitor_id: row.try_get("visitor_id")?,
        address: row.try_get("address")?,
        reason: row.try_get("reason")?,
        created_by: row.try_get("created_by")?,
        created_by_name: row.try_get("created_by_name")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        lifted_at: row.try_get("lifted_at")?,
        lifted_by: row.try_get("lifted_by")?,
    })
}

/// Whether a block applies at `now` to the visitor or to the address.
pub(super) async fn blocked(
    conn: &mut Conn,
    visitor: Option<&VisitorId>,
    address: Option<&str>,
    now: i64,
) -> Result<bool> {
    if visitor.is_none() && address.is_none() {
        return Ok(false);
    }
    let sql = format!(
        "SELECT COUNT(*) FROM visitor_blocks b WHERE (b.visitor_id = $1 OR b.address = $2) AND {}",
        block_applies(3)
    );
    let n: i64 =
        query_scalar(&sql).bind(visitor.map(VisitorId::as_str)).bind(address).bind(now).fetch_one(&mut *conn).await?;
    Ok(n > 0)
}

/// The visitor scope of a placement: the departments it offers (empty = all).
fn placement_scope(placements: &BTreeMap<String, Placement>, location: &str) -> VisitorScope {
    VisitorScope { departments: placements.get(location).map(|p| p.department_keys.clone()).unwrap_or_default() }
}

async fn placements_by_key(conn: &mut Conn) -> Result<BTreeMap<String, Placement>> {
    let sql = format!("SELECT {PLACEMENT_COLS} FROM placements");
    let rows = query(&sql).fetch_all(&mut *conn).await?;
    rows.iter().map(|r| placement_from(r).map(|p| (p.key.clone(), p))).collect()
}

/// Present visit sessions seen after `seen_after` (one per visitor: the newest), of one
/// visitor or of all.
/// The three reads of [`load_site_visitors`]: sessions, their visitors, their latest chats. With
/// `one_visitor` they look up `$2`'s sessions by index (`visit_sessions_visitor`); a filter
/// serving both cases (`$2 IS NULL OR s.visitor_id = $2`) read every present session, on the
/// writer, for each arriving visitor's `visitor_new`. The bare `s.present` is deliberate: as
/// `present = TRUE` it would let SQLite prefer `visit_sessions_present`, all present sessions.
pub(super) fn site_visitor_sql(one_visitor: bool) -> [String; 3] {
    let filter = if one_visitor {
        "s.visitor_id = $2 AND s.last_seen_at > $1 AND s.present"
    } else {
        "s.present = TRUE AND s.last_seen_at > $1 AND $2 IS NULL"
    };
    [
        format!(
            "SELECT s.id, s.visitor_id, s.location, s.page_url, s.title, s.created_at, s.last_seen_at, \
             s.client_address, (SELECT COUNT(*) FROM visit_sessions o WHERE o.visitor_id = s.visitor_id) AS visits \
             FROM visit_sessions s WHERE {filter} ORDER BY s.created_at DESC, s.id LIMIT 5000"
        ),
        format!("SELECT {VISITOR_COLS} FROM visitors WHERE id IN (SELECT s.visitor_id FROM visit_sessions s WHERE {filter})"),
        format!(
            "SELECT {CHAT_COLS} FROM chats WHERE id IN (SELECT MAX(c.id) FROM chats c WHERE c.visitor_id IN \
             (SELECT s.visitor_id FROM visit_sessions s WHERE {filter}) GROUP BY c.visitor_id)"
        ),
    ]
}

async fn load_site_visitors(conn: &mut Conn, visitor: Option<&VisitorId>, seen_after: i64) -> Result<Vec<SiteVisitor>> {
    let [sessions_sql, visitors_sql, chats_sql] = site_visitor_sql(visitor.is_some());
    let one = visitor.map(VisitorId::as_str);
    let rows = query(&sessions_sql).bind(seen_after).bind(one).fetch_all(&mut *conn).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut visitors = BTreeMap::new();
    for row in query(&visitors_sql).bind(seen_after).bind(one).fetch_all(&mut *conn).await? {
        let v = visitor_from(&row)?;
        visitors.insert(v.id.as_str().to_owned(), v);
    }
    let mut chats = BTreeMap::new();
    for row in query(&chats_sql).bind(seen_after).bind(one).fetch_all(&mut *conn).await? {
        let c = chat_from(&row)?;
        if !c.state.is_final() {
            chats.insert(c.visitor_id.as_str().to_owned(), c);
        }
    }
    let placements = placements_by_key(conn).await?;
    let mut out: Vec<SiteVisitor> = Vec::with_capacity(rows.len());
    for row in &rows {
        let visitor_id: String = row.try_get("visitor_id")?;
        // Newest first: a visitor's older present session (another device) is left out.
        if out.iter().any(|v| v.visitor.id.as_str() == visitor_id) {
            continue;
        }
        let Some(visitor) = visitors.get(&visitor_id).cloned() else { continue };
        let location: String = row.try_get("location")?;
        let placement = placements.get(&location);
        out.push(SiteVisitor {
            visitor,
            visit_session_id: VisitSessionId::from_stored(row.try_get("id")?),
            placement_title: placement.map(|p| p.title.clone()).unwrap_or_default(),
            departments: placement_scope(&placements, &location).departments,
            location,
            page_url: row.try_get("page_url")?,
            title: row.try_get("title")?,
            since: row.try_get("created_at")?,
            last_seen_at: row.try_get("last_seen_at")?,
            visits: row.try_get("visits")?,
            chat: chats.remove(&visitor_id),
            address: row.try_get("client_address")?,
        });
    }
    Ok(out)
}

/// A visitor event (`visitor_new`, `visitor_updated`) with the visitor's row, stamped with
/// their scope; `None` when the session is not present.
pub(super) async fn site_visitor_event(
    conn: &mut Conn,
    visitor: &VisitorId,
    session: &VisitSessionId,
    now: i64,
) -> Result<Option<VisitorEvent>> {
    let rows = load_site_visitors(conn, Some(visitor), i64::MIN).await?;
    let Some(v) = rows.into_iter().find(|v| &v.visit_session_id == session) else { return Ok(None) };
    let event = VisitorEvent {
        visitor: SiteVisitorRow::new(&v, now),
        notify: None,
        visitor_scope: VisitorScope { departments: v.departments.clone() },
    };
    Ok(Some(event))
}

/// The session is on the site now: when it was not present before, `visitor_new` for operators
/// (`notify`: the new-visitor notification setting at that time); returns what it logged.
pub(super) async fn mark_present(
    conn: &mut Conn,
    visitor: &VisitorId,
    session: &VisitSessionId,
    now: i64,
) -> Result<Option<Changes>> {
    let arrived = query("UPDATE visit_sessions SET present = TRUE WHERE id = $1 AND present = FALSE")
        .bind(session.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected()
        > 0;
    if !arrived {
        return Ok(None);
    }
    let Some(mut event) = site_visitor_event(conn, visitor, session, now).await? else {
        return Ok(None);
    };
    event.notify = Some(load_settings(conn).await?.new_visitor_notification);
    Ok(Some(Changes::logged(append_operator_event(conn, &OperatorEvent::VisitorNew(event), now).await?)))
}

impl SqlStore {
    async fn select_site_visitors(&self, visitor: Option<&VisitorId>, seen_after: i64) -> Result<Vec<SiteVisitor>> {
        load_site_visitors(&mut *self.read().await?, visitor, seen_after).await
    }

    async fn select_block(&self, id: i64) -> Result<Option<VisitorBlock>> {
        let sql = format!(
            "SELECT {BLOCK_COLS} FROM visitor_blocks b LEFT JOIN operators o ON o.id = b.created_by WHERE b.id = $1"
        );
        let row = query(&sql).bind(id).fetch_optional(&self.reader).await?;
        row.as_ref().map(block_from).transpose()
    }
}

/// An operator's invitation: a chat in the `invitation` state held by the operator, with their
/// message, shown to the visitor as a chat (`CHAT`, `VISIT_SESSION_STATE` = `chat`). Nothing is
/// routed; the visitor's answer makes it `chatting` with the operator.
async fn create_invitation(
    conn: &mut Conn,
    emit: &mut Emit,
    v: &VisitorCtx,
    settings: &OrgSettings,
    operator: &Operator,
    text: String,
) -> Result<()> {
    let now = emit.now;
    let language = settings.chat_language(load_placement(conn, &v.location).await?.and_then(|p| p.lang).as_deref());
    let id: i64 = query_scalar(
        "INSERT INTO chats (client_side_id, visitor_id, visit_session_id, location, department_key, operator_id, state, \
         offline, created_at, modified_at, language, channel_key) VALUES ($1, $2, $3, $4, NULL, $5, $6, FALSE, $7, $8, $9, \
         (SELECT channel_key FROM visitors WHERE id = $2)) RETURNING id",
    )
    .bind(hex_id())
    .bind(v.visitor_id.as_str())
    .bind(v.visit_session_id.as_str())
    .bind(&v.location)
    .bind(operator.id.0)
    .bind(ChatState::Invitation.as_str())
    .bind(now)
    .bind(now)
    .bind(&language)
    .fetch_one(&mut *conn)
    .await?;
    let chat = load_chat(conn, ChatId(id), false).await?.ok_or(StoreError::NotFound)?;
    let chat_item_index = emit.items.len();
    emit.item(DeltaItem::chat(v.visit_session_id.as_str(), None));
    let text = if text.trim().is_empty() { texts::invitation(&language).to_owned() } else { text };
    let m = NewMessage {
        chat: &chat,
        client_side_id: hex_id(),
        kind: MessageKind::Operator,
        text,
        data: None,
        author: Some(operator),
        name: Some(operator.name.clone()),
        quote: None,
    };
    insert_message(conn, emit, m).await?;
    let view = load_chat_view(conn, chat.clone()).await?;
    emit.drop_message_items(&view.messages);
    let whole = proto::Chat::new(
        &view.chat,
        &view.messages,
        view.operator.as_ref(),
        &view.ratings,
        MessagePolicy::from_settings(settings),
    );
    emit.items[chat_item_index] = DeltaItem::chat(v.visit_session_id.as_str(), Some(whole));
    set_session_state(conn, emit, &v.visit_session_id, VisitSessionState::Chat).await?;
    chat_event(conn, emit, &chat).await?;
    // An invitation nobody answers ends as an idle chat does.
    touch_activity(conn, emit, &chat).await
}

/// The visitor answers an invitation: the chat is the inviting operator's (`chatting`).
pub(super) async fn accept_invitation(conn: &mut Conn, emit: &mut Emit, chat: &mut Chat) -> Result<()> {
    chat.state = ChatState::Chatting;
    chat.assigned_at = Some(emit.now);
    chat.modified_at = emit.now;
    save_chat(conn, chat).await?;
    chat_state_changed(conn, emit, chat).await?;
    domain_event(conn, "chat_started", chat, json!({"visitorId": chat.visitor_id.as_str()}), emit).await?;
    Ok(())
}

#[async_trait]
impl SiteVisitors for SqlStore {
    async fn site_visitors(&self, seen_after: i64) -> Result<Vec<beseda_core::model::SiteVisitor>> {
        self.select_site_visitors(None, seen_after).await
    }

    async fn site_visitor(
        &self,
        visitor: &VisitorId,
        seen_after: i64,
    ) -> Result<Option<beseda_core::model::SiteVisitor>> {
        Ok(self.select_site_visitors(Some(visitor), seen_after).await?.into_iter().next())
    }

    async fn sweep_departed(&self, seen_before: i64, limit: i64) -> Result<Changes> {
        let stale: bool =
            query_scalar("SELECT EXISTS (SELECT 1 FROM visit_sessions WHERE present = TRUE AND last_seen_at <= $1)")
                .bind(seen_before)
                .fetch_one(&self.reader)
                .await?;
        if !stale {
            return Ok(Changes::default());
        }
        let now = self.clock.now();
        self.write(move |conn| {
            Box::pin(async move {
                let rows = query(
                    // `present = TRUE` outside too: on PostgreSQL a session another node swept
                    // meanwhile is re-checked against it and not announced twice.
                    "UPDATE visit_sessions SET present = FALSE WHERE id IN (SELECT id FROM visit_sessions \
                     WHERE present = TRUE AND last_seen_at <= $1 ORDER BY last_seen_at LIMIT $2) \
                     AND present = TRUE RETURNING id, visitor_id, location",
                )
                .bind(seen_before)
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?;
                if rows.is_empty() {
                    return Ok(Changes::default());
                }
                let placements = placements_by_key(conn).await?;
                let mut events = Vec::with_capacity(rows.len());
                for row in &rows {
                    let location: String = row.try_get("location")?;
                    let visitor: String = row.try_get("visitor_id")?;
                    let session: String = row.try_get("id")?;
                    events.push(OperatorEvent::VisitorLeft(VisitorLeft {
                        visitor: LeftVisitor { id: visitor, visit_session_id: session },
                        visitor_scope: placement_scope(&placements, &location),
                    }));
                }
                Ok(Changes::logged(append_operator_events(conn, &events, now).await?))
            })
        })
        .await
    }

    async fn invite_visitor(
        &self,
        op: OperatorId,
        visitor: &VisitorId,
        text: &str,
        seen_after: i64,
    ) -> Result<Changes> {
        let site = self.select_site_visitors(Some(visitor), seen_after).await?;
        let Some(site) = site.into_iter().next() else { return Err(DomainError::VisitorNotOnSite.into()) };
        let ctx = VisitorCtx {
            visitor_id: visitor.clone(),
            visit_session_id: site.visit_session_id.clone(),
            location: site.location.clone(),
        };
        let text = text.to_owned();
        self.visitor_change(&ctx.clone(), move |conn, emit, settings| {
            Box::pin(async move {
                if blocked(conn, Some(&ctx.visitor_id), None, emit.now).await? {
                    return Err(DomainError::VisitorBanned.into());
                }
                if load_current_chat(conn, &ctx.visitor_id, &ctx.location, true, emit.now).await?.is_some() {
                    return Err(DomainError::VisitorHasChat.into());
                }
                let operator = load_operator(conn, op).await?.ok_or(StoreError::NotFound)?;
                create_invitation(conn, emit, &ctx, &settings, &operator, text).await
            })
        })
        .await
    }

    async fn block_visitor(&self, block: &NewBlock) -> Result<(VisitorBlock, Changes)> {
        let mut conn = self.read().await?;
        let row = query(
            "SELECT id, location, client_address FROM visit_sessions WHERE visitor_id = $1 \
             ORDER BY last_seen_at DESC, id LIMIT 1",
        )
        .bind(block.visitor_id.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(DomainError::VisitorNotFound)?;
        drop(conn);
        let address: Option<String> = row.try_get("client_address")?;
        let ctx = VisitorCtx {
            visitor_id: block.visitor_id.clone(),
            visit_session_id: VisitSessionId::from_stored(row.try_get("id")?),
            location: row.try_get("location")?,
        };
        let block = block.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let changes = self
            .visitor_change(&ctx.clone(), move |conn, emit, settings| {
                Box::pin(async move {
                    let address = if block.block_address { address } else { None };
                    let id: i64 = query_scalar(
                        "INSERT INTO visitor_blocks (visitor_id, address, reason, created_by, created_at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(block.visitor_id.as_str())
                    .bind(&address)
                    .bind(&block.reason)
                    .bind(block.created_by.0)
                    .bind(emit.now)
                    .bind(block.expires_at)
                    .fetch_one(&mut *conn)
                    .await?;
                    // The open chat ends for good (closed by the system).
                    if let Some(mut chat) =
                        load_current_chat(conn, &ctx.visitor_id, &ctx.location, true, emit.now).await?
                    {
                        let text = texts::visitor_blocked(chat.text_language(&settings));
                        close_chat(conn, emit, &mut chat, ChatState::Closed, text, Closer::System).await?;
                    }
                    let _ = tx.send(id);
                    Ok(())
                })
            })
            .await?;
        let id = rx.await.map_err(|_| StoreError::NotFound)?;
        let block = self.select_block(id).await?.ok_or(StoreError::NotFound)?;
        Ok((block, changes))
    }

    async fn visitor_blocks(&self, active_at: Option<i64>, limit: i64) -> Result<Vec<VisitorBlock>> {
        let sql = format!(
            "SELECT {BLOCK_COLS} FROM visitor_blocks b LEFT JOIN operators o ON o.id = b.created_by \
             WHERE $1 IS NULL OR ({}) ORDER BY b.id DESC LIMIT $2",
            block_applies(1)
        );
        let rows = query(&sql).bind(active_at).bind(limit).fetch_all(&self.reader).await?;
        rows.iter().map(block_from).collect()
    }

    async fn lift_block(&self, id: i64, by: OperatorId) -> Result<Option<VisitorBlock>> {
        let now = self.clock.now();
        let sql = format!(
            "UPDATE visitor_blocks SET lifted_at = $1, lifted_by = $2 WHERE id = $3 AND id IN \
             (SELECT b.id FROM visitor_blocks b WHERE b.id = $3 AND {})",
            block_applies(1)
        );
        let lifted = query(&sql).bind(now).bind(by.0).bind(id).execute(&self.writer).await?.rows_affected();
        if lifted == 0 {
            return Ok(None);
        }
        self.select_block(id).await
    }
}
