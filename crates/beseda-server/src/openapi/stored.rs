//! OpenAPI 3.1 document of the Stored Data API (stored-data-api.md), served at
//! `/api/v2/openapi.json` (and under `/api/v3/`, `/api/v4/`, which answer alike). Refusals
//! other than authentication are HTTP 200 with `{"error": code}`, so each 200 answer is the
//! method's object or that error. The bodies of chat event handler calls (chat-handlers.md),
//! which carry these objects, are the component schema `HandlerCall`.
//!
//! Every method goes through one handler (`stored::call`), so each is described by a marker
//! function below.
#![allow(dead_code)]

use beseda_core::protocol::handlers::HandlerCall;
use beseda_core::protocol::stored::{
    ChatAnswer, ChatsAnswer, ProvideVisitorFields, StoredCategory, StoredDepartment, StoredError, StoredOk,
    StoredOperator,
};
use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{OpenApi, ToSchema};

/// The prefixes the API answers under; the document lists every method under each.
pub const PREFIXES: [&str; 3] = ["/api/v2", "/api/v3", "/api/v4"];

/// `GET operators`: every account, or an error.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
enum OperatorsAnswer {
    Operators(Vec<StoredOperator>),
    Error(StoredError),
}

/// `GET departments`: every department, or an error.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
enum DepartmentsAnswer {
    Departments(Vec<StoredDepartment>),
    Error(StoredError),
}

/// `GET categories`: the categories, or an error.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
enum CategoriesAnswer {
    Categories(Vec<StoredCategory>),
    Error(StoredError),
}

/// `GET chat`: the chat, or an error.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
enum OneChatAnswer {
    Chat(Box<ChatAnswer>),
    Error(StoredError),
}

/// `GET chats`: a page, or an error.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
enum ChatPageAnswer {
    Chats(ChatsAnswer),
    Error(StoredError),
}

/// `POST rt/provide_visitor_fields`: saved, or an error.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
enum ProvideAnswer {
    Saved(StoredOk),
    Error(StoredError),
}

/// HTTP Basic with an administrator's e-mail and password.
struct Basic;

impl utoipa::Modify for Basic {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let mut basic = Http::new(HttpAuthScheme::Basic);
        basic.description =
            Some("An administrator's e-mail and password (with the 2FA code appended when the account has 2FA)".into());
        doc.components.get_or_insert_with(Default::default).add_security_scheme("basic", SecurityScheme::Http(basic));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Beseda Stored Data API", description = "Read access for integrations (Webim Stored Data API). \
        `HandlerCall` is the body Beseda POSTs to chat event handler URLs."),
    paths(operators, departments, categories, chat, chats, provide_visitor_fields, file),
    components(schemas(HandlerCall, StoredError)),
    modifiers(&Basic),
)]
struct StoredApi;

/// The Stored Data API document, every method under each prefix.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = StoredApi::openapi();
    let v2: Vec<_> = std::mem::take(&mut doc.paths.paths).into_iter().collect();
    for prefix in PREFIXES {
        for (path, item) in &v2 {
            let tail = path.strip_prefix("/api/v2").unwrap_or(path);
            let mut item = item.clone();
            // Operation ids are unique across a document: the v3 and v4 copies get a suffix.
            if let Some(version) = prefix.strip_prefix("/api/").filter(|v| *v != "v2") {
                let operations = [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete];
                for operation in operations.into_iter().flatten() {
                    if let Some(id) = operation.operation_id.as_mut() {
                        *id = format!("{id}_{version}");
                    }
                }
            }
            doc.paths.paths.insert(format!("{prefix}{tail}"), item);
        }
    }
    doc
}

/// Every operator and bot account.
#[utoipa::path(get, path = "/api/v2/operators", responses(
        (status = 200, description = "The accounts, or `{\"error\"}`", body = OperatorsAnswer),
        (status = 401, description = "`unauthorized`", body = StoredError),
        (status = 403, description = "`forbidden` (not an administrator), `2fa-setup-required`", body = StoredError),
        (status = 429, description = "Too many calls or failed logins; see `Retry-After`", body = StoredError),
    ), security(("basic" = [])))]
