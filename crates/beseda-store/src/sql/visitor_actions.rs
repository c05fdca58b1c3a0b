//! What a visitor does in a chat: start it, write, edit, react, read, answer keyboards, rate,
//! close, ask for the transcript.

use crate::capabilities::VisitorActions;
use crate::{Changes, RateOperator, Result, StartChat, VisitorCtx, VisitorMessage, VisitorMessageKind};
use async_trait::async_trait;
use beseda_core::ids::{hex_id, OperatorId};
use beseda_core::model::{Chat, Rating};
use beseda_core::operator_wire::events::ChatRated;
use beseda_core::operator_wire::OperatorEvent;
use beseda_core::protocol::visitor::{self as proto, DeltaItem};
use beseda_core::rules::VisitorMessageEffect;
use beseda_core::state::{ChatState, MessageKind, OperatorStatus, VisitSessionState};
use beseda_core::{rules, texts, timers, DomainError};
use serde_json::{json, Value};

use super::bots::Closer;
use super::chats::{
    chat_state_changed, choose_department, close_chat, create_chat, recount_unread_by_visitor, save_chat,
    set_session_state, NewChat,
};
use super::closing::last_unread_by_visitor;
use super::exec::{query, query_scalar};
use super::load::{
    load_chat, load_current_chat, load_message, load_operator, load_placement, load_settings, offered_departments,
    visitor_message_by_csid,
};
use super::mail::{emit_job, queue_job};
use super::messages::{
    attach_files, delete_message, file_message_body, insert_flagged_message, insert_message, resolve_quote,
    update_message, NewMessage,
};
use super::routing::{after_visitor_message, is_bot, unread_by_operator_from};
use super::rows::{chat_from, CHAT_COLS};
use super::visitors::accept_invitation;
use super::Conn;
use super::SqlStore;

#[async_trait]
impl VisitorActions for SqlStore {
    async fn start_chat(&self, v: &VisitorCtx, req: &StartChat) -> Result<Changes> {
        let v2 = v.clone();
        let req = req.clone();
        self.visitor_change(v, move |conn, emit, settings| {
            Box::pin(async move {
                if load_current_chat(conn, &v2.visitor_id, &v2.location, true, emit.now).await?.is_some() {
                    return Ok(());
                }
                let first = req.first_question.as_deref().filter(|q| !q.trim().is_empty());
                if settings.chat_start_after_message && !req.force_start && first.is_none() {
                    // The chat waits for the first message, but a department that is not
                    // offered here is refused now, not silently replaced later; the one
                    // chosen is kept on the visit session for the first message.
                    let chosen = req.department_key.as_deref().filter(|k| !k.is_empty());
                    if chosen.is_some() {
                        let _checked = choose_department(conn, &v2, &settings, chosen).await?;
                    }
                    return keep_chosen_department(conn, &v2, chosen).await;
                }
                if let Some(q) = first {
                    rules::validate_text(q, &settings)?;
                }
                let department = match choose_department(conn, &v2, &settings, req.department_key.as_deref()).await? {
                    Ok(d) => d,
                    Err(state) => return set_session_state(conn, emit, &v2.visit_session_id, state).await,
                };
                if settings.first_question_obligatory && first.is_none() {
                    return set_session_state(conn, emit, &v2.visit_session_id, VisitSessionState::FirstQuestion).await;
                }
                let first = first.map(|q| (q.to_owned(), hex_id()));
                let new = NewChat {
                    department,
                    client_side_id: req.client_side_id.clone(),
                    force_online: req.force_online,
                    visitor_fields: req.visitor_fields.as_ref(),
                    first,
                };
                create_chat(conn, emit, &v2, &settings, new).await?;
                Ok(())
            })
        })
        .await
    }

