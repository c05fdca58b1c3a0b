//! Chat writes shared by visitor, operator, bot and timer changes: saving, creating, assigning,
//! closing. Who may change a chat is decided in `beseda_core::chat_access`.

use crate::{Result, StoreError, VisitorCtx};
use beseda_core::chat_access::{self, Claim};
use beseda_core::ids::{hex_id, ChatId, VisitSessionId};
use beseda_core::model::{Chat, Operator, Placement};
use beseda_core::operator_wire::events::ChatReadByVisitor;
use beseda_core::operator_wire::OperatorEvent;
use beseda_core::protocol::visitor::{self as proto, DeltaItem, MessagePolicy};
use beseda_core::settings::OrgSettings;
use beseda_core::state::{ChatState, MessageKind, VisitSessionState};
use beseda_core::{routing as route, rules, texts, DomainError};
use serde_json::{json, Value};

use super::bots::{bot_chat_closed, Closer};
use super::channels::channel_chat_closed;
use super::closing::{release_unread_hold, touch_activity};
use super::events::Emit;
use super::exec::{query, query_scalar};
use super::lists::summary_event;
use super::load::{load_chat, load_chat_view, load_placement, offered_departments, visitor_name};
use super::mail::emit_job;
use super::messages::{insert_message, system_message, NewMessage};
use super::routing::{
    after_visitor_message, assign_to, bot_for_new_chat, cancel_timers, classify_unanswered, domain_event, finish_chat,
    humans_online, is_bot, load_bots, route_new_chat, secs, set_timer, Assignment, TIMER_FIRST_ANSWER,
    TIMER_OPERATOR_CLOSED, TIMER_REASSIGN, TIMER_RESPONSE,
};
use super::row_facts;
use super::rows::to_json;
use super::surveys::offer_survey;
use super::visits::merge_visitor_fields;
use super::Conn;

