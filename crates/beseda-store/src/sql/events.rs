//! The event logs: visit-session items and operator events a change appends, collected by
//! [`Emit`] and written when the change finishes; and the operator event log's reads.

use crate::capabilities::EventLog;
use crate::{Changes, OperatorEvent, Result, StoreError};
use async_trait::async_trait;
use beseda_core::ids::{OperatorId, VisitSessionId, VisitorId};
use beseda_core::model::Message;
use beseda_core::operator_wire::OperatorEvent as Event;
use beseda_core::protocol::visitor::DeltaItem;
use beseda_core::settings::OrgSettings;
use beseda_core::visibility::ChatScope;
use serde_json::{json, Value};
use std::collections::BTreeMap;

use super::exec::{query, query_scalar};
use super::lists::summarize_touched;
use super::mobile_push::queue_mobile_pushes;
use super::push::queue_pushes;
use super::rows::{json_col, to_json};
use super::visibility::stamp_scopes;
use super::{log_sequencer, Conn, SqlStore};

/// Visit sessions idle longer than this get no new log items.
const LIVE_SESSION_MICROS: i64 = 24 * 3600 * 1_000_000;

// The write side: a change collects log items and operator events, then `finish` appends them.

/// What one transaction will append.
pub(super) struct Emit {
    pub(super) visitor: VisitorId,
    pub(super) items: Vec<DeltaItem>,
    pub(super) operator_events: Vec<Event>,
    pub(super) now: i64,
    /// The organisation settings, read once per transaction.
    pub(super) settings: OrgSettings,
    /// The scheduler should look again (see [`Changes::wake_scheduler`]).
    pub(super) wake: bool,
    /// Who is acting, when an operator is (named in bot notifications).
    pub(super) actor: Option<(OperatorId, String)>,
    /// A bot that started this chat itself and gets no `new_chat` for it.
    pub(super) quiet_bot: Option<OperatorId>,
    /// System notices written now are not sent to bots (a bot's own "joined" notice).
    pub(super) mute_bot_notices: bool,
    /// Chats whose conversation changed since their last `chat_updated` here (see
    /// `summarize_touched`).
    pub(super) touched: Vec<(i64, Option<Message>)>,
    /// Scopes of chats already read in this change, as of its end (see `summarize_touched`).
    pub(super) scopes: BTreeMap<i64, ChatScope>,
    /// Web Push news not in the operator log (`beseda_core::push`), stamped and queued with it.
    pub(super) push_hints: Vec<Value>,
    /// The outbox workers this transaction queued work for (see [`Changes::queued`]); atomic
    /// because the helpers that queue it mostly see the change as `&Emit`.
    queued: std::sync::atomic::AtomicU8,
}

impl Emit {
    pub(super) fn new(visitor: &VisitorId, settings: OrgSettings, now: i64) -> Self {
        Self {
            visitor: visitor.clone(),
            items: Vec::new(),
            operator_events: Vec::new(),
            now,
            settings,
            wake: false,
            actor: None,
            quiet_bot: None,
            mute_bot_notices: false,
            push_hints: Vec::new(),
            scopes: BTreeMap::new(),
            touched: Vec::new(),
            queued: std::sync::atomic::AtomicU8::new(0),
        }
    }

    /// Notes outbox rows of `kind` written in this transaction: their worker is woken when the
    /// change is published.
    pub(super) fn queued(&self, kind: crate::Queued) {
        self.queued.fetch_or(kind.bits(), std::sync::atomic::Ordering::Relaxed);
    }

    pub(super) fn item(&mut self, item: DeltaItem) {
        self.items.push(item);
    }

    /// Drops the message items of `messages`: messages written with a new chat travel inside
    /// its `CHAT` item instead.
    pub(super) fn drop_message_items(&mut self, messages: &[Message]) {
        self.items.retain(|i| {
            !(matches!(i, DeltaItem::ChatMessage { .. }) && messages.iter().any(|m| m.id.as_str() == i.id()))
        });
    }

    pub(super) fn op(&mut self, event: Event) {
        self.operator_events.push(event);
    }