    async fn visitor_message(&self, v: &VisitorCtx, req: &VisitorMessage) -> Result<Changes> {
        let v2 = v.clone();
        let req = req.clone();
        self.visitor_change(v, move |conn, emit, settings| {
            Box::pin(async move {
                if req.kind == VisitorMessageKind::Text {
                    rules::validate_text(&req.text, &settings)?;
                }
                // A retry or an edit of a message the visitor already sent.
                if let Some(mut existing) = visitor_message_by_csid(conn, &v2.visitor_id, &req.client_side_id).await? {
                    // A retry: the same text, or any repeat of a file or sticker message.
                    if existing.text == req.text || req.kind != VisitorMessageKind::Text {
                        return Ok(());
                    }
                    if !settings.visitor_message_editing || existing.deleted {
                        return Err(DomainError::NotAllowed.into());
                    }
                    if !existing.kind.is_visitor_side() {
                        return Err(DomainError::MessageNotOwned.into());
                    }
                    if existing.kind != MessageKind::Visitor {
                        return Err(DomainError::WrongMessageKind.into());
                    }
                    existing.text = req.text.clone();
                    existing.edited = true;
                    return update_message(conn, emit, &mut existing, &v2.visitor_id).await;
                }
                let quote = match &req.quote_message_id {
                    None => None,
                    Some(id) => Some(resolve_quote(conn, &v2, &settings, id).await?),
                };
                let (kind, data) = match &req.kind {
                    VisitorMessageKind::Text => (MessageKind::Visitor, req.data.clone()),
                    VisitorMessageKind::Sticker(id) => (MessageKind::StickerVisitor, Some(json!({"stickerId": id}))),
                    VisitorMessageKind::Files(_) => (MessageKind::FileVisitor, None),
                };
                let mut chat = match load_current_chat(conn, &v2.visitor_id, &v2.location, true, emit.now).await? {
                    Some(c) => c,
                    None => {
                        // §12.3: started as by `chat.start`, so a required department choice
                        // comes first (the client sends the question again with its choice).
                        // … in the department the visitor chose with `chat.start`, if any.
                        let chosen = chosen_department(conn, &v2).await?;
                        let department = match choose_department(conn, &v2, &settings, chosen.as_deref()).await? {
                            Ok(d) => d,
                            Err(state) => return set_session_state(conn, emit, &v2.visit_session_id, state).await,
                        };
                        // A plain text message starts the chat as its first question.
                        let first = (req.kind == VisitorMessageKind::Text
                            && quote.is_none()
                            && data.is_none()
                            && !req.hint_question)
                            .then(|| (req.text.clone(), req.client_side_id.clone()));
                        let starts_with_it = first.is_some();
                        let chat = create_chat(
                            conn,
                            emit,
                            &v2,
                            &settings,
                            NewChat { department, first, ..NewChat::default() },
                        )
                        .await?;
                        keep_chosen_department(conn, &v2, None).await?;
                        if starts_with_it {
                            return Ok(());
                        }
                        chat
                    }
                };
                if chat.state == ChatState::Invitation {
                    accept_invitation(conn, emit, &mut chat).await?;
                }
                let (operator_online, holder_is_bot) = match chat.operator_id {
                    Some(id) if chat.state.is_half_closed() => (
                        load_operator(conn, id).await?.is_some_and(|o| o.status == OperatorStatus::Online),
                        is_bot(conn, id).await?,
                    ),
                    _ => (false, false),
                };
                if let VisitorMessageEffect::Reopen(state) = rules::visitor_message_effect(chat.state, operator_online)
                {
                    let state = if state == ChatState::Chatting && holder_is_bot {
                        ChatState::ChattingWithRobot
                    } else {
                        state
                    };
                    chat.state = state;
                    if state == ChatState::Queue {
                        chat.operator_id = None;
                        emit.item(DeltaItem::chat_operator(chat.visit_session_id.as_str(), None));
                    }
                    chat.modified_at = emit.now;
                    save_chat(conn, &chat).await?;
                    chat_state_changed(conn, emit, &chat).await?;
                }
                let text = match &req.kind {
                    VisitorMessageKind::Sticker(_) => String::new(),
                    _ => req.text.clone(),
                };
                let files = match &req.kind {
                    VisitorMessageKind::Files(guids) => guids.clone(),
                    _ => Vec::new(),
                };
                let (text, data) =
                    if files.is_empty() { (text, data) } else { file_message_body(conn, emit, &v2, &files).await? };
                let m = NewMessage {
                    chat: &chat,
                    client_side_id: req.client_side_id.clone(),
                    kind,
                    text,
                    data,
                    author: None,
                    name: None,
                    quote,
                };
                let message = insert_flagged_message(conn, emit, m, req.hint_question).await?;
                attach_files(conn, &files, &message).await?;
                after_visitor_message(conn, emit, &mut chat, message.created_at).await?;
                unread_by_operator_from(emit, &mut chat, message.created_at);
                chat.modified_at = emit.now;
                save_chat(conn, &chat).await?;
                Ok(())
            })
        })
        .await
    }