fn operators() {}

/// Every department with who serves it.
#[utoipa::path(get, path = "/api/v2/departments", responses(
        (status = 200, description = "The departments, or `{\"error\"}`", body = DepartmentsAnswer),
        (status = 401, description = "`unauthorized`", body = StoredError),
        (status = 403, description = "`forbidden` (not an administrator), `2fa-setup-required`", body = StoredError),
        (status = 429, description = "Too many calls or failed logins; see `Retry-After`", body = StoredError),
    ), security(("basic" = [])))]
fn departments() {}

/// The chat categories, subcategories pointing at their parent.
#[utoipa::path(get, path = "/api/v2/categories", responses(
        (status = 200, description = "The categories, or `{\"error\"}`", body = CategoriesAnswer),
        (status = 401, description = "`unauthorized`", body = StoredError),
        (status = 403, description = "`forbidden` (not an administrator), `2fa-setup-required`", body = StoredError),
        (status = 429, description = "Too many calls or failed logins; see `Retry-After`", body = StoredError),
    ), security(("basic" = [])))]
fn categories() {}

/// One chat with its visitor and every message.
#[utoipa::path(get, path = "/api/v2/chat",
    params(("id" = i64, Query, description = "The chat number")),
    responses(
        (status = 200, description = "The chat, or `argument-missing`, `wrong-argument-value`, `chat-not-found`", body = OneChatAnswer),
        (status = 401, description = "`unauthorized`", body = StoredError),
        (status = 403, description = "`forbidden` (not an administrator), `2fa-setup-required`", body = StoredError),
        (status = 429, description = "Too many calls or failed logins; see `Retry-After`", body = StoredError),
    ), security(("basic" = [])))]
fn chat() {}

/// Chats in the order they last changed, 100 a page.
#[utoipa::path(get, path = "/api/v2/chats",
    params(("since" = Option<i64>, Query, description = "`last_ts` of the previous page; from the beginning without it")),
    responses(
        (status = 200, description = "A page, or `wrong-argument-value`", body = ChatPageAnswer),
        (status = 401, description = "`unauthorized`", body = StoredError),
        (status = 403, description = "`forbidden` (not an administrator), `2fa-setup-required`", body = StoredError),
        (status = 429, description = "Too many calls or failed logins; see `Retry-After`", body = StoredError),
    ), security(("basic" = [])))]
fn chats() {}

/// Registers a visitor token (visitor-identification.md §4).
#[utoipa::path(post, path = "/api/v2/rt/provide_visitor_fields", request_body = ProvideVisitorFields,
    responses(
        (status = 200, description = "Saved, or `wrong-argument-value`", body = ProvideAnswer),
        (status = 401, description = "`unauthorized`", body = StoredError),
        (status = 403, description = "`forbidden` (not an administrator), `2fa-setup-required`", body = StoredError),
        (status = 429, description = "Too many calls or failed logins; see `Retry-After`", body = StoredError),
    ), security(("basic" = [])))]
fn provide_visitor_fields() {}

/// The bytes of a file of any chat.
#[utoipa::path(get, path = "/api/v2/file/{guid}",
    params(("guid" = String, Path, description = "The file's guid")),
    responses(
        (status = 200, description = "The file; or, as JSON, `wrong-argument-value`, `file-not-found`", content(
            (Vec<u8> = "application/octet-stream"),
            (StoredError = "application/json"),
        )),
        (status = 401, description = "`unauthorized`", body = StoredError),
        (status = 403, description = "`forbidden` (not an administrator), `2fa-setup-required`", body = StoredError),
        (status = 429, description = "Too many calls or failed logins; see `Retry-After`", body = StoredError),
    ), security(("basic" = [])))]
fn file() {}
