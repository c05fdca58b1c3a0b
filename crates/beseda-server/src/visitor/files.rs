//! File upload, signed download and withdrawal (visitor-api.md §14.1–§14.3).

use super::page;
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::state::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use beseda_core::ids::FileGuid;
use beseda_core::protocol::visitor::{ActionAnswer, FileDescriptor, ImageInfo, ImageSize, UploadAnswer, OK};
use beseda_core::settings::OrgSettings;
use beseda_store::{FileRecord, NewFile};
use std::collections::HashMap;

/// Hard ceiling on an upload request, whatever the settings say.
pub const UPLOAD_CEILING: usize = 64 * 1024 * 1024;
/// Allowed clock skew on download links, seconds.
const EXPIRY_SKEW: i64 = 60;

fn file_error(status: StatusCode, code: &'static str, message: &str) -> ApiError {
    ApiError::new(status, code, message)
}

/// What the bytes say the file is.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"%PDF-", "application/pdf"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/msword"),
        (b"PK\x03\x04", "application/zip"),
    ];
    SIGNATURES.iter().find(|(sig, _)| bytes.starts_with(sig)).map(|(_, t)| *t)
}

/// The type an extension promises, when it is one whose content can be checked.
fn expected_for_extension(ext: &str) -> Option<&'static str> {
    match ext {
        "png" => Some("image/png"),
        "jpg" | "jpeg" => Some("image/jpeg"),
        "gif" => Some("image/gif"),
        "pdf" => Some("application/pdf"),
        "doc" | "xls" | "ppt" => Some("application/msword"),
        "docx" | "xlsx" | "pptx" | "zip" => Some("application/zip"),
        _ => None,
    }
}

fn content_type_for(ext: &str, sniffed: Option<&'static str>) -> String {
    match (ext, sniffed) {
        ("docx", _) => "application/vnd.openxmlformats-officedocument.wordprocessingml.document".into(),
        ("xlsx", _) => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
        (_, Some(t)) => t.into(),
        ("txt", None) => "text/plain".into(),
        _ => "application/octet-stream".into(),
    }
}

/// Width and height of PNG, GIF and JPEG images.
pub fn image_size(bytes: &[u8]) -> Option<(i64, i64)> {
    let be16 = |i: usize| bytes.get(i..i + 2).map(|b| i64::from(u16::from_be_bytes([b[0], b[1]])));
    match sniff(bytes)? {
        "image/png" => {
            let w = bytes.get(16..20)?;
            let h = bytes.get(20..24)?;
            Some((
                i64::from(u32::from_be_bytes([w[0], w[1], w[2], w[3]])),
                i64::from(u32::from_be_bytes([h[0], h[1], h[2], h[3]])),
            ))
        }
        "image/gif" => {
            let b = bytes.get(6..10)?;
            Some((i64::from(u16::from_le_bytes([b[0], b[1]])), i64::from(u16::from_le_bytes([b[2], b[3]]))))
        }
        "image/jpeg" => {
            let mut i = 2;
            while i + 9 < bytes.len() {
                if bytes[i] != 0xff {
                    i += 1;
                    continue;
                }
                let marker = bytes[i + 1];
                let len = be16(i + 2)? as usize;
                if (0xc0..=0xcf).contains(&marker) && ![0xc4, 0xc8, 0xcc].contains(&marker) {
                    return Some((be16(i + 7)?, be16(i + 5)?));
                }
                i += 2 + len;
            }
            None
        }
        _ => None,
    }
}

/// A file as a multipart body brought it, before its checks.
pub struct Upload {
    pub filename: String,
    /// The `Content-Type` the client declared.
    pub declared: String,
    pub bytes: Vec<u8>,
}

/// Reads a multipart body: the file of field `file_field` (refused with
/// `max_file_size_exceeded` past `limit` bytes) and every other field as text into `fields`.
pub async fn read_multipart(
    multipart: &mut Multipart,
    file_field: &str,
    limit: usize,
    fields: &mut HashMap<String, String>,
) -> ApiResult<Option<Upload>> {
    let mut file = None;
    let malformed = |_| file_error(StatusCode::BAD_REQUEST, "wrong-argument-value", "malformed multipart body");
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == file_field {
            let filename = field.file_name().unwrap_or("file").to_owned();
            let declared = field.content_type().unwrap_or("application/octet-stream").to_owned();
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                if bytes.len() + chunk.len() > limit {
                    return Err(file_error(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "max_file_size_exceeded",
                        "the file is larger than the allowed size",
                    ));
                }
                bytes.extend_from_slice(&chunk);
            }
            file = Some(Upload { filename, declared, bytes });
        } else {
            let text = field.text().await.map_err(malformed)?;
            fields.insert(name, text);
        }
    }
    Ok(file)
}

/// The checks every upload passes, the visitor's and the operator's alike: not empty, an
/// allowed extension, content that matches a checkable extension, a declared image type that
/// matches the content. Answers the file as it is stored.
pub fn check_upload(settings: &OrgSettings, upload: Upload) -> ApiResult<NewFile> {
    let Upload { filename, declared, bytes } = upload;
    if bytes.is_empty() {
        return Err(file_error(StatusCode::BAD_REQUEST, "file_size_too_small", "the file is empty"));
    }
    let filename: String = filename.chars().filter(|c| !c.is_control() && *c != '/' && *c != '\\').take(255).collect();
    let ext = filename.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if !settings.allowed_upload_file_types.contains(&ext) {
        return Err(file_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not_allowed_file_type",
            "this file type is not allowed",
        ));
    }
    let sniffed = sniff(&bytes);
    if let Some(expected) = expected_for_extension(&ext) {
        if sniffed != Some(expected) {
            return Err(file_error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "not_matching_magic_numbers",
                "the file content does not match its type",
            ));
        }
    }
    if declared.starts_with("image/")
        && sniffed.is_some_and(|s| s.starts_with("image/"))
        && Some(declared.as_str()) != sniffed
        && !(declared == "image/jpg" && sniffed == Some("image/jpeg"))
    {
        return Err(file_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not_allowed_mime_type",
            "the declared type does not match the file",
        ));
    }
    let (width, height) = image_size(&bytes).map_or((None, None), |(w, h)| (Some(w), Some(h)));
    Ok(NewFile {
        guid: FileGuid::random(),
        filename,
        content_type: content_type_for(&ext, sniffed),
        client_content_type: declared,
        size: bytes.len() as i64,
        width,
        height,
        content: bytes,
    })
}

