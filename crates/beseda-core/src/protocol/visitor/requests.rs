//! The fields each visitor endpoint reads. They come as query parameters or, for `POST`, an
//! urlencoded body (the body wins); JSON-valued fields are JSON text. Every call after init
//! carries the page's `page-id` and `auth-token`; a wrong, unknown or expired page is refused
//! with `reinit-required`.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `/l/v/m/init`: start or resume a visit session.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InitRequest {
    /// The placement's key.
    pub location: String,
    /// JSON `{"id": "<visitor id>"}` of a returning visitor.
    pub visitor: Option<String>,
    #[serde(rename = "visit-session-id")]
    pub visit_session_id: Option<String>,
    #[serde(rename = "device-id")]
    pub device_id: Option<String>,
    pub platform: Option<String>,
    pub title: Option<String>,
    #[serde(rename = "app-version")]
    pub app_version: Option<String>,
    #[serde(rename = "push-token")]
    pub push_token: Option<String>,
    #[serde(rename = "push-service")]
    pub push_service: Option<String>,
    /// JSON object of pre-chat fields.
    #[serde(rename = "prechat-key-independent-fields")]
    pub prechat_key_independent_fields: Option<String>,
    #[serde(rename = "page-url")]
    pub page_url: Option<String>,
    pub referrer: Option<String>,
    /// A registered visitor token (visitor-identification.md §4).
    pub provided_auth_token: Option<String>,
    /// JSON of signed visitor fields (visitor-identification.md §2–§3).
    #[serde(rename = "visitor-ext")]
    pub visitor_ext: Option<String>,
}

/// `/l/v/m/delta`: the items after `since`, held until there are some.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeltaRequest {
    #[serde(rename = "page-id")]
    pub page_id: Option<String>,
    #[serde(rename = "auth-token")]
    pub auth_token: Option<String>,
    /// The client's revision; missing or malformed gives a full update.
    pub since: Option<i64>,
    /// Answer at once instead of holding the request.
    #[serde(rename = "respond-immediately")]
    pub respond_immediately: Option<bool>,
    /// `init` makes this an init call (older clients), with init's fields.
    pub event: Option<String>,
}

/// `/l/v/m/ws`: the same items over a WebSocket, one delta answer per text frame.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SocketRequest {
    #[serde(rename = "page-id")]
    pub page_id: Option<String>,
    #[serde(rename = "auth-token")]
    pub auth_token: Option<String>,
    pub since: Option<i64>,
}