    /// Appends the items to every live visit session of the visitor and the events to the
    /// operator log. Runs inside the transaction of the change, in as few statements as it can:
    /// one to advance the sessions, one per [`INSERT_CHUNK`] log rows, two for the operator log.
    pub(super) async fn finish(mut self, conn: &mut Conn) -> Result<Changes> {
        summarize_touched(conn, &mut self).await?;
        let mut changes = Changes {
            wake_scheduler: self.wake,
            queued: crate::Queued::from_bits(*self.queued.get_mut()),
            ..Changes::default()
        };
        if !self.items.is_empty() {
            let n = self.items.len() as i64;
            let rows = query(
                "UPDATE visit_sessions SET revision = revision + $1, log_written_at = $4 \
                 WHERE visitor_id = $2 AND last_seen_at > $3 RETURNING id, revision",
            )
            .bind(n)
            .bind(self.visitor.as_str())
            .bind(self.now - LIVE_SESSION_MICROS)
            .bind(self.now)
            .fetch_all(&mut *conn)
            .await?;
            let mut sessions = rows
                .iter()
                .map(|row| Ok((row.try_get::<String, _>("id")?, row.try_get::<i64, _>("revision")?)))
                .collect::<Result<Vec<_>>>()?;
            sessions.sort();
            let mut log = Vec::with_capacity(sessions.len() * self.items.len());
            for (session, revision) in &sessions {
                for (i, item) in self.items.iter().enumerate() {
                    // Message items are named by the message; every other item by the receiving session.
                    let encoded = if item.is_about_message() || item.id() == session {
                        to_json(item)?
                    } else {
                        to_json(&item.clone().with_id(session.as_str()))?
                    };
                    log.push((session.as_str(), revision - n + 1 + i as i64, encoded));
                }
            }
            for chunk in log.chunks(INSERT_CHUNK) {
                let sql = values_sql(
                    "INSERT INTO session_events (visit_session_id, revision, created_at, item)",
                    4,
                    chunk.len(),
                );
                let mut query = query(&sql);
                for (session, revision, item) in chunk {
                    query = query.bind(*session).bind(*revision).bind(self.now).bind(item);
                }
                query.execute(&mut *conn).await?;
            }
            changes.sessions =
                sessions.into_iter().map(|(id, revision)| (VisitSessionId::from_stored(id), revision)).collect();
        }
        // Pushes to the visitor's apps that are not listening (an operator's message, …).
        if queue_mobile_pushes(conn, &self.visitor, &self.items, self.now).await? {
            changes.queued = changes.queued.with(crate::Queued::MOBILE_PUSH);
        }
        if !self.operator_events.is_empty() {
            let (logged, pushed) =
                append_operator_events_pushing(conn, &self.operator_events, self.now, &self.scopes).await?;
            changes.operator_logged = true;
            changes.operator_seq = logged.last().map(|e| e.seq);
            changes.operator_events = logged.into();
            if pushed {
                changes.queued = changes.queued.with(crate::Queued::PUSH);
            }
        }
        if !self.push_hints.is_empty() {
            let mut hints = self.push_hints;
            stamp_scopes(conn, &mut hints, &self.scopes).await?;
            if queue_pushes(conn, &hints, self.now).await? {
                changes.queued = changes.queued.with(crate::Queued::PUSH);
            }
        }
        Ok(changes)
    }
}

/// Rows per multi-row INSERT (far below either database's limit on bound parameters).
pub(super) const INSERT_CHUNK: usize = 200;

/// `head VALUES ($1, …, $cols), (…), …` for `rows` rows.
pub(super) fn values_sql(head: &str, cols: usize, rows: usize) -> String {
    let mut sql = String::with_capacity(head.len() + 8 + rows * cols * 5);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push('$');
            sql.push_str(&(r * cols + c + 1).to_string());
        }
        sql.push(')');
    }
    sql
}

/// Appends one event to the operator log (see [`append_operator_events`]).
pub(super) async fn append_operator_event(conn: &mut Conn, event: &Event, now: i64) -> Result<Option<i64>> {
    append_operator_events(conn, std::slice::from_ref(event), now).await
}

