//! OpenAPI 3.1 document of the Bot API (bot-api.md), served at `/api/bot/v2/openapi.json`:
//! the calls bots make, the signed file links, and as component schemas what Beseda POSTs to a
//! bot's webhook (`BotEvent` for API 2.0, `V1Event` for API 1.0) and the answers it accepts
//! (`V1Reply`, `ReplyMessage`).
//!
//! The calls share one handler (`bot::api::call`), so each is described by a marker function
//! below rather than by the handler itself.
#![allow(dead_code)]

use beseda_core::protocol::bot::calls::{
    CloseChatRequest, ErrorBody, ErrorCode, OkAnswer, RedirectChatRequest, ReplyMessage, SendMessageAnswer,
    SendMessageRequest, V1Reply,
};
use beseda_core::protocol::bot::events::{BotEvent, V1Event};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::OpenApi;

/// `Authorization: Token <bot token>`.
struct Token;

impl utoipa::Modify for Token {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let scheme = ApiKeyValue::with_description("Authorization", "`Token <bot token>`, as given in the admin panel");
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme("token", SecurityScheme::ApiKey(ApiKey::Header(scheme)));
    }
}

/// The refusals every Bot API call shares (see `super::webim_refusals`).
struct Refusals;

impl utoipa::IntoResponses for Refusals {
    fn responses() -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>> {
        super::webim_refusals("No valid token (`access-denied`)", "Too many calls or wrong tokens; see `Retry-After`")
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Beseda Bot API", description = "Webim External Bot API 2.0 (and 1.0 event shapes). \
        Beseda POSTs `BotEvent` (API 2.0) or `V1Event` (API 1.0) to the bot's webhook; file links in \
        them are signed `GET /api/bot/v2/file/{guid}` URLs."),
    paths(send_message, redirect_chat, close_chat, file),
    components(schemas(BotEvent, V1Event, V1Reply, ReplyMessage, ErrorBody)),
    modifiers(&Token),
)]
struct BotApi;

/// The Bot API document.
pub fn document() -> utoipa::openapi::OpenApi {
    BotApi::openapi()
}

/// Post a message to a chat the bot holds, or (Beseda extension) to a visit session.
#[utoipa::path(post, path = "/api/bot/v2/send_message", request_body = SendMessageRequest,
    responses(
        (status = 200, description = "Posted", body = SendMessageAnswer),
        (status = 403, description = "The chat is not the bot's (`access-denied`)", body = ErrorBody),
        (status = 404, description = "`chat-not-found`, `session-not-found`", body = ErrorBody),
        (status = 409, description = "`chat-closed`", body = ErrorBody),
        (status = 413, description = "The file is larger than the upload limit", body = ErrorBody),
        (status = 422, description = "The file could not be downloaded", body = ErrorBody),
        Refusals,
    ),
    security(("token" = [])))]
fn send_message() {}

/// Hand the chat to an operator, a department or the queue.
#[utoipa::path(post, path = "/api/bot/v2/redirect_chat", request_body = RedirectChatRequest,
    responses(
        (status = 200, description = "Redirected", body = OkAnswer),
        (status = 403, description = "The chat is not the bot's (`access-denied`)", body = ErrorBody),
        (status = 404, description = "`chat-not-found`, `operator-not-found`, `department-not-found`", body = ErrorBody),
        (status = 409, description = "`chat-closed`, `operator-offline`, `department-offline`", body = ErrorBody),
        Refusals,
    ),
    security(("token" = [])))]
fn redirect_chat() {}

/// Close the chat.
#[utoipa::path(post, path = "/api/bot/v2/close_chat", request_body = CloseChatRequest,
    responses(
        (status = 200, description = "Closed", body = OkAnswer),
        (status = 403, description = "The chat is not the bot's (`access-denied`)", body = ErrorBody),
        (status = 404, description = "`chat-not-found`", body = ErrorBody),
        (status = 409, description = "`chat-closed`", body = ErrorBody),
        Refusals,
    ),
    security(("token" = [])))]
fn close_chat() {}

/// A file of a chat by its signed link (bot-api.md §3.4); needs no other credentials.
#[utoipa::path(get, path = "/api/bot/v2/file/{guid}",
    params(
        ("guid" = String, Path, description = "The file's guid (32 hex characters)"),
        ("hash" = String, Query, description = "Lowercase hex HMAC-SHA256 of the guid keyed with the bot's token (or a channel's secret)"),
    ),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 403, description = "`access-denied`: the hash is not right", body = ErrorCode),
        (status = 404, description = "`file-not-found`", body = ErrorCode),
        (status = 500, description = "`internal-error`", body = ErrorCode),
    ))]
fn file() {}
