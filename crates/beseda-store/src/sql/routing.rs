//! Routing, auto-messages and durable timers.

use crate::{Redirect, RedirectTarget, Result, StoreError};
use beseda_core::chat_access::{self, DepartmentReach};
use beseda_core::ids::{ChatId, OperatorId};
use beseda_core::model::{Chat, Operator};
use beseda_core::operator_wire::events::ChatAssigned;
use beseda_core::operator_wire::OperatorEvent;
use beseda_core::protocol::channel::ChannelEventKind;
use beseda_core::protocol::visitor::{self as proto, DeltaItem};
use beseda_core::routing::{BotCandidate, OperatorLoad};
use beseda_core::settings::OrgSettings;
use beseda_core::state::{ChatState, MessageKind, OperatorStatus};
use beseda_core::timers::{self, BusyReason, TimerAction, TimerKind};
use beseda_core::{routing as route, rules, texts, DomainError};
use serde_json::{json, Value};

use super::bots::{bot_new_chat, bot_released, hand_off, load_bot, Closer};
use super::channels::{channel_event, channel_operator};
use super::chats::{chat_state_changed, close_chat, save_chat};
use super::closing::{hold_for_unread, touch_activity};
use super::events::Emit;
use super::exec::{query, query_scalar};
use super::load::{load_departments, load_operator, load_operators, locked, locked_skip, operator_department_keys};
use super::mail::emit_job;
use super::messages::system_message;
use super::rows::{json_col, parse_col, to_json};
use super::Conn;

/// Timer kinds as stored (one pending row per kind and chat).
pub(super) const TIMER_FIRST_ANSWER: &str = TimerKind::FirstAnswer.as_str();
pub(super) const TIMER_RESPONSE: &str = TimerKind::Response.as_str();
pub(super) const TIMER_OPERATOR_CLOSED: &str = TimerKind::OperatorClosed.as_str();
pub(super) const TIMER_REASSIGN: &str = TimerKind::Reassign.as_str();
pub(super) const TIMER_BOT_REPLY: &str = TimerKind::BotReply.as_str();

pub(super) fn secs(s: u64) -> i64 {
    i64::try_from(s).unwrap_or(i64::MAX / 2_000_000).saturating_mul(1_000_000)
}

/// Bots, without those the circuit breaker is skipping at `now` (all of them with `None`).
pub(super) async fn load_bots(conn: &mut Conn, now: Option<i64>) -> Result<Vec<BotCandidate>> {
    let rows = query(
        "SELECT b.operator_id, b.sort_order, b.created_at, o.status FROM bots b \
         JOIN operators o ON o.id = b.operator_id WHERE b.skip_until <= $1 ORDER BY b.operator_id",
    )
    .bind(now.unwrap_or(i64::MAX))
    .fetch_all(&mut *conn)
    .await?;
    let mut bots = Vec::with_capacity(rows.len());
    for r in &rows {
        let id = OperatorId(r.try_get("operator_id")?);
        bots.push(BotCandidate {
            operator_id: id,
            status: parse_col(r, "status", OperatorStatus::parse)?,
            sort_order: r.try_get("sort_order")?,
            created_at: r.try_get("created_at")?,
            department_keys: operator_department_keys(conn, id).await?,
        });
    }
    Ok(bots)
}

/// Some human operator serving `department` (any, without one) and speaking `language` (any,
/// without one) is online.
pub(super) async fn humans_online(conn: &mut Conn, department: Option<&str>, language: Option<&str>) -> Result<bool> {
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM operators o WHERE o.status = 'online' \
         AND NOT EXISTS (SELECT 1 FROM bots b WHERE b.operator_id = o.id) {} {} LIMIT 1) AS found",
        if department.is_some() {
            "AND (NOT EXISTS (SELECT 1 FROM operator_departments d WHERE d.operator_id = o.id) \
             OR EXISTS (SELECT 1 FROM operator_departments d WHERE d.operator_id = o.id AND d.department_key = $1))"
        } else {
            "AND $1 = $1"
        },
        if language.is_some() { "AND o.languages LIKE $2" } else { "AND $2 = $2" },
    );
    let n: i64 = query_scalar(&sql)
        .bind(department.unwrap_or_default())
        .bind(language.map_or(String::new(), |l| format!("%\"{l}\"%")))
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