pub async fn upload(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    mut multipart: Multipart,
) -> ApiResult<Json<UploadAnswer>> {
    let settings = state.store.settings().await.map_err(ApiError::visitor)?;
    let limit = settings.max_upload_bytes() as usize;
    // Credentials may come in the query; multipart fields win.
    let mut fields = Params(query);
    let file = read_multipart(&mut multipart, "webim_upload_file", limit, &mut fields.0).await?;
    fields.check_lengths()?;
    let page = page::from_params(&state, &fields).await?;
    if !settings.visitor_upload_file {
        return Err(file_error(StatusCode::OK, "setting_disabled", "file uploads are disabled"));
    }
    let file = file.ok_or_else(|| ApiError::argument_missing("webim_upload_file"))?;
    let new = check_upload(&settings, file)?;
    let csid = fields
        .get("client-side-id")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(beseda_core::ids::hex_id);
    let (guid, changes) = state.store.store_upload(&page.ctx(), &new, &csid).await.map_err(ApiError::visitor)?;
    state.metrics.message(crate::metrics::Author::Visitor);
    state.publish(changes);
    let record = state
        .store
        .file(&guid)
        .await
        .map_err(ApiError::visitor)?
        .ok_or_else(|| file_error(StatusCode::NOT_FOUND, "file-not-found", "no such file"))?;
    Ok(Json(UploadAnswer { result: OK.to_owned(), data: descriptor(&record) }))
}

/// The descriptor of an uploaded file (visitor-api.md §9.6).
pub fn descriptor(f: &FileRecord) -> FileDescriptor {
    let image = match (f.width, f.height) {
        (Some(width), Some(height)) => Some(ImageInfo { size: ImageSize { width, height } }),
        _ => None,
    };
    FileDescriptor {
        client_content_type: f.client_content_type.clone(),
        visitor_id: f.visitor_id.as_str().to_owned(),
        filename: f.filename.clone(),
        content_type: f.content_type.clone(),
        guid: f.guid.as_str().to_owned(),
        size: f.size,
        image,
    }
}

pub async fn download(
    State(state): State<AppState>,
    Path((guid, _filename)): Path<(String, String)>,
    p: Params,
) -> ApiResult<Response> {
    let unauthorized = || file_error(StatusCode::FORBIDDEN, "unauthorized", "the link is invalid or expired");
    let not_found = || file_error(StatusCode::NOT_FOUND, "file-not-found", "no such file");
    let guid = FileGuid::parse(&guid).ok_or_else(not_found)?;
    let page_id = p.get("page-id").and_then(beseda_core::ids::PageId::parse).ok_or_else(unauthorized)?;
    let expires: i64 = p.get("expires").and_then(|e| e.parse().ok()).ok_or_else(unauthorized)?;
    let hash = p.get("hash").ok_or_else(unauthorized)?;
    let page = state.store.page(&page_id).await.map_err(ApiError::visitor)?.ok_or_else(unauthorized)?;
    let expected = auth::hmac_hex(&page.auth_token, &format!("{}{}", guid.as_str(), expires));
    if !auth::same(&expected, hash) || expires < state.now() / 1_000_000 - EXPIRY_SKEW {
        return Err(unauthorized());
    }
    let file = state.store.file(&guid).await.map_err(ApiError::visitor)?.ok_or_else(not_found)?;
    if file.visitor_id != page.visitor_id {
        return Err(not_found());
    }
    // `thumb=ios`: a JPEG of at most 300×300 for JPEG and PNG images, the file itself otherwise.
    let (mut content_type, mut content) = (file.content_type, file.content);
    if p.get("thumb") == Some("ios") {
        (content_type, content) =
            tokio::task::spawn_blocking(move || match crate::thumbnail::jpeg(&content_type, &content) {
                Some(thumb) => ("image/jpeg".to_owned(), thumb),
                None => (content_type, content),
            })
            .await
            .map_err(ApiError::internal)?;
    }
    Ok(crate::file_headers::file(content_type, &file.filename, "private", content))
}

pub async fn withdraw(State(state): State<AppState>, p: Params) -> ApiResult<Json<ActionAnswer>> {
    let page = page::from_params(&state, &p).await?;
    let guid = p
        .get("guid")
        .and_then(FileGuid::parse)
        .ok_or_else(|| file_error(StatusCode::NOT_FOUND, "file-not-found", "no such file"))?;
    let changes = state.store.withdraw_upload(&page.ctx(), &guid).await.map_err(ApiError::visitor)?;
    state.publish(changes);
    Ok(Json(ActionAnswer::ok()))
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_and_measures_images() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&700u32.to_be_bytes());
        png.extend_from_slice(&501u32.to_be_bytes());
        assert_eq!(sniff(&png), Some("image/png"));
        assert_eq!(image_size(&png), Some((700, 501)));
        let gif = b"GIF89a\x0a\x00\x14\x00";
        assert_eq!(image_size(gif), Some((10, 20)));
        assert_eq!(sniff(b"hello"), None);
    }
}