    async fn visitor_delete_message(&self, v: &VisitorCtx, client_side_id: &str) -> Result<Changes> {
        let v2 = v.clone();
        let csid = client_side_id.to_owned();
        self.visitor_change(v, move |conn, emit, settings| {
            Box::pin(async move {
                let mut m = visitor_message_by_csid(conn, &v2.visitor_id, &csid)
                    .await?
                    .filter(|m| !m.deleted)
                    .ok_or(DomainError::MessageNotFound)?;
                if !m.kind.is_visitor_side() {
                    return Err(DomainError::MessageNotOwned.into());
                }
                if !settings.visitor_message_deleting {
                    return Err(DomainError::NotAllowed.into());
                }
                delete_message(conn, emit, &mut m, &v2.visitor_id).await
            })
        })
        .await
    }

    async fn visitor_react(&self, v: &VisitorCtx, client_side_id: &str, reaction: &str) -> Result<Changes> {
        let v2 = v.clone();
        let csid = client_side_id.to_owned();
        let reaction = reaction.to_owned();
        self.visitor_change(v, move |conn, emit, _settings| {
            Box::pin(async move {
                if reaction != "like" && reaction != "dislike" {
                    return Err(DomainError::WrongArgumentValue("reaction").into());
                }
                let mut m = match visitor_message_by_csid(conn, &v2.visitor_id, &csid).await? {
                    Some(m) => m,
                    None => load_message(conn, &csid)
                        .await?
                        .filter(|m| m.client_side_id == csid || m.id.as_str() == csid)
                        .ok_or(DomainError::MessageNotFound)?,
                };
                let chat = load_chat(conn, m.chat_id, false).await?.ok_or(DomainError::MessageNotFound)?;
                if chat.visitor_id != v2.visitor_id || m.deleted {
                    return Err(DomainError::MessageNotFound.into());
                }
                if !m.kind.is_operator_side() {
                    return Err(DomainError::NotAllowed.into());
                }
                m.reaction = Some(reaction);
                update_message(conn, emit, &mut m, &v2.visitor_id).await
            })
        })
        .await
    }

    async fn visitor_read(&self, v: &VisitorCtx, up_to: Option<&str>) -> Result<Changes> {
        let v2 = v.clone();
        let up_to = up_to.map(str::to_owned);
        self.visitor_change(v, move |conn, emit, _settings| {
            Box::pin(async move {
                let Some(mut chat) = load_current_chat(conn, &v2.visitor_id, &v2.location, true, emit.now).await?
                else {
                    return Ok(());
                };
                let limit_ts = match &up_to {
                    Some(id) => load_message(conn, id).await?.filter(|m| m.chat_id == chat.id).map(|m| m.created_at),
                    None => None,
                }
                .unwrap_or(i64::MAX);
                // A close by timeout may be waiting for this read (closing.rs).
                let hold_end = last_unread_by_visitor(conn, &chat).await?.map(timers::unread_hold_end);
                query(
                    "UPDATE messages SET is_read = TRUE WHERE chat_id = $1 AND created_at <= $2 AND is_read = FALSE \
                     AND kind IN ('operator', 'file_operator', 'keyboard', 'cont_req', 'action_request')",
                )
                .bind(chat.id.0)
                .bind(limit_ts)
                .execute(&mut *conn)
                .await?;
                recount_unread_by_visitor(conn, emit, &mut chat, hold_end).await
            })
        })
        .await
    }

