//! OpenAPI 3.1 document of the Custom Channel API (custom-channel.md), served at
//! `/api/custom-channel/v1/openapi.json`: the calls an external system makes, and as component
//! schemas what Beseda POSTs to the channel's callback URL (`ChannelEvent` on the visitor
//! side, `BotSideDelivery` on the bot side) and the synchronous answer it accepts
//! (`ChannelReply`).
//!
//! The methods share one handler (`channel::inbound::call`), so each is described by a marker
//! function below.
#![allow(dead_code)]

use beseda_core::protocol::bot::calls::{ErrorBody, OkAnswer, ReplyMessage};
use beseda_core::protocol::channel::{
    AnyMessageRequest, BotSideDelivery, BotSideRedirectRequest, ChannelEvent, CloseChatRequest, MessageAnswer,
    StartChatRequest,
};
use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{OpenApi, ToSchema};

/// A synchronous answer to a delivery: `messages` are posted, then `actions` are applied; any
/// other body is ignored.
#[derive(Serialize, ToSchema)]
struct ChannelReply {
    messages: Vec<ReplyMessage>,
    actions: Vec<ReplyAction>,
}

/// An action of JAICP's Webim channel (camelCase names are taken too: `operatorId`,
/// `departmentKey`, `subCategory`); unknown ones are skipped.
#[derive(Serialize, ToSchema)]
struct ReplyAction {
    /// `redirect_to_operator`, `redirect_to_department` or `close_chat`.
    #[serde(rename = "type")]
    kind: String,
    /// `redirect_to_operator`: the operator's id (a string or a number).
    operator_id: Option<String>,
    /// `redirect_to_department`: the department's key or numeric id.
    department_key: Option<String>,
    /// `close_chat`: the category to set first.
    category: Option<String>,
    /// `close_chat`: the subcategory.
    sub_category: Option<String>,
}

/// `Authorization: Token <secret>`, the request signed with the secret, or an administrator's
/// e-mail and password (HTTP Basic).
struct Secret;

impl utoipa::Modify for Secret {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        let token = ApiKeyValue::with_description("Authorization", "`Token <channel secret>`");
        components.add_security_scheme("token", SecurityScheme::ApiKey(ApiKey::Header(token)));
        let signature = ApiKeyValue::with_description(
            "X-Beseda-Signature",
            "`sha256=<hex HMAC-SHA256(secret, \"<timestamp>.<raw body>\")>`, with the Unix time in \
             `X-Beseda-Timestamp` (at most 300 s off). Beseda signs its deliveries the same way.",
        );
        components.add_security_scheme("signature", SecurityScheme::ApiKey(ApiKey::Header(signature)));
        components.add_security_scheme("basic", SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)));
    }
}

/// The refusals every Custom Channel API call shares (see `super::webim_refusals`).
struct Refusals;

impl utoipa::IntoResponses for Refusals {
    fn responses() -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>> {
        super::webim_refusals("No valid secret or signature (`access-denied`)", "Too many calls; see `Retry-After`")
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Beseda Custom Channel API", description = "An external system's users talk to operators \
        (visitor side), or an external platform answers chats like a bot (bot side). Beseda POSTs \
        `ChannelEvent` (visitor side) or `BotSideDelivery` (bot side) to the channel's callback URL."),
    paths(message, start_chat, close_chat, redirect_chat),
    components(schemas(ChannelEvent, BotSideDelivery, ChannelReply, ErrorBody)),
    modifiers(&Secret),
)]
struct ChannelApi;

/// The Custom Channel API document.
pub fn document() -> utoipa::openapi::OpenApi {
    ChannelApi::openapi()
}

/// A user's message (visitor side; starts the chat if needed) or an answer in a chat the
/// channel holds (bot side).
#[utoipa::path(post, path = "/api/custom-channel/v1/{key}/message", request_body = AnyMessageRequest,
    params(("key" = String, Path, description = "The channel's key")),
    responses(
        (status = 200, description = "Posted", body = MessageAnswer),
        (status = 403, description = "Bot side: the chat is not the channel's (`access-denied`)", body = ErrorBody),
        (status = 404, description = "`channel-not-found`, `chat-not-found`, `department-not-found`", body = ErrorBody),
        (status = 409, description = "`chat-closed`", body = ErrorBody),
        (status = 422, description = "`department-required`, `department-not-allowed`, `file-download-failed`", body = ErrorBody),
        Refusals,
    ),
    security(("token" = []), ("signature" = []), ("basic" = [])))]
fn message() {}

/// Visitor side: opens the chat with no message (nothing happens if it is open).
#[utoipa::path(post, path = "/api/custom-channel/v1/{key}/start_chat", request_body = StartChatRequest,
    params(("key" = String, Path, description = "The channel's key")),
    responses(
        (status = 200, description = "Open", body = OkAnswer),
        (status = 404, description = "`channel-not-found`, `department-not-found`", body = ErrorBody),
        (status = 422, description = "`department-required`, `department-not-allowed`", body = ErrorBody),
        Refusals,
    ),
    security(("token" = []), ("signature" = []), ("basic" = [])))]
fn start_chat() {}

/// Closes the chat (visitor side: the user left; bot side: the platform is done).
#[utoipa::path(post, path = "/api/custom-channel/v1/{key}/close_chat", request_body = CloseChatRequest,
    params(("key" = String, Path, description = "The channel's key")),
    responses(
        (status = 200, description = "Closed", body = OkAnswer),
        (status = 403, description = "Bot side: the chat is not the channel's (`access-denied`)", body = ErrorBody),
        (status = 404, description = "`channel-not-found`, `chat-not-found`", body = ErrorBody),
        (status = 409, description = "`chat-closed`", body = ErrorBody),
        Refusals,
    ),
    security(("token" = []), ("signature" = []), ("basic" = [])))]
fn close_chat() {}

/// Bot side: hands the chat to an operator, a department or the queue.
#[utoipa::path(post, path = "/api/custom-channel/v1/{key}/redirect_chat", request_body = BotSideRedirectRequest,
    params(("key" = String, Path, description = "The channel's key")),
    responses(
        (status = 200, description = "Redirected", body = OkAnswer),
        (status = 403, description = "The chat is not the channel's (`access-denied`)", body = ErrorBody),
        (status = 404, description = "`channel-not-found`, `chat-not-found`, `unknown-method` on the visitor side", body = ErrorBody),
        (status = 409, description = "`chat-closed`, `operator-offline`, `department-offline`", body = ErrorBody),
        Refusals,
    ),
    security(("token" = []), ("signature" = []), ("basic" = [])))]
fn redirect_chat() {}