/// `/l/v/m/action`: one visitor action, chosen by `action`; the other fields are the action's.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActionRequest {
    #[serde(rename = "page-id")]
    pub page_id: Option<String>,
    #[serde(rename = "auth-token")]
    pub auth_token: Option<String>,
    /// `chat.start`, `chat.message`, `chat.delete_message`, `chat.visitor_typing`,
    /// `chat.set_prechat_fields`, `chat.read_by_visitor`, `chat.keyboard_response`,
    /// `chat.operator_rate_select`, `chat.resolution_survey_select`, `chat.send_chat_history`,
    /// `chat.react_message`, `chat.close`, `chat.offline_message`, `chat.clear_history`,
    /// `chat.cont_resp`, `chat.action_request.call_sentry_action_request`, `geo_response`,
    /// `set_push_token`, `widget.update`, `sticker`, `file_upload_progress`, `page_visit`,
    /// `survey.answer`, `survey.cancel`.
    pub action: String,
    /// The message's (or chat's) id chosen by the client; a retry with the same id is one.
    #[serde(rename = "client-side-id")]
    pub client_side_id: Option<String>,
    #[serde(rename = "force-online")]
    pub force_online: Option<bool>,
    #[serde(rename = "force-start")]
    pub force_start: Option<bool>,
    #[serde(rename = "first-question")]
    pub first_question: Option<String>,
    #[serde(rename = "department-key")]
    pub department_key: Option<String>,
    /// JSON object of the visitor's fields; for `chat.cont_resp`, the contact form's answer
    /// (`name`, `email`, `phone`, visitor-api.md §12.5).
    #[serde(rename = "visitor-fields")]
    pub visitor_fields: Option<String>,
    /// Older name of `visitor-fields`.
    pub custom_fields: Option<String>,
    /// The message text (for `file_visitor`, JSON of the uploaded files' descriptors).
    pub message: Option<String>,
    /// `file_visitor` for a message of uploaded files.
    pub kind: Option<String>,
    /// JSON quote `{"ref": {"msgId": …}}` of a reply.
    pub quote: Option<String>,
    /// JSON object: a message's data, or the widget state of `widget.update`.
    pub data: Option<String>,
    pub hint_question: Option<String>,
    #[serde(rename = "sticker-id")]
    pub sticker_id: Option<i64>,
    pub reaction: Option<String>,
    pub typing: Option<bool>,
    #[serde(rename = "message-draft")]
    pub message_draft: Option<String>,
    #[serde(rename = "del-message-draft")]
    pub del_message_draft: Option<bool>,
    pub message_id: Option<String>,
    #[serde(rename = "button-id")]
    pub button_id: Option<String>,
    #[serde(rename = "request-message-id")]
    pub request_message_id: Option<String>,
    /// -2…2 (or 1…5).
    pub rate: Option<String>,
    pub operator_id: Option<String>,
    pub visitor_note: Option<String>,
    pub email: Option<String>,
    /// The offline form's message.
    pub text: Option<String>,
    #[serde(rename = "push-token")]
    pub push_token: Option<String>,
    #[serde(rename = "prechat-key-independent-fields")]
    pub prechat_key_independent_fields: Option<String>,
    /// `survey.answer`, `survey.cancel`: the offer (`SURVEY` item's `id`).
    #[serde(rename = "survey-id")]
    pub survey_id: Option<String>,
    /// `survey.answer`: the form and the question answered (`current_question`).
    #[serde(rename = "form-id")]
    pub form_id: Option<String>,
    #[serde(rename = "question-id")]
    pub question_id: Option<String>,
    /// `survey.answer`: stars 1…5, a radio option's number from 1, or the comment;
    /// `chat.resolution_survey_select`: 0 or 1.
    pub answer: Option<String>,
    /// `chat.operator_rate_select`, `chat.resolution_survey_select`: accepted, not used.
    pub thread_id: Option<String>,
    /// `geo_response`: degrees.
    pub latitude: Option<String>,
    pub longitude: Option<String>,
    /// `page_visit`: the page the visitor is on.
    pub url: Option<String>,
    pub title: Option<String>,
    pub referrer: Option<String>,
}

/// `/l/v/m/history`: the latest page, the messages changed after `since`, or those before
/// `before-ts`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryRequest {
    #[serde(rename = "page-id")]
    pub page_id: Option<String>,
    #[serde(rename = "auth-token")]
    pub auth_token: Option<String>,
    /// A history revision.
    pub since: Option<i64>,
    /// Microseconds.
    #[serde(rename = "before-ts")]
    pub before_ts: Option<i64>,
}

/// `/l/v/m/search-messages`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchRequest {
    #[serde(rename = "page-id")]
    pub page_id: Option<String>,
    #[serde(rename = "auth-token")]
    pub auth_token: Option<String>,
    pub query: String,
}

/// `/l/v/m/get-online-status`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OnlineStatusRequest {
    /// The placement's key (`default` when absent).
    pub location: Option<String>,
}

/// `/l/v/m/upload`: a multipart body (the credentials may also come in the query).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct UploadRequest {
    #[serde(rename = "page-id")]
    pub page_id: Option<String>,
    #[serde(rename = "auth-token")]
    pub auth_token: Option<String>,
    #[serde(rename = "client-side-id")]
    pub client_side_id: Option<String>,
    /// The file.
    #[schema(value_type = String, format = Binary)]
    pub webim_upload_file: String,
}

/// `/l/v/m/download/{guid}/{filename}`: a signed link from a file message.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadRequest {
    #[serde(rename = "page-id")]
    pub page_id: String,
    /// Unix seconds.
    pub expires: i64,
    /// HMAC of the guid and `expires` under the page's token.
    pub hash: String,
}

/// `/l/v/file-delete`: withdraw an upload not yet sent.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileDeleteRequest {
    #[serde(rename = "page-id")]
    pub page_id: Option<String>,
    #[serde(rename = "auth-token")]
    pub auth_token: Option<String>,
    pub guid: String,
}
