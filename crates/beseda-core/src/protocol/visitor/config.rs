//! A placement's configuration (`/api/visitor/v1/configs/{location}`, visitor-api.md §2): the
//! account's settings as Webim names them, and the placement's own.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The account settings a visitor client reads. Features Beseda does not have are present with
/// their "off" value, as Webim's clients expect every key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AccountConfig {
    pub visitor_hints_api_endpoint: Option<String>,
    pub web_and_mobile_quoting: bool,
    pub visitor_message_editing: bool,
    /// Megabytes.
    pub max_visitor_upload_file_size: u32,
    /// Extensions, comma-separated.
    pub allowed_upload_file_types: String,
    pub rate_operator: bool,
    pub show_visitor_rate_operator_button: bool,
    pub disabling_message_input_field: bool,
    pub show_processing_personal_data_checkbox: bool,
    pub personal_data_agreement_confirmation_mandatory: bool,
    pub processing_personal_data_url: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub rate_form: Option<Value>,
    pub rated_entity: Option<String>,
    pub visitor_segment: Option<String>,
    pub visitor_upload_file: bool,
    /// Path of the account's logo, when it has one.
    pub logo: Option<String>,
    pub multilang: bool,
    /// Percent of visitors who see the chat button.
    pub visitor_enabling_probability: u32,
    pub rate_operator_by_click_on_avatar: bool,
    pub force_visitor_disable: bool,
    pub default_phone_number: Option<String>,
    pub visitor_tracking: bool,
    pub operator_check_status_online: i64,
    pub visitor_websockets: bool,
    pub default_prompter_id: Option<String>,
    pub check_visitor_auth: bool,
    pub offline_chat_processing: bool,
    pub client_php_url: Option<String>,
    pub operator_status_timer: bool,
    pub open_chat_in_new_tab_for_mobile: bool,
    /// Always `null`: the survey is chosen by the chat's department and language.
    pub default_survey_id: Option<i64>,
    pub teleport: bool,
    /// Seconds a download link stays valid.
    pub file_url_expiring_timeout: i64,
    pub hide_referrer: bool,
    /// Visitors are offered a survey after a chat (the `surveys` setting).
    pub surveys: bool,
    pub track_visitor_typing: bool,
    pub chatting_timer: bool,
    pub default_lang: String,
    pub use_emoji_annotations: bool,
    pub messages_translator: bool,
    pub privacy_policy_url: Option<String>,
}

/// The automatic invitation (Beseda extension).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Invitation {
    /// Markdown.
    pub text: String,
    pub delay_secs: u64,
    pub photo: Option<String>,
}

/// Whether a form field is asked for, and what its value must look like.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FieldPresence {
    /// `mandatory`, `optional` or `hidden`.
    pub presence: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<FieldValidation>,
}

/// What a form field's value must look like.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FieldValidation {
    /// Longest value, in characters.
    pub max_length: usize,
    /// `email` or `phone`; absent for free text.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// The fields of each form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VisitorFieldDefs {
    /// The pre-chat form.
    pub def: BTreeMap<String, FieldPresence>,
    /// The contact form shown after a `cont_req` message (`chat.cont_resp`).
    #[serde(default)]
    pub contacts_request: BTreeMap<String, FieldPresence>,
}

/// The pre-chat form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatForm {
    pub visitor_fields: VisitorFieldDefs,
    pub visitor_field_labels: BTreeMap<String, String>,
}

/// Texts of the chat window, in the placement's language.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Resources {
    #[serde(rename = "leavemessage-descr")]
    pub leave_message: String,
    #[serde(rename = "first_question-descr")]
    pub first_question: String,
    #[serde(rename = "chat-operator-default_title")]
    pub operator_title: String,
    #[serde(rename = "chat-window-personal_data_agreement")]
    pub personal_data_agreement: String,
}

/// The placement's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocationSettings {
    /// Beseda extension: the chat button is hidden while a queue limit is exceeded (more chats
    /// wait than the limit).
    pub button_hidden: bool,
    pub online_status: String,
    /// Beseda extensions for Beseda's widget, from here to `invitation`.
    pub lang: String,
    pub title: String,
    pub company_name: String,
    pub send_chat_history: bool,
    pub department_choice: bool,
    pub invitation: Option<Invitation>,
    pub chat: ChatForm,
    pub resources: Resources,
}

/// The whole configuration answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigAnswer {
    pub account_config: Box<AccountConfig>,
    pub location_settings: LocationSettings,
    /// Always empty.
    #[schema(value_type = Vec<Object>)]
    pub routing_rules: Vec<Value>,
}