pub(super) async fn is_bot(conn: &mut Conn, id: OperatorId) -> Result<bool> {
    let n: i64 =
        query_scalar("SELECT COUNT(*) FROM bots WHERE operator_id = $1").bind(id.0).fetch_one(&mut *conn).await?;
    Ok(n > 0)
}

/// Online human operators with room, least loaded first. With a department, only operators
/// serving it; with a language, only operators speaking it. Read without locks: the chosen
/// operator is locked and re-checked by [`claim_operator`].
async fn load_operator_loads(
    conn: &mut Conn,
    settings: &OrgSettings,
    department: Option<&str>,
    language: Option<&str>,
    limit: i64,
) -> Result<Vec<OperatorLoad>> {
    let default_max = i64::from(settings.max_chats_per_operator);
    let sql = format!(
        concat!(
            "SELECT o.id, o.max_chats, o.languages, o.last_assigned_at, o.open_chats FROM operators o ",
            "WHERE o.status = 'online' AND o.open_chats < COALESCE(o.max_chats, $1) ",
            "AND NOT EXISTS (SELECT 1 FROM bots b WHERE b.operator_id = o.id) {} {} ",
            "ORDER BY o.open_chats, o.last_assigned_at, o.id LIMIT $4"
        ),
        if department.is_some() {
            "AND (NOT EXISTS (SELECT 1 FROM operator_departments d WHERE d.operator_id = o.id) \
             OR EXISTS (SELECT 1 FROM operator_departments d WHERE d.operator_id = o.id AND d.department_key = $2))"
        } else {
            "AND $2 = $2"
        },
        if language.is_some() { "AND o.languages LIKE $3" } else { "AND $3 = $3" },
    );
    let rows = query(&sql)
        .bind(default_max)
        .bind(department.unwrap_or_default())
        .bind(language.map_or(String::new(), |l| format!("%\"{l}\"%")))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(OperatorLoad {
                operator_id: OperatorId(r.try_get("id")?),
                open_chats: r.try_get("open_chats")?,
                max_chats: r.try_get::<Option<i64>, _>("max_chats")?.unwrap_or(default_max),
                last_assigned_at: r.try_get("last_assigned_at")?,
                languages: json_col(r, "languages")?,
                // The query already kept only operators serving the department.
                department_keys: Vec::new(),
            })
        })
        .collect()
}

/// Locks an operator's row and checks there is still room. On PostgreSQL the row lock means
/// two transactions never both fill an operator's last free place; SQLite has one writer.
async fn claim_operator(conn: &mut Conn, id: OperatorId, default_max: i64) -> Result<Option<(i64, i64)>> {
    // SKIP LOCKED: a claim never waits. An operator being assigned by another transaction
    // right now is passed over (the chat tries the next candidate, or waits for the next
    // pass), so claims cannot wait on each other in a circle.
    let sql = locked_skip("SELECT open_chats, max_chats, status FROM operators WHERE id = $1".to_owned());
    let Some(row) = query(&sql).bind(id.0).fetch_optional(&mut *conn).await? else { return Ok(None) };
    let open: i64 = row.try_get("open_chats")?;
    let max = row.try_get::<Option<i64>, _>("max_chats")?.unwrap_or(default_max);
    let online = row.try_get::<String, _>("status")? == "online";
    Ok((online && open < max).then_some((open, max)))
}

/// Locks operator rows in id order (PostgreSQL), before a change that touches more than one
/// operator, so two such changes never wait on each other in a circle.
async fn lock_operators(conn: &mut Conn, ids: &[OperatorId]) -> Result<()> {
    let mut ids: Vec<i64> = ids.iter().map(|i| i.0).collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let sql = locked("SELECT id FROM operators WHERE id = $1".to_owned(), true);
        query(&sql).bind(id).fetch_optional(&mut *conn).await?;
    }
    Ok(())
}