/// Appends events to the operator log, chat events stamped with their chat's scope (who may
/// see them): numbered here with consecutive sequence numbers, returning the last, or (on
/// PostgreSQL, `None`) numbered by a round after the commit (see `log_sequencer.rs`).
pub(super) async fn append_operator_events(conn: &mut Conn, events: &[Event], now: i64) -> Result<Option<i64>> {
    // Pushes come from chat events, which changes log through `Emit` (it tells whether some
    // were queued); the events logged here bring none in practice, and any would still go out
    // at the push worker's next poll.
    if events.is_empty() {
        return Err(StoreError::Corrupt("no operator event to append".into()));
    }
    let (logged, _) = append_operator_events_pushing(conn, events, now, &BTreeMap::new()).await?;
    Ok(logged.last().map(|e| e.seq))
}

/// [`append_operator_events`], returning the events as logged here (none where a round numbers
/// them) and whether Web Push notifications were queued; `known` are scopes the change has
/// read already.
async fn append_operator_events_pushing(
    conn: &mut Conn,
    events: &[Event],
    now: i64,
    known: &BTreeMap<i64, ChatScope>,
) -> Result<(Vec<OperatorEvent>, bool)> {
    // The stored form: the event with the chat's scope (who may see it) and its `seq`.
    let mut events: Vec<Value> = events.iter().map(Event::to_json).collect();
    stamp_scopes(conn, &mut events, known).await?;
    let pushed = queue_pushes(conn, &events, now).await?;
    if log_sequencer::DEFERRED {
        log_sequencer::append_pending(conn, &events, now).await?;
        return Ok((Vec::new(), pushed));
    }
    let last: i64 =
        query_scalar("UPDATE counters SET value = value + $1 WHERE name = 'operator_events' RETURNING value")
            .bind(events.len() as i64)
            .fetch_one(&mut *conn)
            .await?;
    let first = last - events.len() as i64 + 1;
    let logged: Vec<OperatorEvent> = (first..)
        .zip(events)
        .map(|(seq, mut event)| {
            if let Value::Object(map) = &mut event {
                map.insert("seq".into(), json!(seq));
            }
            OperatorEvent { seq, created_at: now, event }
        })
        .collect();
    insert_logged(conn, &logged).await?;
    Ok((logged, pushed))
}

/// Writes numbered events to the operator log.
pub(super) async fn insert_logged(conn: &mut Conn, logged: &[OperatorEvent]) -> Result<()> {
    for chunk in logged.chunks(INSERT_CHUNK) {
        let sql = values_sql("INSERT INTO operator_events (seq, operator_id, created_at, event)", 4, chunk.len());
        let mut query = query(&sql);
        for e in chunk {
            query = query.bind(e.seq).bind(None::<i64>).bind(e.created_at).bind(to_json(&e.event)?);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

#[async_trait]
impl EventLog for SqlStore {
    /// The logged events after `after`; those of messages deleted since say what the operator
    /// API says of them now ([`super::event_replay`]).
    async fn operator_events(&self, after: i64, limit: i64) -> Result<Vec<OperatorEvent>> {
        let mut conn = self.read().await?;
        let rows = query("SELECT seq, created_at, event FROM operator_events WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
        let mut events = rows
            .iter()
            .map(|r| {
                Ok(OperatorEvent {
                    seq: r.try_get("seq")?,
                    created_at: r.try_get("created_at")?,
                    event: json_col(r, "event")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        super::event_replay::without_deleted(&mut conn, &mut events).await?;
        Ok(events)
    }

    async fn last_operator_event(&self) -> Result<i64> {
        Ok(query_scalar("SELECT value FROM counters WHERE name = 'operator_events'").fetch_one(&self.reader).await?)
    }

    fn numbered_events(&self) -> Option<tokio::sync::broadcast::Receiver<std::sync::Arc<[OperatorEvent]>>> {
        log_sequencer::DEFERRED.then(|| self.log.subscribe())
    }

    async fn number_pending(&self) {
        self.log.sweep(&self.writer).await;
    }
}
