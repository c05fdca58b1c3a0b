//! Files in chats for operators: reading the files of chats they may see, and sending a file
//! to the visitor (`file_operator`, with the visitors' size and type rules).

use super::chats::visible_chat;
use super::session::OperatorAuth;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::file_headers;
use crate::state::AppState;
use crate::visitor::files::{check_upload, read_multipart, sniff};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use beseda_core::ids::{ChatId, FileGuid};
use beseda_core::operator_wire::answers::Ok as Result_;
use beseda_store::FileRecord;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// The multipart body of a file upload.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct FileUpload {
    /// The file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// The file was sent: its message and the visitor protocol's file descriptor.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FileSent {
    pub result: Result_,
    pub message_id: String,
    /// The visitor protocol's file descriptor (`guid`, `filename`, `content_type`, `size`, …).
    #[schema(value_type = Object)]
    pub file: Value,
}
use std::collections::HashMap;

fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "file-not-found", "no such file")
}

/// File `guid`, if it belongs to a chat the operator may see.
async fn visible_file(state: &AppState, who: &OperatorAuth, guid: &str) -> ApiResult<FileRecord> {
    let guid = FileGuid::parse(guid).ok_or_else(not_found)?;
    let file = state.store.file(&guid).await.map_err(ApiError::operator)?.ok_or_else(not_found)?;
    let chat = file.chat_id.ok_or_else(not_found)?;
    visible_chat(state, who, chat).await?;
    Ok(file)
}

/// `GET /files/{guid}`: the file as a download (never rendered on the console's origin).
pub async fn download(
    State(state): State<AppState>,
    who: OperatorAuth,
    Path(guid): Path<String>,
) -> ApiResult<Response> {
    let file = visible_file(&state, &who, &guid).await?;
    Ok(file_headers::attachment(file.content_type, &file.filename, "private", file.content))
}

/// `GET /files/{guid}/image`: a PNG, JPEG or GIF file as an image for a thumbnail, its type
/// read from the content; anything else (SVG and HTML included) is 404 `not-an-image`.
pub async fn image(State(state): State<AppState>, who: OperatorAuth, Path(guid): Path<String>) -> ApiResult<Response> {
    let file = visible_file(&state, &who, &guid).await?;
    let kind = sniff(&file.content)
        .filter(|k| file_headers::is_inline(k))
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not-an-image", "the file is not a raster image"))?;
    Ok(file_headers::image(kind, "private, max-age=3600", file.content))
}

/// `POST /chats/{id}/files`: multipart field `file`, refused as the visitor's uploads are
/// (`max_file_size_exceeded`, `file_size_too_small`, `not_allowed_file_type`,
/// `not_matching_magic_numbers`, `not_allowed_mime_type`); posted as a `file_operator` message.
pub async fn upload(
    State(state): State<AppState>,
    who: OperatorAuth,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> ApiResult<Json<FileSent>> {
    let settings = state.store.settings().await.map_err(ApiError::operator)?;
    let limit = settings.max_upload_bytes() as usize;
    let mut fields = HashMap::new();
    let file = read_multipart(&mut multipart, "file", limit, &mut fields)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "argument-missing", "the multipart field `file`"))?;
    let new = check_upload(&settings, file)?;
    let guid = new.guid.clone();
    let (message_id, changes) =
        state.store.operator_file(who.operator.id, ChatId(id), &new).await.map_err(ApiError::operator)?;
    state.metrics.message(crate::metrics::Author::Operator);
    state.publish(changes);
    let record = state.store.file(&guid).await.map_err(ApiError::operator)?.ok_or_else(not_found)?;
    Ok(Json(FileSent { result: Result_::Ok, message_id: message_id.as_str().to_owned(), file: record.descriptor() }))
}
