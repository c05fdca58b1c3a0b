//! Uploaded files: a visitor's upload posted as a message, withdrawn, read back.

use crate::capabilities::Files;
use crate::{Changes, FileRecord, NewFile, Result, StoreError, VisitorCtx};
use async_trait::async_trait;
use beseda_core::ids::FileGuid;
use beseda_core::state::MessageKind;
use beseda_core::DomainError;

use super::chats::{choose_department, create_chat, save_chat, NewChat};
use super::exec::{query, query_scalar};
use super::load::{load_current_chat, load_message, visitor_message_by_csid, visitor_name};
use super::messages::{attach_files, file_message_body, insert_file, insert_message, update_message, NewMessage};
use super::routing::after_visitor_message;
use super::rows::{file_from, FILE_COLS};
use super::SqlStore;

#[async_trait]
impl Files for SqlStore {
    async fn store_upload(&self, v: &VisitorCtx, file: &NewFile, client_side_id: &str) -> Result<(FileGuid, Changes)> {
        let v2 = v.clone();
        let file = file.clone();
        let csid = client_side_id.to_owned();
        let stored = std::sync::Arc::new(std::sync::Mutex::new(file.guid.clone()));
        let stored2 = stored.clone();
        let changes = self
            .visitor_change(v, move |conn, emit, settings| {
                Box::pin(async move {
                    if !settings.visitor_upload_file {
                        return Err(DomainError::SettingDisabled.into());
                    }
                    if let Some(existing) = visitor_message_by_csid(conn, &v2.visitor_id, &csid).await? {
                        let guid: Option<String> =
                            query_scalar("SELECT guid FROM files WHERE message_id = $1 ORDER BY guid LIMIT 1")
                                .bind(existing.id.as_str())
                                .fetch_optional(&mut *conn)
                                .await?;
                        let guid = guid.ok_or(DomainError::UploadedFileNotFound)?;
                        *stored2.lock().map_err(|_| StoreError::Corrupt("poisoned".into()))? =
                            FileGuid::from_stored(guid);
                        return Ok(());
                    }
                    insert_file(conn, &file, &v2.visitor_id, None, emit.now).await?;
                    let mut chat = match load_current_chat(conn, &v2.visitor_id, &v2.location, true, emit.now).await? {
                        Some(c) => c,
                        None => {
                            let department = choose_department(conn, &v2, &settings, None).await?.unwrap_or(None);
                            create_chat(conn, emit, &v2, &settings, NewChat { department, ..NewChat::default() })
                                .await?
                        }
                    };
                    let count: i64 = query_scalar("SELECT COUNT(*) FROM files WHERE chat_id = $1")
                        .bind(chat.id.0)
                        .fetch_one(&mut *conn)
                        .await?;
                    if count >= 100 {
                        return Err(StoreError::Domain(DomainError::MaxFilesCountPerChatExceeded));
                    }
                    let (text, data) = file_message_body(conn, emit, &v2, std::slice::from_ref(&file.guid)).await?;
                    let name = visitor_name(conn, &v2.visitor_id, &settings.default_lang).await?;
                    let m = NewMessage {
                        chat: &chat,
                        client_side_id: csid.clone(),
                        kind: MessageKind::FileVisitor,
                        text,
                        data,
                        author: None,
                        name: Some(name),
                        quote: None,
                    };
                    let message = insert_message(conn, emit, m).await?;
                    attach_files(conn, std::slice::from_ref(&file.guid), &message).await?;
                    after_visitor_message(conn, emit, &mut chat, message.created_at).await?;
                    chat.unread_by_operator_since.get_or_insert(message.created_at);
                    save_chat(conn, &chat).await?;
                    Ok(())
                })
            })
            .await?;
        let guid = stored.lock().map_err(|_| StoreError::Corrupt("poisoned".into()))?.clone();
        Ok((guid, changes))
    }

    async fn file(&self, guid: &FileGuid) -> Result<Option<FileRecord>> {
        let sql = format!("SELECT {FILE_COLS} FROM files WHERE guid = $1");
        let row = query(&sql).bind(guid.as_str()).fetch_optional(&self.reader).await?;
        row.as_ref().map(file_from).transpose()
    }

    async fn withdraw_upload(&self, v: &VisitorCtx, guid: &FileGuid) -> Result<Changes> {
        let v2 = v.clone();
        let guid = guid.clone();
        self.visitor_change(v, move |conn, emit, _settings| {
            Box::pin(async move {
                let sql = format!("SELECT {FILE_COLS} FROM files WHERE guid = $1");
                let row = query(&sql).bind(guid.as_str()).fetch_optional(&mut *conn).await?;
                let file = row.as_ref().map(file_from).transpose()?.filter(|f| f.visitor_id == v2.visitor_id);
                let file = file.ok_or(DomainError::FileNotFound)?;
                let Some(message_id) = file.message_id else {
                    return Err(DomainError::FileHasBeenSent.into());
                };
                let mut message = load_message(conn, message_id.as_str()).await?.ok_or(DomainError::FileNotFound)?;
                let files_in_message: i64 = query_scalar("SELECT COUNT(*) FROM files WHERE message_id = $1")
                    .bind(message_id.as_str())
                    .fetch_one(&mut *conn)
                    .await?;
                if files_in_message != 1 || message.read || message.deleted {
                    return Err(DomainError::FileHasBeenSent.into());
                }
                message.deleted = true;
                update_message(conn, emit, &mut message, &v2.visitor_id).await
            })
        })
        .await
    }
}
