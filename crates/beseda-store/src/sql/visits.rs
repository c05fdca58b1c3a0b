//! Visitor sessions: visitors and their visit sessions, the widget's start and log, the
//! visitor's history, and visitor identification.

use crate::capabilities::{Stats, Visits};
use crate::{
    Changes, DeltaRead, HistoryPage, HistoryQuery, InitOutcome, InitVisit, PageAuth, PageVisit, Result, SessionField,
    Snapshot, StoreError, VisitorCtx,
};
use async_trait::async_trait;
use beseda_core::ids::{hex_id, PageId, VisitSessionId, VisitorId};
use beseda_core::model::{Chat, Message, VisitSession};
use beseda_core::operator_wire::OperatorEvent;
use beseda_core::protocol::visitor::DeltaItem;
use beseda_core::provided_visitor::ProvidedVisitor;
use beseda_core::state::VisitSessionState;
use beseda_core::DomainError;
use serde_json::Value;
use std::collections::BTreeMap;

use super::chats::{chat_event, save_chat};
use super::context::record_page;
use super::exec::{query, query_scalar};
use super::load::{
    load_chat_view, load_current_chat, load_operators, load_placement, load_settings, load_visitor, offered_departments,
};
use super::rows::{json_col, message_from, parse_col, prefixed, to_json, MESSAGE_COLS};
use super::surveys::running_survey;
use super::visitors::{blocked, mark_present, site_visitor_event};
use super::{Conn, SqlStore};

/// Messages of a chat a visitor is shown.
pub(super) const CHAT_MESSAGE_LIMIT: i64 = 1000;

const HISTORY_PAGE: i64 = 100;

