//! What an operator does in a chat: take it, write (text, files, notes), type, read, close,
//! redirect, categorise.

use crate::capabilities::OperatorActions;
use crate::{
    Changes, FileRecord, NewFile, OperatorMessage, OperatorMessageKind, Redirect, Result, StoreError, TeleportTo,
};
use async_trait::async_trait;
use beseda_core::chat_access::{self, Claim};
use beseda_core::ids::{hex_id, ChatId, MessageId, OperatorId};
use beseda_core::model::{Chat, Operator};
use beseda_core::protocol::visitor::{self as proto, DeltaItem};
use beseda_core::state::MessageKind;
use beseda_core::{routing as route, rules, teleport, DomainError};
use serde_json::json;

use super::chats::{
    assign_if_waiting, chat_event, chat_state_changed, operator_close_chat, recount_unread_by_visitor, save_chat,
    stop_operator_typing,
};
use super::events::Emit;
use super::exec::{query, query_scalar};
use super::load::load_message;
use super::messages::{
    attach_files, cancel_pending_keyboards, delete_message, insert_file, insert_message, NewMessage,
};
use super::routing::{after_operator_message, is_bot, redirect_chat};
use super::row_facts;
use super::rows::to_json;
use super::{Conn, SqlStore};

/// An operator (or a bot through its account) writes in a chat: idempotent by client-side id;
/// a waiting chat is taken; a keyboard cancels the chat's previous pending one.
pub(super) async fn operator_send(
    conn: &mut Conn,
    emit: &mut Emit,
    operator: &Operator,
    chat: &mut Chat,
    msg: &OperatorMessage,
) -> Result<MessageId> {
    let existing = query_scalar::<String>("SELECT id FROM messages WHERE chat_id = $1 AND client_side_id = $2")
        .bind(chat.id.0)
        .bind(&msg.client_side_id)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(existing) = existing {
        return Ok(MessageId::from_stored(existing));
    }
    let (kind, data) = match (&msg.keyboard, &msg.kind) {
        (Some(buttons), _) => (MessageKind::Keyboard, Some(json!({"buttons": buttons, "state": "pending"}))),
        (None, OperatorMessageKind::ContactRequest) => (MessageKind::ContReq, None),
        (None, OperatorMessageKind::ActionRequest(d)) => {
            rules::validate_text(&msg.text, &emit.settings)?;
            (MessageKind::ActionRequest, Some(d.clone()))
        }
        (None, OperatorMessageKind::Text) => {
            rules::validate_text(&msg.text, &emit.settings)?;
            (MessageKind::Operator, msg.markdown.then(|| json!({"markdown": msg.text})))
        }
    };
    let text = match (kind, msg.markdown) {
        (MessageKind::Keyboard, _) => String::new(),
        (MessageKind::ContReq, _) if msg.text.trim().is_empty() => {
            beseda_core::contacts::request_text(chat.text_language(&emit.settings)).to_owned()
        }
        (MessageKind::ContReq, _) => {
            rules::validate_text(&msg.text, &emit.settings)?;
            msg.text.clone()
        }
        (_, true) => beseda_core::markdown::to_plain(&msg.text, true),
        _ => msg.text.clone(),
    };
    assign_if_waiting(conn, emit, chat, operator).await?;
    let bot = is_bot(conn, operator.id).await?;
    if let Some(reopened) = rules::operator_message_reopens(chat.state, bot) {
        chat.state = reopened;
        chat_state_changed(conn, emit, chat).await?;
    }
    if kind == MessageKind::Keyboard {
        cancel_pending_keyboards(conn, emit, chat).await?;
    }
    let m = NewMessage {
        chat,
        client_side_id: msg.client_side_id.clone(),
        kind,
        text,
        data,
        author: Some(operator),
        name: Some(operator.name.clone()),
        quote: None,
    };
    let message = insert_message(conn, emit, m).await?;
    after_operator_message(conn, emit, chat, bot).await?;
    chat.unread_by_visitor_count += 1;
    chat.unread_by_visitor_since.get_or_insert(message.created_at);
    chat.read_by_visitor = false;
    stop_operator_typing(emit, chat);
    chat.modified_at = emit.now;
    save_chat(conn, chat).await?;
    let sid = chat.visit_session_id.to_string();
    emit.item(DeltaItem::unread_by_visitor(&sid, proto::UnreadByVisitor::new(chat)));
    emit.item(DeltaItem::read_by_visitor(&sid, false));
    Ok(message.id)
}