    async fn keyboard_response(&self, v: &VisitorCtx, request_message_id: &str, button_id: &str) -> Result<Changes> {
        let v2 = v.clone();
        let request = request_message_id.to_owned();
        let button_id = button_id.to_owned();
        self.visitor_change(v, move |conn, emit, _settings| {
            Box::pin(async move {
                let chat = load_current_chat(conn, &v2.visitor_id, &v2.location, true, emit.now)
                    .await?
                    .ok_or(DomainError::CannotCreateResponse)?;
                let mut keyboard = load_message(conn, &request)
                    .await?
                    .filter(|m| m.chat_id == chat.id && m.kind == MessageKind::Keyboard)
                    .ok_or(DomainError::CannotCreateResponse)?;
                let mut data = keyboard.data.clone().unwrap_or(Value::Null);
                if data.get("state").and_then(Value::as_str) != Some("pending") {
                    return Err(DomainError::CannotCreateResponse.into());
                }
                let button = data
                    .get("buttons")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_array)
                    .flatten()
                    .find(|b| b.get("id").and_then(Value::as_str) == Some(button_id.as_str()))
                    .cloned()
                    .ok_or(DomainError::CannotCreateResponse)?;
                let button_text = button.get("text").and_then(Value::as_str).unwrap_or_default().to_owned();
                let response = NewMessage {
                    chat: &chat,
                    client_side_id: hex_id(),
                    kind: MessageKind::KeyboardResponse,
                    text: button_text.clone(),
                    data: Some(json!({
                        "button": {"id": button_id, "text": button_text},
                        "request": {"messageId": keyboard.id.as_str()},
                    })),
                    author: None,
                    name: None,
                    quote: None,
                };
                let response = insert_message(conn, emit, response).await?;
                if let Some(rows) = data.get_mut("buttons").and_then(Value::as_array_mut) {
                    for b in rows.iter_mut().filter_map(Value::as_array_mut).flatten() {
                        let selected = b.get("id").and_then(Value::as_str) == Some(button_id.as_str());
                        if let Value::Object(map) = b {
                            let config = map.entry("config").or_insert_with(|| json!({}));
                            if !config.is_object() {
                                *config = json!({});
                            }
                            config["state"] = json!(if selected { "showing_selected" } else { "showing" });
                        }
                    }
                }
                data["state"] = json!("completed");
                data["response"] = json!({"buttonId": button_id, "messageId": response.id.as_str()});
                keyboard.data = Some(data);
                update_message(conn, emit, &mut keyboard, &v2.visitor_id).await
            })
        })
        .await
    }

    async fn rate_operator(&self, v: &VisitorCtx, req: &RateOperator) -> Result<Changes> {
        let v2 = v.clone();
        let req = req.clone();
        self.visitor_change(v, move |conn, emit, settings| {
            Box::pin(async move {
                if !settings.rate_operator {
                    return Err(DomainError::RateDisabled.into());
                }
                if req.note.as_ref().is_some_and(|n| n.chars().count() > rules::MAX_RATING_NOTE) {
                    return Err(DomainError::NoteTooLong.into());
                }
                let chat = chat_to_rate(conn, &v2, emit.now).await?;
                let operator = match req.operator_id.or(chat.operator_id) {
                    Some(id) => id,
                    None => return Err(DomainError::OperatorNotInChat.into()),
                };
                if load_operator(conn, operator).await?.is_none() {
                    return Err(DomainError::WrongOperatorId.into());
                }
                if !took_part(conn, &chat, operator).await? {
                    return Err(DomainError::OperatorNotInChat.into());
                }
                query(
                    "INSERT INTO ratings (chat_id, operator_id, rating, note, created_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (chat_id, operator_id) DO UPDATE SET rating = excluded.rating, note = excluded.note, \
                     created_at = excluded.created_at",
                )
                .bind(chat.id.0)
                .bind(operator.0)
                .bind(req.rate)
                .bind(&req.note)
                .bind(emit.now)
                .execute(&mut *conn)
                .await?;
                if req.rate <= rules::NEGATIVE_RATING {
                    let payload =
                        json!({"chatId": chat.id.0, "operatorId": operator.0, "rate": req.rate, "note": req.note});
                    let once = Some(rules::NOTICE_EVERY_MICROS);
                    emit_job(conn, emit, "mail.negative_rating", &chat.id.0.to_string(), &payload, once).await?;
                }
                let rating =
                    Rating { operator_id: operator, rating: req.rate, note: req.note.clone(), created_at: emit.now };
                emit.item(DeltaItem::operator_rate(chat.visit_session_id.as_str(), proto::Rating::new(&rating)));
                emit.op(OperatorEvent::ChatRated(ChatRated {
                    chat_id: chat.id.0,
                    operator_id: operator.0,
                    rating: req.rate,
                    note: req.note.clone(),
                }));
                Ok(())
            })
        })
        .await
    }

    async fn visitor_close(&self, v: &VisitorCtx) -> Result<Changes> {
        let v2 = v.clone();
        self.visitor_change(v, move |conn, emit, settings| {
            Box::pin(async move {
                let Some(mut chat) = load_current_chat(conn, &v2.visitor_id, &v2.location, true, emit.now).await?
                else {
                    return Ok(());
                };
                let Some(next) = rules::visitor_close(chat.state) else {
                    return Ok(());
                };
                let text = texts::visitor_closed(chat.text_language(&settings));
                close_chat(conn, emit, &mut chat, next, text, Closer::Visitor).await
            })
        })
        .await
    }

    async fn request_chat_history(&self, v: &VisitorCtx, email: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        let settings = load_settings(&mut tx).await?;
        if !settings.send_chat_history {
            return Err(DomainError::SettingDisabled.into());
        }
        let sql = format!("SELECT {CHAT_COLS} FROM chats WHERE visitor_id = $1 ORDER BY id DESC LIMIT 1");
        let chat = query(&sql).bind(v.visitor_id.as_str()).fetch_optional(&mut *tx).await?;
        let chat = chat.as_ref().map(chat_from).transpose()?.ok_or(DomainError::NoChat)?;
        let now = self.clock.now();
        let recent: i64 = query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'mail.chat_history' AND subject = $1 AND created_at > $2",
        )
        .bind(v.visitor_id.as_str())
        .bind(now - 3600 * 1_000_000)
        .fetch_one(&mut *tx)
        .await?;
        if recent >= rules::CHAT_HISTORY_PER_HOUR {
            return Err(DomainError::ChatHistorySentTooManyTimes.into());
        }
        let payload = json!({"email": email, "chatId": chat.id.0, "lang": chat.text_language(&settings)});
        queue_job(&mut tx, "mail.chat_history", v.visitor_id.as_str(), &payload, now, None).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The chat a rating is about: the current chat, or the visitor's last one (`no-chat` if none).