/// A new visit session of `visitor` at `req.location`, with revision 1 in its log.
pub(super) async fn create_visit_session(
    conn: &mut Conn,
    visitor_id: &VisitorId,
    req: &InitVisit,
    now: i64,
) -> Result<VisitSessionId> {
    let id = VisitSessionId::random();
    let has_chat = load_current_chat(conn, visitor_id, &req.location, false, now).await?.is_some();
    let state = if has_chat { VisitSessionState::Chat } else { VisitSessionState::Idle };
    query(
        "INSERT INTO visit_sessions (id, visitor_id, location, state, revision, device_id, platform, title, \
         app_version, push_token, push_service, created_at, last_seen_at, log_written_at, page_url, user_agent, \
         client_address, referrer) VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $10, $11, $12, $11, $13, $14, $15, $16)",
    )
    .bind(id.as_str())
    .bind(visitor_id.as_str())
    .bind(&req.location)
    .bind(state.as_str())
    .bind(&req.device_id)
    .bind(&req.platform)
    .bind(&req.title)
    .bind(&req.app_version)
    .bind(&req.push_token)
    .bind(&req.push_service)
    .bind(now)
    .bind(now)
    .bind(&req.page_url)
    .bind(&req.user_agent)
    .bind(&req.client_address)
    .bind(&req.referrer)
    .execute(&mut *conn)
    .await?;
    // Revision 1: the session exists. Clients never see revision 0.
    query("INSERT INTO session_events (visit_session_id, revision, created_at, item) VALUES ($1, 1, $2, $3)")
        .bind(id.as_str())
        .bind(now)
        .bind(to_json(&DeltaItem::visit_session_state(id.as_str(), state.as_str()))?)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

/// A new anonymous visitor.
pub(super) async fn create_visitor(conn: &mut Conn, now: i64) -> Result<VisitorId> {
    let id = VisitorId::random();
    let (color, shape) = random_icon();
    query(
        "INSERT INTO visitors (id, fields, icon_color, icon_shape, created_at, modified_at) VALUES ($1, '{}', $2, $3, $4, $5)",
    )
    .bind(id.as_str())
    .bind(color)
    .bind(shape)
    .bind(now)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// The visitor a site identified, created on first sight; its fields become the provided ones
/// (`display_name` is stored as `name`).
async fn provided_visitor(conn: &mut Conn, p: &ProvidedVisitor, now: i64) -> Result<VisitorId> {
    let fields: BTreeMap<&str, &str> =
        p.fields.iter().map(|(k, v)| (if k == "display_name" { "name" } else { k.as_str() }, v.as_str())).collect();
    let (color, shape) = random_icon();
    query(
        "INSERT INTO visitors (id, fields, icon_color, icon_shape, provided_id, created_at, modified_at) \
         VALUES ($1, '{}', $2, $3, $4, $5, $6) ON CONFLICT (provided_id) DO NOTHING",
    )
    .bind(VisitorId::random().as_str())
    .bind(color)
    .bind(shape)
    .bind(&p.id)
    .bind(now)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let row = query("UPDATE visitors SET fields = $1, modified_at = $2 WHERE provided_id = $3 RETURNING id")
        .bind(to_json(&fields)?)
        .bind(now)
        .bind(&p.id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(VisitorId::from_stored(row.try_get("id")?))
}

pub(super) async fn merge_visitor_fields(conn: &mut Conn, visitor: &VisitorId, fields: &Value, now: i64) -> Result<()> {
    let Value::Object(new) = fields else {
        return Err(DomainError::WrongArgumentValue("visitor-fields").into());
    };
    let current: String =
        query_scalar("SELECT fields FROM visitors WHERE id = $1").bind(visitor.as_str()).fetch_one(&mut *conn).await?;
    let mut merged: BTreeMap<String, String> = serde_json::from_str(&current)?;
    for (k, v) in new {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Null => continue,
            other => other.to_string(),
        };
        merged.insert(k.clone(), text);
    }
    query("UPDATE visitors SET fields = $1, modified_at = $2 WHERE id = $3")
        .bind(to_json(&merged)?)
        .bind(now)
        .bind(visitor.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn random_icon() -> (String, String) {
    const COLORS: [&str; 6] = ["#5fa0ea", "#e76f51", "#2a9d8f", "#e9c46a", "#9b5de5", "#f15bb5"];
    const SHAPES: [&str; 4] = ["rhombus", "circle", "square", "star"];
    let seed = u128::from_str_radix(&hex_id(), 16).unwrap_or(0);
    (COLORS[(seed % 6) as usize].to_owned(), SHAPES[((seed >> 8) % 4) as usize].to_owned())
}

/// A visitor's page opens (`/l/v/m/init`): the visitor and visit session it names or a new one,
/// and a new page.
async fn init_visit(conn: &mut Conn, req: &InitVisit, now: i64) -> Result<InitOutcome> {
    if load_placement(conn, &req.location).await?.is_none() {
        return Err(DomainError::WrongArgumentValue("location").into());
    }
    // A known visit session (an unguessable bearer id) names its visitor.
    let mut session: Option<(String, String)> = None;
    // An ended session still names its visitor: a new session continues that visitor.
    let mut ended_session_visitor: Option<VisitorId> = None;
    if let Some(sid) = &req.visit_session_id {
        let row = query("SELECT id, visitor_id, last_seen_at FROM visit_sessions WHERE id = $1")
            .bind(sid.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(row) = row {
            let last: i64 = row.try_get("last_seen_at")?;
            let visitor: String = row.try_get("visitor_id")?;
            let same_visitor = req.visitor_id.as_ref().is_none_or(|v| v.as_str() == visitor);
            if last > now - req.session_ttl_micros && same_visitor {
                session = Some((row.try_get("id")?, visitor));
            } else if same_visitor {
                ended_session_visitor = Some(VisitorId::from_stored(visitor));
            }
        }
    }
    let claimed = req.visitor_id.clone().or(ended_session_visitor);
    let mut changes = Changes::default();
    let visitor_id = match (&req.provided, &session, &claimed) {
        (Some(p), _, _) => {
            let id = provided_visitor(conn, p, now).await?;
            // A session of someone else is not resumed for the identified visitor.
            if session.as_ref().is_some_and(|(_, v)| v != id.as_str()) {
                session = None;
            }
            id
        }
        (None, Some((_, v)), _) => VisitorId::from_stored(v.clone()),
        (None, None, Some(v)) if load_visitor(conn, v).await?.is_some() => v.clone(),
        _ => create_visitor(conn, now).await?,
    };
    if load_visitor(conn, &visitor_id).await?.is_some_and(|v| v.banned)
        || blocked(conn, Some(&visitor_id), req.client_address.as_deref(), now).await?
    {
        return Err(DomainError::VisitorBanned.into());
    }
    if let Some(fields) = &req.prechat_fields {
        query("UPDATE visitors SET prechat_fields = $1 WHERE id = $2")
            .bind(to_json(fields)?)
            .bind(visitor_id.as_str())
            .execute(&mut *conn)
            .await?;
    }
    let session_id = match session {
        Some((id, _)) => {
            query(
                "UPDATE visit_sessions SET last_seen_at = $1, location = $2, title = COALESCE($3, title), \
                 push_token = COALESCE($4, push_token), push_service = COALESCE($5, push_service), \
                 page_url = COALESCE($6, page_url), user_agent = COALESCE($7, user_agent), \
                 client_address = COALESCE($8, client_address), referrer = COALESCE(referrer, $9) WHERE id = $10",
            )
            .bind(now)
            .bind(&req.location)
            .bind(&req.title)
            .bind(&req.push_token)
            .bind(&req.push_service)
            .bind(&req.page_url)
            .bind(&req.user_agent)
            .bind(&req.client_address)
            .bind(&req.referrer)
            .bind(&id)
            .execute(&mut *conn)
            .await?;
            VisitSessionId::from_stored(id)
        }
        None => create_visit_session(conn, &visitor_id, req, now).await?,
    };
    if let Some(url) = &req.page_url {
        record_page(conn, session_id.as_str(), url, req.title.as_deref(), now).await?;
    }
    // On the site (again): operators hear of an arrival.
    if let Some(logged) = mark_present(conn, &visitor_id, &session_id, now).await? {
        changes.merge(logged);
    }
    let page = PageAuth {
        page_id: PageId::random(),
        auth_token: hex_id(),
        visit_session_id: session_id,
        visitor_id,
        location: req.location.clone(),
        last_seen_at: now,
        blocked: false,
        push_token: req.push_token.is_some(),
        listening_until: None,
    };
    query("INSERT INTO pages (id, auth_token, visit_session_id, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(page.page_id.as_str())
        .bind(&page.auth_token)
        .bind(page.visit_session_id.as_str())
        .bind(now)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(InitOutcome { page, changes })
}

#[async_trait]
impl Visits for SqlStore {
    async fn init_visit(&self, req: &InitVisit) -> Result<InitOutcome> {
        let (req, now) = (req.clone(), self.clock.now());
        self.write(move |conn| Box::pin(async move { init_visit(conn, &req, now).await })).await
    }

    async fn page(&self, id: &PageId) -> Result<Option<PageAuth>> {
        let row = query(
            "SELECT p.id, p.auth_token, p.visit_session_id, p.last_seen_at, s.visitor_id, s.location, \
             s.push_token IS NOT NULL AS push_token, s.listening_until, \
             EXISTS (SELECT 1 FROM visitor_blocks b WHERE (b.visitor_id = s.visitor_id OR b.address = s.client_address) \
             AND b.lifted_at IS NULL AND (b.expires_at IS NULL OR b.expires_at > $1)) AS blocked \
             FROM pages p JOIN visit_sessions s ON s.id = p.visit_session_id WHERE p.id = $2",
        )
        .bind(self.clock.now())
        .bind(id.as_str())
        .fetch_optional(&mut self.read_quick()?)
        .await?;
        row.map(|r| {
            Ok(PageAuth {
                page_id: PageId::from_stored(r.try_get("id")?),
                auth_token: r.try_get("auth_token")?,
                visit_session_id: VisitSessionId::from_stored(r.try_get("visit_session_id")?),
                visitor_id: VisitorId::from_stored(r.try_get("visitor_id")?),
                location: r.try_get("location")?,
                last_seen_at: r.try_get("last_seen_at")?,
                blocked: r.try_get("blocked")?,
                push_token: r.try_get("push_token")?,
                listening_until: r.try_get("listening_until")?,
            })
        })
        .transpose()
    }

    async fn touch_page(&self, page: &PageAuth, now: i64) -> Result<()> {
        let (page_id, session_id) = (page.page_id.clone(), page.visit_session_id.clone());
        self.write(move |conn| {
            Box::pin(async move {
                query("UPDATE pages SET last_seen_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(page_id.as_str())
                    .execute(&mut *conn)
                    .await?;
                query("UPDATE visit_sessions SET last_seen_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(session_id.as_str())
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    async fn snapshot(&self, session: &VisitSessionId) -> Result<Snapshot> {
        let mut conn = self.read().await?;
        // Revision first: the state read afterwards is at least as new.
        let row = query(
            "SELECT id, visitor_id, location, state, revision, created_at, last_seen_at FROM visit_sessions WHERE id = $1",
        )
        .bind(session.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        let session = VisitSession {
            id: VisitSessionId::from_stored(row.try_get("id")?),
            visitor_id: VisitorId::from_stored(row.try_get("visitor_id")?),
            location: row.try_get("location")?,
            state: parse_col(&row, "state", VisitSessionState::parse)?,
            revision: row.try_get("revision")?,
            created_at: row.try_get("created_at")?,
            last_seen_at: row.try_get("last_seen_at")?,
        };
        let settings = load_settings(&mut conn).await?;
        let visitor = load_visitor(&mut conn, &session.visitor_id).await?.ok_or(StoreError::NotFound)?;
        let placement = load_placement(&mut conn, &session.location).await?.ok_or(StoreError::NotFound)?;
        let chat = match load_current_chat(&mut conn, &session.visitor_id, &session.location, false, self.clock.now())
            .await?
        {
            Some(c) => Some(load_chat_view(&mut conn, c).await?),
            None => None,
        };
        let departments = offered_departments(&mut conn, &placement).await?;
        let online_operators = load_operators(&mut conn, true).await?;
        let survey = running_survey(&mut conn, &session.visitor_id).await?;
        drop(conn);
        let queue_counts = self.queue_counts(beseda_core::presence::queue_caps(&settings)).await?;
        Ok(Snapshot {
            revision: session.revision,
            session,
            visitor,
            placement,
            settings,
            chat,
            departments,
            online_operators,
            queue_counts,
            survey,
        })
    }

    async fn deltas(&self, session: &VisitSessionId, since: i64, limit: i64) -> Result<DeltaRead> {
        let mut conn = self.read().await?;
        let current: Option<i64> = query_scalar("SELECT revision FROM visit_sessions WHERE id = $1")
            .bind(session.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        let Some(current) = current else { return Ok(DeltaRead::Full) };
        if since <= 0 || since > current {
            return Ok(DeltaRead::Full);
        }
        if since == current {
            return Ok(DeltaRead::Items { revision: current, items: Vec::new() });
        }
        let rows = query(
            "SELECT revision, item FROM session_events WHERE visit_session_id = $1 AND revision > $2 \
             ORDER BY revision LIMIT $3",
        )
        .bind(session.as_str())
        .bind(since)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        // A gap right after `since` means the items were pruned: the client needs a full update.
        let first: Option<i64> = rows.first().map(|r| r.try_get("revision")).transpose()?;
        if first != Some(since + 1) {
            return Ok(DeltaRead::Full);
        }
        let mut revision = since;
        let mut items = Vec::with_capacity(rows.len());
        for r in &rows {
            revision = r.try_get("revision")?;
            items.push(json_col(r, "item")?);
        }
        Ok(DeltaRead::Items { revision, items })
    }

    async fn current_chat(&self, visitor: &VisitorId, location: &str) -> Result<Option<Chat>> {
        load_current_chat(&mut *self.read().await?, visitor, location, false, self.clock.now()).await
    }

    async fn visit_page(&self, v: &VisitorCtx, page: &PageVisit) -> Result<Changes> {
        let v2 = v.clone();
        let page = page.clone();
        self.visitor_change(v, move |conn, emit, settings| {
            Box::pin(async move {
                // The chat first, as every other change locks it, then the session.
                let chat = load_current_chat(conn, &v2.visitor_id, &v2.location, true, emit.now).await?;
                let url = page.url;
                let before: Option<String> = query_scalar("SELECT page_url FROM visit_sessions WHERE id = $1")
                    .bind(v2.visit_session_id.as_str())
                    .fetch_one(&mut *conn)
                    .await?;
                query("UPDATE visit_sessions SET page_url = $1, referrer = COALESCE(referrer, $2) WHERE id = $3")
                    .bind(&url)
                    .bind(&page.referrer)
                    .bind(v2.visit_session_id.as_str())
                    .execute(&mut *conn)
                    .await?;
                record_page(conn, v2.visit_session_id.as_str(), &url, page.title.as_deref(), emit.now).await?;
                // Operators' visitors list follows the visitor from page to page.
                if before.as_deref() != Some(url.as_str()) {
                    if let Some(event) =
                        site_visitor_event(conn, &v2.visitor_id, &v2.visit_session_id, emit.now).await?
                    {
                        emit.op(OperatorEvent::VisitorUpdated(event));
                    }
                }
                let Some(mut chat) = chat else {
                    return Ok(());
                };
                let priority = i64::from(settings.is_priority_page(&url));
                if chat.priority != priority {
                    chat.priority = priority;
                    save_chat(conn, &chat).await?;
                    chat_event(conn, emit, &chat).await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn set_session_field(&self, v: &VisitorCtx, field: SessionField, value: &str) -> Result<()> {
        let (sql, key) = match field {
            SessionField::PushToken => {
                ("UPDATE visit_sessions SET push_token = $1 WHERE id = $2", v.visit_session_id.as_str())
            }
            SessionField::WidgetState => {
                ("UPDATE visit_sessions SET widget_state = $1 WHERE id = $2", v.visit_session_id.as_str())
            }
            SessionField::PrechatFields => {
                ("UPDATE visitors SET prechat_fields = $1 WHERE id = $2", v.visitor_id.as_str())
            }
        };
        query(sql).bind(value).bind(key).execute(&self.writer).await?;
        Ok(())
    }

    async fn history(&self, visitor: &VisitorId, query: HistoryQuery) -> Result<HistoryPage> {
        let mut conn = self.read().await?;
        let current: i64 = query_scalar("SELECT history_revision FROM visitors WHERE id = $1")
            .bind(visitor.as_str())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let cols = prefixed("m", MESSAGE_COLS);
        let from = "FROM messages m JOIN chats c ON c.id = m.chat_id JOIN visitors v ON v.id = c.visitor_id \
                    WHERE c.visitor_id = $1 AND c.id >= v.history_hidden_before AND m.kind <> 'for_operator'";
        let page = match query {
            HistoryQuery::Latest | HistoryQuery::Before(_) => {
                let before = match query {
                    HistoryQuery::Before(ts) => ts,
                    _ => i64::MAX,
                };
                let sql = format!(
                    "SELECT {cols} {from} AND m.deleted = FALSE AND m.created_at < $2 \
                     ORDER BY m.created_at DESC, m.id DESC LIMIT $3"
                );
                let rows = super::exec::query(&sql)
                    .bind(visitor.as_str())
                    .bind(before)
                    .bind(HISTORY_PAGE + 1)
                    .fetch_all(&mut *conn)
                    .await?;
                let has_more = rows.len() as i64 > HISTORY_PAGE;
                let mut messages: Vec<Message> =
                    rows.iter().take(HISTORY_PAGE as usize).map(message_from).collect::<Result<_>>()?;
                messages.reverse();
                HistoryPage { messages, has_more, revision: current }
            }
            HistoryQuery::Since(since) => {
                let sql = format!(
                    "SELECT {cols}, m.history_revision AS hr {from} AND m.history_revision > $2 \
                     ORDER BY m.history_revision LIMIT $3"
                );
                let rows = super::exec::query(&sql)
                    .bind(visitor.as_str())
                    .bind(since)
                    .bind(HISTORY_PAGE + 1)
                    .fetch_all(&mut *conn)
                    .await?;
                let has_more = rows.len() as i64 > HISTORY_PAGE;
                let taken = &rows[..rows.len().min(HISTORY_PAGE as usize)];
                let revision = match taken.last() {
                    Some(r) => r.try_get("hr")?,
                    None => since,
                };
                let messages = taken.iter().map(message_from).collect::<Result<_>>()?;
                HistoryPage { messages, has_more, revision }
            }
        };
        Ok(page)
    }

    async fn search_messages(&self, visitor: &VisitorId, text: &str, limit: i64) -> Result<Vec<Message>> {
        let sql = format!(
            "SELECT {} FROM messages m JOIN chats c ON c.id = m.chat_id WHERE c.visitor_id = $1 \
             AND m.deleted = FALSE AND m.kind <> 'for_operator' AND LOWER(m.text) LIKE $2 \
             ORDER BY m.created_at DESC LIMIT $3",
            prefixed("m", MESSAGE_COLS)
        );
        let escaped = text.to_lowercase().replace(['\\', '%', '_'], "");
        let rows = super::exec::query(&sql)
            .bind(visitor.as_str())
            .bind(format!("%{escaped}%"))
            .bind(limit)
            .fetch_all(&self.reader)
            .await?;
        // SQLite's LOWER folds ASCII only; confirm case-insensitively here.
        let needle = text.to_lowercase();
        Ok(rows
            .iter()
            .map(message_from)
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter(|m| m.text.to_lowercase().contains(&needle))
            .collect())
    }

    async fn save_visitor_token(&self, token: &str, visitor: &ProvidedVisitor) -> Result<()> {
        let mut tx = self.begin().await?;
        query(
            "INSERT INTO visitor_tokens (token, fields, registered_at) VALUES ($1, $2, $3) \
             ON CONFLICT (token) DO UPDATE SET fields = excluded.fields, registered_at = excluded.registered_at",
        )
        .bind(token)
        .bind(to_json(&visitor.fields)?)
        .bind(self.clock.now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn visitor_token(&self, token: &str, since: i64) -> Result<Option<ProvidedVisitor>> {
        let row = query("SELECT fields FROM visitor_tokens WHERE token = $1 AND registered_at >= $2")
            .bind(token)
            .bind(since)
            .fetch_optional(&self.reader)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let fields: BTreeMap<String, String> = json_col(&row, "fields")?;
        let id = fields.get("id").cloned().unwrap_or_default();
        Ok(Some(ProvidedVisitor { id, fields }))
    }
}