pub(super) async fn operator_send_file(
    conn: &mut Conn,
    emit: &mut Emit,
    operator: &Operator,
    chat: &mut Chat,
    file: &NewFile,
) -> Result<MessageId> {
    insert_file(conn, file, &chat.visitor_id, Some(chat.id), emit.now).await?;
    let record = FileRecord {
        guid: file.guid.clone(),
        visitor_id: chat.visitor_id.clone(),
        chat_id: Some(chat.id),
        message_id: None,
        filename: file.filename.clone(),
        content_type: file.content_type.clone(),
        client_content_type: file.client_content_type.clone(),
        size: file.size,
        width: file.width,
        height: file.height,
        content: Vec::new(),
    };
    let desc = record.descriptor();
    let m = NewMessage {
        chat,
        client_side_id: hex_id(),
        kind: MessageKind::FileOperator,
        text: to_json(&desc)?,
        data: Some(json!({"file": {"state": "ready", "desc": desc, "progress": 100}})),
        author: Some(operator),
        name: Some(operator.name.clone()),
        quote: None,
    };
    let message = insert_message(conn, emit, m).await?;
    attach_files(conn, std::slice::from_ref(&file.guid), &message).await?;
    chat.unread_by_visitor_count += 1;
    chat.unread_by_visitor_since.get_or_insert(message.created_at);
    chat.read_by_visitor = false;
    chat.modified_at = emit.now;
    save_chat(conn, chat).await?;
    let sid = chat.visit_session_id.to_string();
    emit.item(DeltaItem::unread_by_visitor(&sid, proto::UnreadByVisitor::new(chat)));
    Ok(message.id)
}

#[async_trait]
impl OperatorActions for SqlStore {
    async fn take_chat(&self, op: OperatorId, id: ChatId) -> Result<Changes> {
        self.operator_change(op, id, move |conn, emit, operator, mut chat| {
            Box::pin(async move {
                match chat_access::take(operator.id, chat.state, chat.operator_id)? {
                    Claim::Holding => Ok(()),
                    Claim::Resume | Claim::Assign => assign_if_waiting(conn, emit, &mut chat, &operator).await,
                }
            })
        })
        .await
    }

    async fn operator_message(
        &self,
        op: OperatorId,
        id: ChatId,
        msg: &OperatorMessage,
    ) -> Result<(MessageId, Changes)> {
        let msg = msg.clone();
        let out = std::sync::Arc::new(std::sync::Mutex::new(None));
        let out2 = out.clone();
        let changes = self
            .operator_change(op, id, move |conn, emit, operator, mut chat| {
                Box::pin(async move {
                    let id = operator_send(conn, emit, &operator, &mut chat, &msg).await?;
                    *out2.lock().map_err(|_| StoreError::Corrupt("poisoned".into()))? = Some(id);
                    Ok(())
                })
            })
            .await?;
        let id = out.lock().map_err(|_| StoreError::Corrupt("poisoned".into()))?.take().ok_or(StoreError::NotFound)?;
        Ok((id, changes))
    }

    async fn operator_file(&self, op: OperatorId, id: ChatId, file: &NewFile) -> Result<(MessageId, Changes)> {
        let file = file.clone();
        let out = std::sync::Arc::new(std::sync::Mutex::new(None));
        let out2 = out.clone();
        let changes = self
            .operator_change(op, id, move |conn, emit, operator, mut chat| {
                Box::pin(async move {
                    assign_if_waiting(conn, emit, &mut chat, &operator).await?;
                    let bot = is_bot(conn, operator.id).await?;
                    if let Some(reopened) = rules::operator_message_reopens(chat.state, bot) {
                        chat.state = reopened;
                        chat_state_changed(conn, emit, &chat).await?;
                    }
                    after_operator_message(conn, emit, &mut chat, bot).await?;
                    stop_operator_typing(emit, &mut chat);
                    let id = operator_send_file(conn, emit, &operator, &mut chat, &file).await?;
                    *out2.lock().map_err(|_| StoreError::Corrupt("poisoned".into()))? = Some(id);
                    Ok(())
                })
            })
            .await?;
        let id = out.lock().map_err(|_| StoreError::Corrupt("poisoned".into()))?.take().ok_or(StoreError::NotFound)?;
        Ok((id, changes))
    }

    async fn operator_note(&self, op: OperatorId, id: ChatId, text: &str) -> Result<(MessageId, Changes)> {
        let text = text.to_owned();
        let out = std::sync::Arc::new(std::sync::Mutex::new(None));
        let out2 = out.clone();
        let changes = self
            .operator_change(op, id, move |conn, emit, operator, chat| {
                Box::pin(async move {
                    rules::validate_text(&text, &emit.settings)?;
                    let m = NewMessage {
                        chat: &chat,
                        client_side_id: hex_id(),
                        kind: MessageKind::ForOperator,
                        text,
                        data: None,
                        author: Some(&operator),
                        name: Some(operator.name.clone()),
                        quote: None,
                    };
                    let note = insert_message(conn, emit, m).await?;
                    *out2.lock().map_err(|_| StoreError::Corrupt("poisoned".into()))? = Some(note.id);
                    Ok(())
                })
            })
            .await?;
        let id = out.lock().map_err(|_| StoreError::Corrupt("poisoned".into()))?.take().ok_or(StoreError::NotFound)?;
        Ok((id, changes))
    }

    async fn operator_typing(&self, op: OperatorId, id: ChatId, typing: bool) -> Result<Changes> {
        self.operator_change(op, id, move |conn, emit, operator, mut chat| {
            Box::pin(async move {
                chat_access::must_hold(operator.id, chat.operator_id)?;
                if chat.operator_typing == typing {
                    return Ok(());
                }
                chat.operator_typing = typing;
                save_chat(conn, &chat).await?;
                emit.item(DeltaItem::operator_typing(chat.visit_session_id.as_str(), typing));
                Ok(())
            })
        })
        .await
    }