pub(super) async fn chat_to_rate(conn: &mut Conn, v: &VisitorCtx, now: i64) -> Result<Chat> {
    if let Some(c) = load_current_chat(conn, &v.visitor_id, &v.location, true, now).await? {
        return Ok(c);
    }
    let sql = format!("SELECT {CHAT_COLS} FROM chats WHERE visitor_id = $1 ORDER BY id DESC LIMIT 1");
    let row = query(&sql).bind(v.visitor_id.as_str()).fetch_optional(&mut *conn).await?;
    Ok(row.as_ref().map(chat_from).transpose()?.ok_or(DomainError::NoChat)?)
}

/// The operator holds the chat or wrote in it.
pub(super) async fn took_part(conn: &mut Conn, chat: &Chat, operator: OperatorId) -> Result<bool> {
    if chat.operator_id == Some(operator) {
        return Ok(true);
    }
    let wrote: i64 = query_scalar("SELECT COUNT(*) FROM messages WHERE chat_id = $1 AND author_id = $2")
        .bind(chat.id.0)
        .bind(operator.0)
        .fetch_one(&mut *conn)
        .await?;
    Ok(wrote > 0)
}

/// Keeps (or forgets, with `None`) the department chosen with a `chat.start` that waits for the
/// visitor's first message.
async fn keep_chosen_department(conn: &mut Conn, v: &VisitorCtx, department: Option<&str>) -> Result<()> {
    query("UPDATE visit_sessions SET chosen_department = $1 WHERE id = $2")
        .bind(department)
        .bind(v.visit_session_id.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The department kept by [`keep_chosen_department`], while the placement still offers it (one
/// no longer offered is forgotten, as if none was chosen).
async fn chosen_department(conn: &mut Conn, v: &VisitorCtx) -> Result<Option<String>> {
    let kept: Option<Option<String>> = query_scalar("SELECT chosen_department FROM visit_sessions WHERE id = $1")
        .bind(v.visit_session_id.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    let (Some(key), Some(placement)) = (kept.flatten(), load_placement(conn, &v.location).await?) else {
        return Ok(None);
    };
    let offered = offered_departments(conn, &placement).await?;
    Ok(offered.iter().any(|d| d.key == key).then_some(key))
}