pub(super) async fn save_chat(conn: &mut Conn, c: &Chat) -> Result<()> {
    query(
        "UPDATE chats SET department_key = $1, operator_id = $2, state = $3, offline = $4, \
         unread_by_operator_since = $5, unread_by_visitor_since = $6, unread_by_visitor_count = $7, \
         read_by_visitor = $8, operator_typing = $9, category = $10, subcategory = $11, subject = $12, \
         modified_at = $13, closed_at = $14, language = $15, priority = $16, assigned_at = $17, \
         first_visitor_message_at = $18, first_answer_at = $19, busy_messages = $20, response_busy_sent = $21, \
         outcome = $22, operator_closed_at = $23 WHERE id = $24",
    )
    .bind(&c.department_key)
    .bind(c.operator_id.map(|o| o.0))
    .bind(c.state.as_str())
    .bind(c.offline)
    .bind(c.unread_by_operator_since)
    .bind(c.unread_by_visitor_since)
    .bind(c.unread_by_visitor_count)
    .bind(c.read_by_visitor)
    .bind(c.operator_typing)
    .bind(&c.category)
    .bind(&c.subcategory)
    .bind(&c.subject)
    .bind(c.modified_at)
    .bind(c.state.is_final().then_some(c.modified_at))
    .bind(&c.language)
    .bind(c.priority)
    .bind(c.assigned_at)
    .bind(c.first_visitor_message_at)
    .bind(c.first_answer_at)
    .bind(c.busy_messages)
    .bind(c.response_busy_sent)
    .bind(&c.outcome)
    .bind(c.operator_closed_at)
    .bind(c.id.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Counts again what the visitor has not read of `chat` — after they read, or after an unread
/// message was deleted — saves it and tells the visitor's sessions and the operators. A close by
/// timeout that waited for the visitor to read (`hold_end`, see `closing.rs`) happens now when
/// nothing is left unread.
pub(super) async fn recount_unread_by_visitor(
    conn: &mut Conn,
    emit: &mut Emit,
    chat: &mut Chat,
    hold_end: Option<i64>,
) -> Result<()> {
    let (remaining, oldest) = row_facts::unread_by_visitor(conn, chat.id).await?;
    chat.unread_by_visitor_count = remaining;
    chat.unread_by_visitor_since = oldest;
    chat.read_by_visitor = remaining == 0;
    save_chat(conn, chat).await?;
    if let Some(end) = hold_end.filter(|_| chat.read_by_visitor) {
        release_unread_hold(conn, emit, chat.id, end).await?;
    }
    let sid = chat.visit_session_id.to_string();
    emit.item(DeltaItem::read_by_visitor(&sid, chat.read_by_visitor));
    emit.item(DeltaItem::unread_by_visitor(&sid, proto::UnreadByVisitor::new(chat)));
    emit.op(OperatorEvent::ChatReadByVisitor(ChatReadByVisitor {
        chat_id: chat.id.0,
        read_by_visitor: chat.read_by_visitor,
    }));
    Ok(())
}

pub(super) async fn set_session_state(
    conn: &mut Conn,
    emit: &mut Emit,
    session: &VisitSessionId,
    state: VisitSessionState,
) -> Result<()> {
    query("UPDATE visit_sessions SET state = $1 WHERE visitor_id = $2")
        .bind(state.as_str())
        .bind(emit.visitor.as_str())
        .execute(&mut *conn)
        .await?;
    emit.item(DeltaItem::visit_session_state(session.as_str(), state.as_str()));
    Ok(())
}

/// Operator event for a changed chat.
pub(super) async fn chat_event(conn: &mut Conn, emit: &mut Emit, chat: &Chat) -> Result<()> {
    let event = summary_event(conn, &emit.settings, chat, None).await?;
    emit.op(event);
    emit.touched.retain(|(id, _)| *id != chat.id.0);
    Ok(())
}

/// State-changed items for the visitor and an event for operators.
pub(super) async fn chat_state_changed(conn: &mut Conn, emit: &mut Emit, chat: &Chat) -> Result<()> {
    let sid = chat.visit_session_id.to_string();
    emit.item(DeltaItem::chat_state(&sid, chat.state.visitor_wire()));
    chat_event(conn, emit, chat).await
}

/// Creates a chat for the visitor and reports it (`CHAT`, `VISIT_SESSION_STATE` = `chat`).
/// How a new chat starts.
#[derive(Default)]
pub(super) struct NewChat<'a> {
    pub(super) department: Option<String>,
    pub(super) client_side_id: Option<String>,
    pub(super) force_online: bool,
    pub(super) visitor_fields: Option<&'a Value>,
    /// First question: text and the message's client-side id.
    pub(super) first: Option<(String, String)>,
}

pub(super) async fn create_chat(
    conn: &mut Conn,
    emit: &mut Emit,
    v: &VisitorCtx,
    settings: &OrgSettings,
    new: NewChat<'_>,
) -> Result<Chat> {
    let NewChat { department, client_side_id, force_online, visitor_fields, first } = new;
    let placement = load_placement(conn, &v.location).await?;
    let language = settings.chat_language(placement.as_ref().and_then(|p| p.lang.as_deref()));
    let spoken = settings.multilang.then_some(language.as_str());
    let department = match (department, &placement) {
        (None, Some(p)) => first_department_taking(conn, p, spoken, emit.now).await?,
        (department, _) => department,
    };
    let humans_online = humans_online(conn, department.as_deref(), spoken).await?;
    let bot = bot_for_new_chat(conn, department.as_deref(), humans_online, emit.now).await?;
    let offline = !humans_online && bot.is_none() && !force_online;
    let now = emit.now;
    let state = if offline { ChatState::OfflineQueue } else { ChatState::Queue };
    let csid = client_side_id.unwrap_or_else(hex_id);
    let id: i64 = query_scalar(
        "INSERT INTO chats (client_side_id, visitor_id, visit_session_id, location, department_key, state, offline, \
         visitor_fields, created_at, modified_at, language, channel_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
         (SELECT channel_key FROM visitors WHERE id = $2)) RETURNING id",
    )
    .bind(&csid)
    .bind(v.visitor_id.as_str())
    .bind(v.visit_session_id.as_str())
    .bind(&v.location)
    .bind(&department)
    .bind(state.as_str())
    .bind(offline)
    .bind(visitor_fields.map(to_json).transpose()?)
    .bind(now)
    .bind(now)
    .bind(&language)
    .fetch_one(&mut *conn)
    .await?;
    let mut chat = load_chat(conn, ChatId(id), false).await?.ok_or(StoreError::NotFound)?;
    let page: Option<String> = query_scalar("SELECT page_url FROM visit_sessions WHERE id = $1")
        .bind(v.visit_session_id.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .flatten();
    if page.is_some_and(|url| settings.is_priority_page(&url)) {
        chat.priority = 1;
        save_chat(conn, &chat).await?;
    }
    if let Some(fields) = visitor_fields {
        merge_visitor_fields(conn, &v.visitor_id, fields, now).await?;
    }
    let name = visitor_name(conn, &v.visitor_id, &settings.default_lang).await?;
    // The chat item comes first so clients have the chat before its messages.
    let chat_item_index = emit.items.len();
    emit.item(DeltaItem::chat(v.visit_session_id.as_str(), None));
    let has_question = first.is_some();
    if let Some((text, msg_csid)) = first {
        let m = NewMessage {
            chat: &chat,
            client_side_id: msg_csid,
            kind: MessageKind::Visitor,
            text,
            data: None,
            author: None,
            name: Some(name.clone()),
            quote: None,
        };
        let message = insert_message(conn, emit, m).await?;
        chat.unread_by_operator_since = Some(message.created_at);
        after_visitor_message(conn, emit, &mut chat, message.created_at).await?;
        save_chat(conn, &chat).await?;
    }
    if !settings.greeting_message.trim().is_empty() {
        system_message(conn, emit, &chat, MessageKind::Info, settings.greeting_message.clone()).await?;
    }
    // Messages written with the chat travel inside the CHAT item, not as separate adds.
    let view = load_chat_view(conn, chat.clone()).await?;
    emit.drop_message_items(&view.messages);
    let policy = MessagePolicy::from_settings(settings);
    let whole = proto::Chat::new(&view.chat, &view.messages, None, &view.ratings, policy);
    emit.items[chat_item_index] = DeltaItem::chat(v.visit_session_id.as_str(), Some(whole));
    set_session_state(conn, emit, &v.visit_session_id, VisitSessionState::Chat).await?;
    chat_event(conn, emit, &chat).await?;
    domain_event(conn, "chat_started", &chat, json!({"visitorId": v.visitor_id.as_str()}), emit).await?;
    touch_activity(conn, emit, &chat).await?;
    route_new_chat(conn, emit, &mut chat, bot).await?;
    emit.wake |= chat.operator_id.is_none();
    // The CRMs hear of the new chat.
    for target in settings.crm_targets() {
        emit_job(conn, emit, &format!("crm.{target}"), &chat.id.0.to_string(), &json!({"chatId": chat.id.0}), None)
            .await?;
    }
    // A message left while nobody could answer goes to the «left messages» addresses.
    if chat.offline && has_question {
        emit_job(conn, emit, "mail.offline_message", &chat.id.0.to_string(), &json!({"chatId": chat.id.0}), None)
            .await?;
    }
    Ok(chat)
}

/// Department for a new chat per visitor-api.md §12.2 step 3. `Err(state)` when the visitor
/// must choose first.
pub(super) async fn choose_department(
    conn: &mut Conn,
    v: &VisitorCtx,
    settings: &OrgSettings,
    requested: Option<&str>,
) -> Result<Result<Option<String>, VisitSessionState>> {
    let placement = load_placement(conn, &v.location).await?.ok_or(DomainError::WrongArgumentValue("location"))?;
    let offered = offered_departments(conn, &placement).await?;
    if let Some(key) = requested.filter(|k| !k.is_empty()) {
        if offered.iter().any(|d| d.key == key) {
            return Ok(Ok(Some(key.to_owned())));
        }
        return Err(DomainError::WrongArgumentValue("department-key").into());
    }
    if settings.department_choice_obligatory && offered.len() >= 2 {
        return Ok(Err(VisitSessionState::DepartmentSelection));
    }
    if offered.len() == 1 {
        return Ok(Ok(Some(offered[0].key.clone())));
    }
    Ok(Ok(placement.default_department.filter(|d| offered.iter().any(|o| &o.key == d))))
}

/// Where a chat nobody named a department for goes (seed 001, Metabot24's recipe; routing.md):
/// the first of the placement's departments, by sort order («Порядок сортировки»), that can take
/// it now ([`route::department_takes`]) — so a bot's department ordered first gets every such
/// chat while its bot is on. `None` (the chat stays without a department) when none can.
async fn first_department_taking(
    conn: &mut Conn,
    placement: &Placement,
    language: Option<&str>,
    now: i64,
) -> Result<Option<String>> {
    let offered = offered_departments(conn, placement).await?;
    if offered.is_empty() {
        return Ok(None);
    }
    let bots = load_bots(conn, Some(now)).await?;
    for d in offered {
        let humans = humans_online(conn, Some(&d.key), language).await?;
        if route::department_takes(&bots, &d.key, humans) {
            return Ok(Some(d.key));
        }
    }
    Ok(None)
}

/// Chat is the operator's to write in: waiting (taken implicitly), held by a bot (taken over)
/// or already theirs ([`chat_access::claim`] decides).
pub(super) async fn assign_if_waiting(conn: &mut Conn, emit: &mut Emit, chat: &mut Chat, op: &Operator) -> Result<()> {
    match chat_access::claim(op.id, chat.state, chat.operator_id)? {
        Claim::Holding => Ok(()),
        Claim::Resume => {
            chat.state = if is_bot(conn, op.id).await? { ChatState::ChattingWithRobot } else { ChatState::Chatting };
            chat.modified_at = emit.now;
            save_chat(conn, chat).await?;
            chat_state_changed(conn, emit, chat).await
        }
        Claim::Assign => {
            let text = texts::operator_joined(chat.text_language(&emit.settings), &op.name);
            assign_to(conn, emit, chat, op, Assignment::Manual, text).await
        }
    }
}

/// An operator's message or a close ends their "typing" for the visitor too; the visitor is
/// told, so a "stopped" that comes later (and changes nothing) cannot leave it shown.
pub(super) fn stop_operator_typing(emit: &mut Emit, chat: &mut Chat) {
    if chat.operator_typing {
        chat.operator_typing = false;
        emit.item(DeltaItem::operator_typing(chat.visit_session_id.as_str(), false));
    }
}

/// Closes a chat from either side.
pub(super) async fn close_chat(
    conn: &mut Conn,
    emit: &mut Emit,
    chat: &mut Chat,
    next: ChatState,
    info: &str,
    by: Closer<'_>,
) -> Result<()> {
    // The operator may have a free place now.
    emit.wake = true;
    chat.state = next;
    chat.modified_at = emit.now;
    stop_operator_typing(emit, chat);
    save_chat(conn, chat).await?;
    let sid = chat.visit_session_id.to_string();
    system_message(conn, emit, chat, MessageKind::Info, info.to_owned()).await?;
    chat_state_changed(conn, emit, chat).await?;
    bot_chat_closed(conn, emit, chat, &by).await?;
    channel_chat_closed(conn, chat, &by, emit).await?;
    if next.is_final() {
        emit.item(DeltaItem::chat_operator(&sid, None));
        set_session_state(conn, emit, &chat.visit_session_id, VisitSessionState::IdleAfterChat).await?;
        finish_chat(conn, emit, chat, by.as_str()).await?;
    } else if next == ChatState::ClosedByVisitor {
        classify_unanswered(emit, chat);
        save_chat(conn, chat).await?;
    } else if next == ChatState::ClosedByOperator {
        chat.operator_closed_at = Some(emit.now);
        save_chat(conn, chat).await?;
        cancel_timers(conn, chat.id, &[TIMER_FIRST_ANSWER, TIMER_RESPONSE, TIMER_REASSIGN]).await?;
        if emit.settings.closed_by_operator_timeout_secs > 0 {
            let due = emit.now + secs(emit.settings.closed_by_operator_timeout_secs);
            set_timer(conn, TIMER_OPERATOR_CLOSED, chat.id, due, emit.now).await?;
        }
    }
    Ok(())
}

/// The operator's close, with the category rule and "operator closes finally".
pub(super) async fn operator_close_chat(
    conn: &mut Conn,
    emit: &mut Emit,
    operator: &Operator,
    chat: &mut Chat,
) -> Result<()> {
    chat_access::may_change(operator, chat.operator_id)?;
    let settings = emit.settings.clone();
    let closer_is_bot = is_bot(conn, operator.id).await?;
    rules::category_before_close(settings.category_required, chat.category.as_deref(), chat.state, closer_is_bot)?;
    let Some(next) = rules::operator_close(chat.state, settings.operator_closes_finally) else {
        return Ok(());
    };
    // Closing a chat nobody holds (a waiting one) makes the closer its operator.
    if chat.operator_id.is_none() {
        chat.operator_id = Some(operator.id);
        emit.item(DeltaItem::chat_operator(chat.visit_session_id.as_str(), Some(proto::Operator::new(operator))));
    }
    let text = texts::operator_closed(chat.text_language(&settings));
    close_chat(conn, emit, chat, next, text, Closer::Operator(operator)).await?;
    // A person's close offers the visitor a survey; a bot's does not.
    if !closer_is_bot {
        offer_survey(conn, emit, chat).await?;
    }
    Ok(())
}