    async fn operator_delete_message(&self, op: OperatorId, id: ChatId, message: &str) -> Result<Changes> {
        let message = message.to_owned();
        self.operator_change(op, id, move |conn, emit, operator, mut chat| {
            Box::pin(async move {
                let mut m = load_message(conn, &message)
                    .await?
                    .filter(|m| m.chat_id == chat.id && !m.deleted)
                    .ok_or(DomainError::MessageNotFound)?;
                chat_access::may_delete_message(operator.id, chat.state, m.author_id, m.kind)?;
                delete_message(conn, emit, &mut m, &chat.visitor_id).await?;
                if !m.read {
                    recount_unread_by_visitor(conn, emit, &mut chat, None).await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn teleport(&self, op: OperatorId, id: ChatId, to: &TeleportTo) -> Result<Changes> {
        let to = to.clone();
        self.operator_change(op, id, move |conn, emit, operator, chat| {
            Box::pin(async move {
                if !emit.settings.teleport {
                    return Err(DomainError::SettingDisabled.into());
                }
                chat_access::must_hold(operator.id, chat.operator_id)?;
                if chat.state.is_final() {
                    return Err(DomainError::ChatClosed.into());
                }
                let (code, target) = match to {
                    TeleportTo::Url(url) => (None, url),
                    TeleportTo::Code(code) => {
                        let page = teleport::page_of(&emit.settings.teleport_pages, &code)
                            .ok_or(DomainError::TeleportPageNotFound)?;
                        (Some(code), page)
                    }
                };
                // The same-site rule: only pages of the site the visitor is on now.
                let page: Option<String> = query_scalar("SELECT page_url FROM visit_sessions WHERE id = $1")
                    .bind(chat.visit_session_id.as_str())
                    .fetch_optional(&mut *conn)
                    .await?
                    .flatten();
                let url = teleport::resolve(page.as_deref(), &target)?;
                // Beseda's widget extension: the page goes to `url`.
                emit.item(DeltaItem::teleport(chat.visit_session_id.as_str(), &url, code.as_deref()));
                Ok(())
            })
        })
        .await
    }

    async fn operator_read(&self, op: OperatorId, id: ChatId) -> Result<Changes> {
        self.operator_change(op, id, move |conn, emit, operator, mut chat| {
            Box::pin(async move {
                // Only the chat's operator reads for the visitor to see.
                chat_access::must_hold(operator.id, chat.operator_id)?;
                let ids: Vec<String> = query_scalar(
                    "SELECT id FROM messages WHERE chat_id = $1 AND is_read = FALSE AND kind IN \
                     ('visitor', 'file_visitor', 'keyboard_response', 'sticker_visitor', 'contacts') ORDER BY created_at",
                )
                .bind(chat.id.0)
                .fetch_all(&mut *conn)
                .await?;
                if ids.is_empty() && chat.unread_by_operator_since.is_none() {
                    return Ok(());
                }
                query("UPDATE messages SET is_read = TRUE WHERE chat_id = $1 AND kind IN \
                     ('visitor', 'file_visitor', 'keyboard_response', 'sticker_visitor', 'contacts')")
                    .bind(chat.id.0)
                    .execute(&mut *conn)
                    .await?;
                row_facts::all_read(conn, chat.id).await?;
                for id in &ids {
                    emit.item(DeltaItem::message_read(id));
                }
                chat.unread_by_operator_since = None;
                save_chat(conn, &chat).await?;
                emit.item(DeltaItem::unread_by_operator_since(chat.visit_session_id.as_str(), None));
                chat_event(conn, emit, &chat).await
            })
        })
        .await
    }

    async fn operator_close(&self, op: OperatorId, id: ChatId) -> Result<Changes> {
        self.operator_change(op, id, move |conn, emit, operator, mut chat| {
            Box::pin(async move { operator_close_chat(conn, emit, &operator, &mut chat).await })
        })
        .await
    }

    async fn redirect(&self, op: OperatorId, id: ChatId, to: &Redirect) -> Result<Changes> {
        let to = to.clone();
        self.operator_change(op, id, move |conn, emit, operator, mut chat| {
            Box::pin(async move { redirect_chat(conn, emit, &mut chat, &operator, &to).await })
        })
        .await
    }

    async fn set_category(
        &self,
        op: OperatorId,
        id: ChatId,
        category: &str,
        subcategory: Option<&str>,
    ) -> Result<Changes> {
        let (category, subcategory) = (category.to_owned(), subcategory.map(str::to_owned));
        self.operator_change(op, id, move |conn, emit, operator, mut chat| {
            Box::pin(async move {
                chat_access::may_change(&operator, chat.operator_id)?;
                if !route::valid_category(&emit.settings.categories, &category, subcategory.as_deref()) {
                    return Err(DomainError::WrongCategory.into());
                }
                chat.category = Some(category);
                chat.subcategory = subcategory;
                save_chat(conn, &chat).await?;
                chat_event(conn, emit, &chat).await
            })
        })
        .await
    }
}