pub(super) async fn set_timer(conn: &mut Conn, kind: &str, chat: ChatId, due_at: i64, now: i64) -> Result<()> {
    query(
        "INSERT INTO timers (kind, chat_id, due_at, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (kind, chat_id) DO UPDATE SET due_at = excluded.due_at",
    )
    .bind(kind)
    .bind(chat.0)
    .bind(due_at)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets a timer unless one of that kind is already pending.
async fn set_timer_once(conn: &mut Conn, kind: &str, chat: ChatId, due_at: i64, now: i64) -> Result<()> {
    query(
        "INSERT INTO timers (kind, chat_id, due_at, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (kind, chat_id) DO NOTHING",
    )
    .bind(kind)
    .bind(chat.0)
    .bind(due_at)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(super) async fn cancel_timers(conn: &mut Conn, chat: ChatId, kinds: &[&str]) -> Result<()> {
    for kind in kinds {
        query("DELETE FROM timers WHERE kind = $1 AND chat_id = $2")
            .bind(*kind)
            .bind(chat.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A domain event for integrations (webhooks read these from the outbox).
pub(super) async fn domain_event(conn: &mut Conn, kind: &str, chat: &Chat, extra: Value, emit: &Emit) -> Result<()> {
    let now = emit.now;
    let mut payload = json!({"chatId": chat.id.0, "operatorId": chat.operator_id.map(|o| o.0), "state": chat.state.as_str(), "at": now});
    if let (Value::Object(p), Value::Object(e)) = (&mut payload, extra) {
        p.extend(e);
    }
    query("INSERT INTO outbox (kind, subject, payload, created_at, due_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(format!("event.{kind}"))
        .bind(chat.id.0.to_string())
        .bind(to_json(&payload)?)
        .bind(now)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    emit.queued(crate::Queued::WEBHOOK);
    Ok(())
}

/// How an assignment came about.
#[derive(Clone, Copy)]
pub(super) enum Assignment {
    /// By hand: a take, an answer, a redirect.
    Manual,
    /// A bot taking a new chat.
    Bot,
    /// Auto-assignment, with the operator's open chats and limit at that moment.
    Auto { open_chats: i64, max_chats: i64 },
}

/// Gives the chat to `op` (a human or a bot's operator account).
pub(super) async fn assign_to(
    conn: &mut Conn,
    emit: &mut Emit,
    chat: &mut Chat,
    op: &Operator,
    how: Assignment,
    info: String,
) -> Result<()> {
    let bot = matches!(how, Assignment::Bot) || is_bot(conn, op.id).await?;
    let previous = chat.operator_id;
    bot_released(conn, chat.id, previous.filter(|p| *p != op.id), emit.now).await?;
    chat.operator_id = Some(op.id);
    chat.state = if bot { ChatState::ChattingWithRobot } else { ChatState::Chatting };
    chat.assigned_at = Some(emit.now);
    chat.modified_at = emit.now;
    save_chat(conn, chat).await?;
    query("UPDATE operators SET last_assigned_at = $1 WHERE id = $2")
        .bind(emit.now)
        .bind(op.id.0)
        .execute(&mut *conn)
        .await?;
    let sid = chat.visit_session_id.to_string();
    emit.item(DeltaItem::chat_operator(&sid, Some(proto::Operator::new(op))));
    chat_state_changed(conn, emit, chat).await?;
    // The bot hears of the chat first, and not of its own "joined" notice.
    if bot {
        bot_new_chat(conn, emit, chat, op.id).await?;
    }
    emit.mute_bot_notices = bot;
    system_message(conn, emit, chat, MessageKind::Info, info).await?;
    emit.mute_bot_notices = false;
    let (open_chats, max_chats) = match how {
        Assignment::Auto { open_chats, max_chats } => (Some(open_chats), Some(max_chats)),
        _ => (None, None),
    };
    emit.op(OperatorEvent::ChatAssigned(ChatAssigned {
        chat_id: chat.id.0,
        operator_id: op.id.0,
        previous_operator_id: previous.map(|p| p.0),
        bot,
        auto: open_chats.is_some(),
        by_operator_id: emit.actor.as_ref().map(|a| a.0 .0),
        open_chats,
        max_chats,
    }));
    domain_event(conn, "chat_assigned", chat, json!({"previousOperatorId": previous.map(|p| p.0), "bot": bot}), emit)
        .await?;
    cancel_timers(conn, chat.id, &[TIMER_REASSIGN]).await?;
    if !bot && chat.channel_key.is_some() {
        channel_event(conn, chat, ChannelEventKind::ChatAssigned { operator: channel_operator(op) }, emit).await?;
    }
    if matches!(how, Assignment::Auto { .. }) && emit.settings.reassign_timeout_secs > 0 {
        set_timer(conn, TIMER_REASSIGN, chat.id, emit.now + secs(emit.settings.reassign_timeout_secs), emit.now)
            .await?;
    }
    Ok(())
}

/// Finds and claims (locks, re-checks) the best operator with room for `chat`.
async fn claim_candidate(
    conn: &mut Conn,
    settings: &OrgSettings,
    chat: &Chat,
    exclude: Option<OperatorId>,
) -> Result<Option<(Operator, Assignment)>> {
    let language = if settings.multilang { chat.language.clone() } else { None };
    let loads = load_operator_loads(conn, settings, chat.department_key.as_deref(), language.as_deref(), 16).await?;
    let mut candidates: Vec<&OperatorLoad> = loads.iter().filter(|l| Some(l.operator_id) != exclude).collect();
    let default_max = i64::from(settings.max_chats_per_operator);
    while let Some(pick) = route::choose_operator_from(&candidates, chat.department_key.as_deref(), language.as_deref())
    {
        let pick_id = pick.operator_id;
        if let Some((open_chats, max_chats)) = claim_operator(conn, pick_id, default_max).await? {
            let op = load_operator(conn, pick_id).await?.ok_or(StoreError::NotFound)?;
            return Ok(Some((op, Assignment::Auto { open_chats, max_chats })));
        }
        candidates.retain(|c| c.operator_id != pick_id);
    }
    Ok(None)
}

/// Sends a waiting chat to the best operator when auto-assignment is on; `false` when nobody
/// has room (the chat stays in the general queue).
pub(super) async fn auto_assign(
    conn: &mut Conn,
    emit: &mut Emit,
    chat: &mut Chat,
    exclude: Option<OperatorId>,
) -> Result<bool> {
    if !emit.settings.auto_assignment || chat.operator_id.is_some() {
        return Ok(false);
    }
    let Some((op, how)) = claim_candidate(conn, &emit.settings, chat, exclude).await? else {
        return Ok(false);
    };
    let text = texts::operator_joined(chat.text_language(&emit.settings), &op.name);
    assign_to(conn, emit, chat, &op, how, text).await?;
    Ok(true)
}

/// Routes a chat that just started: a bot first, else auto-assignment.
pub(super) async fn route_new_chat(
    conn: &mut Conn,
    emit: &mut Emit,
    chat: &mut Chat,
    bot: Option<OperatorId>,
) -> Result<()> {
    if let Some(bot_id) = bot {
        let op = load_operator(conn, bot_id).await?.ok_or(StoreError::NotFound)?;
        let text = texts::operator_joined(chat.text_language(&emit.settings), &op.name);
        return assign_to(conn, emit, chat, &op, Assignment::Bot, text).await;
    }
    if chat.offline || !emit.settings.auto_assignment {
        return Ok(());
    }
    // Older waiting chats go first: the new one waits for the next pass when there are any.
    let older: i64 = query_scalar(
        "SELECT COUNT(*) FROM chats WHERE operator_id IS NULL AND state IN ('queue', 'offline_queue') AND id < $1",
    )
    .bind(chat.id.0)
    .fetch_one(&mut *conn)
    .await?;
    let assigned = older == 0 && auto_assign(conn, emit, chat, None).await?;
    let room = !load_operator_loads(conn, &emit.settings, chat.department_key.as_deref(), None, 1).await?.is_empty();
    if !assigned && !room {
        // Operators are online but nobody has room: the visitor waits in the general queue.
        system_message(
            conn,
            emit,
            chat,
            MessageKind::Info,
            texts::waiting_in_queue(chat.text_language(&emit.settings)).to_owned(),
        )
        .await?;
    }
    Ok(())
}

/// The bot that takes a chat of `department` starting now, if any.
pub(super) async fn bot_for_new_chat(
    conn: &mut Conn,
    department: Option<&str>,
    humans_online: bool,
    now: i64,
) -> Result<Option<OperatorId>> {
    let bots = load_bots(conn, Some(now)).await?;
    Ok(route::choose_bot(&bots, department, humans_online))
}

/// Timers a visitor message starts: the first-answer busy message, the operator-response busy
/// message (once per chat) and the inactivity auto-close (closing.rs).
pub(super) async fn after_visitor_message(conn: &mut Conn, emit: &mut Emit, chat: &mut Chat, at: i64) -> Result<()> {
    let s = emit.settings.clone();
    if chat.first_visitor_message_at.is_none() {
        chat.first_visitor_message_at = Some(at);
        if s.first_answer_timeout_secs > 0 {
            set_timer_once(conn, TIMER_FIRST_ANSWER, chat.id, at + secs(s.first_answer_timeout_secs), emit.now).await?;
        }
    } else if chat.first_answer_at.is_some() && !chat.response_busy_sent && s.operator_response_timeout_secs > 0 {
        set_timer_once(conn, TIMER_RESPONSE, chat.id, at + secs(s.operator_response_timeout_secs), emit.now).await?;
    }
    touch_activity(conn, emit, chat).await
}

/// A visitor's message the operator has not read: the chat is unread from it on, unless it
/// already was (`CHAT_UNREAD_BY_OPERATOR_SINCE_TS` tells the visitor's clients).
pub(super) fn unread_by_operator_from(emit: &mut Emit, chat: &mut Chat, at: i64) {
    if chat.unread_by_operator_since.is_none() {
        chat.unread_by_operator_since = Some(at);
        emit.item(DeltaItem::unread_by_operator_since(
            chat.visit_session_id.as_str(),
            Some(beseda_core::time::micros_to_secs(at)),
        ));
    }
}

/// An operator answered: no busy message is due any more.
pub(super) async fn after_operator_message(conn: &mut Conn, emit: &mut Emit, chat: &mut Chat, bot: bool) -> Result<()> {
    if !bot {
        if chat.first_answer_at.is_none() {
            chat.first_answer_at = Some(emit.now);
            chat.outcome = Some("answered".into());
        }
        cancel_timers(conn, chat.id, &[TIMER_FIRST_ANSWER, TIMER_RESPONSE, TIMER_REASSIGN]).await?;
    }
    touch_activity(conn, emit, chat).await
}

/// A visitor who leaves before any answer: a refusal or a missed visitor (decided once).
pub(super) fn classify_unanswered(emit: &Emit, chat: &mut Chat) {
    if chat.first_answer_at.is_none() && chat.outcome.is_none() {
        if let Some(first) = chat.first_visitor_message_at {
            chat.outcome = Some(route::unanswered_outcome(emit.now - first, emit.settings.refusal_timeout_secs).into());
        }
    }
}

/// Bookkeeping of a final close: the outcome of an unanswered chat, no pending timers, the
/// `chat_closed` domain event.
pub(super) async fn finish_chat(conn: &mut Conn, emit: &mut Emit, chat: &mut Chat, closed_by: &str) -> Result<()> {
    classify_unanswered(emit, chat);
    save_chat(conn, chat).await?;
    query("DELETE FROM timers WHERE chat_id = $1").bind(chat.id.0).execute(&mut *conn).await?;
    domain_event(conn, "chat_closed", chat, json!({"outcome": chat.outcome, "closedBy": closed_by}), emit).await
}

/// The busy auto-message, with its counter and (at most every 30 minutes) a long-wait e-mail.
async fn send_busy_message(conn: &mut Conn, emit: &mut Emit, chat: &mut Chat, reason: &str) -> Result<()> {
    let text = emit.settings.busy_message.clone();
    system_message(conn, emit, chat, MessageKind::OperatorBusy, text).await?;
    chat.busy_messages += 1;
    save_chat(conn, chat).await?;
    let payload = json!({"reason": reason, "chatId": chat.id.0});
    emit_job(conn, emit, "mail.long_wait", reason, &payload, Some(rules::NOTICE_EVERY_MICROS)).await?;
    Ok(())
}

/// Acts on one due timer: [`timers::due_timer_action`] decides, this carries it out.
pub(super) async fn fire_timer(conn: &mut Conn, emit: &mut Emit, kind: &str, chat: &mut Chat) -> Result<()> {
    // A kind this build does not know does nothing, as a timer whose reason has passed.
    let Some(kind) = TimerKind::parse(kind) else { return Ok(()) };
    match timers::due_timer_action(kind, chat) {
        TimerAction::Nothing => Ok(()),
        TimerAction::RestartFirstAnswer => {
            let due = emit.now + secs(emit.settings.first_answer_timeout_secs);
            set_timer(conn, TIMER_FIRST_ANSWER, chat.id, due, emit.now).await
        }
        TimerAction::Busy(reason) => {
            if reason == BusyReason::OperatorResponse {
                chat.response_busy_sent = true;
            }
            send_busy_message(conn, emit, chat, reason.as_str()).await
        }
        TimerAction::HandOff { bot } => {
            let Some(bot) = load_bot(conn, bot).await? else { return Ok(()) };
            let reason = format!("no reply within {} s", bot.reply_timeout_secs);
            hand_off(conn, emit, chat, &bot, &reason).await
        }
        TimerAction::CloseForGood => {
            // NB rule: the visitor has not read the operator's last message yet.
            if hold_for_unread(conn, emit, kind, chat).await? {
                return Ok(());
            }
            let text = texts::chat_closed_by_timeout(chat.text_language(&emit.settings));
            close_chat(conn, emit, chat, ChatState::Closed, text, Closer::Timeout).await
        }
        TimerAction::ReassignIfSilent { holder } => reassign_if_silent(conn, emit, chat, holder).await,
    }
}

/// An auto-assigned operator who wrote nothing since the assignment loses the chat to the
/// best other operator with room; with nobody else, it stays and is looked at again later.
async fn reassign_if_silent(conn: &mut Conn, emit: &mut Emit, chat: &mut Chat, holder: OperatorId) -> Result<()> {
    let since = chat.assigned_at.unwrap_or(0);
    let wrote: i64 =
        query_scalar("SELECT COUNT(*) FROM messages WHERE chat_id = $1 AND author_id = $2 AND created_at >= $3")
            .bind(chat.id.0)
            .bind(holder.0)
            .bind(since)
            .fetch_one(&mut *conn)
            .await?;
    if wrote > 0 {
        return Ok(());
    }
    // Lock the silent operator and the candidates in id order before touching either,
    // so this never waits in a circle with another reassignment.
    let language = if emit.settings.multilang { chat.language.clone() } else { None };
    let loads =
        load_operator_loads(conn, &emit.settings, chat.department_key.as_deref(), language.as_deref(), 16).await?;
    let mut involved: Vec<OperatorId> = loads.iter().map(|l| l.operator_id).collect();
    involved.push(holder);
    lock_operators(conn, &involved).await?;
    let settings = emit.settings.clone();
    match claim_candidate(conn, &settings, chat, Some(holder)).await? {
        Some((op, how)) => {
            back_to_queue(conn, emit, chat).await?;
            let text = texts::operator_joined(chat.text_language(&settings), &op.name);
            assign_to(conn, emit, chat, &op, how, text).await
        }
        // Nobody else has room: the chat stays; look again after another period.
        None => {
            let due = emit.now + secs(settings.reassign_timeout_secs);
            set_timer(conn, TIMER_REASSIGN, chat.id, due, emit.now).await
        }
    }
}

/// Returns a chat to the general queue.
pub(super) async fn back_to_queue(conn: &mut Conn, emit: &mut Emit, chat: &mut Chat) -> Result<()> {
    emit.wake = true;
    bot_released(conn, chat.id, chat.operator_id, emit.now).await?;
    chat.operator_id = None;
    chat.state = ChatState::Queue;
    chat.modified_at = emit.now;
    save_chat(conn, chat).await?;
    let sid = chat.visit_session_id.to_string();
    emit.item(DeltaItem::chat_operator(&sid, None));
    chat_state_changed(conn, emit, chat).await?;
    system_message(
        conn,
        emit,
        chat,
        MessageKind::Info,
        texts::returned_to_queue(chat.text_language(&emit.settings)).to_owned(),
    )
    .await?;
    Ok(())
}

/// Where a redirect sends a chat.
pub(super) async fn redirect_chat(
    conn: &mut Conn,
    emit: &mut Emit,
    chat: &mut Chat,
    by: &Operator,
    to: &Redirect,
) -> Result<()> {
    let holder_is_bot = match chat.operator_id.filter(|h| *h != by.id) {
        Some(holder) => is_bot(conn, holder).await?,
        None => false,
    };
    chat_access::may_redirect(by, chat.state, chat.operator_id, holder_is_bot)?;
    emit.actor = Some((by.id, by.name.clone()));
    // A department that does not exist is that, whatever the language asked.
    if let RedirectTarget::Department(key) = &to.target {
        if !load_departments(conn).await?.iter().any(|d| &d.key == key) {
            return Err(DomainError::WrongArgumentValue("departmentKey").into());
        }
    }
    if let Some(lang) = to.language.as_ref().filter(|l| chat.language.as_ref() != Some(*l)) {
        // A new language: only in multilingual mode, and only one an operator online speaks
        // (the target operator, checked below, or someone serving where the chat goes).
        if !emit.settings.multilang {
            return Err(DomainError::MultilangOff.into());
        }
        let department = match &to.target {
            RedirectTarget::Operator(_) => None,
            RedirectTarget::Department(key) => Some(key.as_str()),
            RedirectTarget::Queue => None,
        };
        let is_operator = matches!(to.target, RedirectTarget::Operator(_));
        if !is_operator && !humans_online(conn, department, Some(lang)).await? {
            return Err(DomainError::LanguageNotSpokenOnline.into());
        }
        chat.language = Some(lang.clone());
    }
    match &to.target {
        RedirectTarget::Operator(id) => {
            let op = load_operator(conn, *id).await?.ok_or(DomainError::WrongOperatorId)?;
            let mut involved = vec![op.id];
            involved.extend(chat.operator_id);
            lock_operators(conn, &involved).await?;
            let target_is_bot = is_bot(conn, op.id).await?;
            chat_access::may_redirect_to(&op, target_is_bot, &emit.settings, chat.language.as_deref())?;
            let text = texts::redirected_to(chat.text_language(&emit.settings), &op.name);
            assign_to(conn, emit, chat, &op, Assignment::Manual, text).await
        }
        RedirectTarget::Department(key) => {
            let operators = load_operators(conn, false).await?;
            let bots: Vec<OperatorId> = load_bots(conn, None).await?.iter().map(|b| b.operator_id).collect();
            DepartmentReach {
                online: DepartmentReach::serves(&operators, &bots, key, OperatorStatus::Online),
                invisible: DepartmentReach::serves(&operators, &bots, key, OperatorStatus::Invisible),
                allow_offline: to.allow_offline,
                allow_invisible: to.allow_invisible,
            }
            .check()?;
            chat.department_key = Some(key.clone());
            // Auto-assignment (when on) picks it up in its own transaction right after commit.
            back_to_queue(conn, emit, chat).await?;
            emit.push_hints.push(json!({"type": beseda_core::push::REDIRECTED_TO_DEPARTMENT, "chatId": chat.id.0}));
            Ok(())
        }
        RedirectTarget::Queue => back_to_queue(conn, emit, chat).await,
    }
}
