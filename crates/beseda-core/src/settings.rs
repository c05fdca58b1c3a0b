//! Organisation settings: the runtime-editable record the admin panel changes. Stored as one
//! JSON document; every field has a default so older documents keep loading.

use serde::{Deserialize, Serialize};

/// Longest visitor or operator text message, in characters.
pub const DEFAULT_MAX_MESSAGE_LENGTH: usize = 10_000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrgSettings {
    /// Company name shown to visitors.
    pub name: String,
    /// Primary language (`ru` or `en`).
    pub default_lang: String,
    /// Chats are created by the visitor's first message, not by opening the widget.
    pub chat_start_after_message: bool,
    /// The visitor must pick a department when the placement offers two or more.
    pub department_choice_obligatory: bool,
    /// The visitor must write a first question before a chat starts.
    pub first_question_obligatory: bool,
    /// Longest text message, in characters.
    pub max_message_length: usize,
    /// Visitors may edit their own messages.
    pub visitor_message_editing: bool,
    /// Visitors may delete their own messages.
    pub visitor_message_deleting: bool,
    /// Visitors may quote messages.
    pub web_and_mobile_quoting: bool,
    /// Visitors may rate operators.
    pub rate_operator: bool,
    /// Visitors may upload files.
    pub visitor_upload_file: bool,
    /// Largest visitor upload, in megabytes.
    pub max_visitor_upload_file_size: u32,
    /// Allowed upload extensions, lowercase, without dots.
    pub allowed_upload_file_types: Vec<String>,
    /// Chats a single operator holds at once unless overridden per operator.
    pub max_chats_per_operator: u32,
    /// The visitor may e-mail themselves the transcript.
    pub send_chat_history: bool,
    /// Operators see what the visitor is typing before it is sent.
    pub operator_typing_preview: bool,
}

impl Default for OrgSettings {
    fn default() -> Self {
        Self {
            name: "Beseda".into(),
            default_lang: "ru".into(),
            chat_start_after_message: true,
            department_choice_obligatory: false,
            first_question_obligatory: false,
            max_message_length: DEFAULT_MAX_MESSAGE_LENGTH,
            visitor_message_editing: true,
            visitor_message_deleting: true,
            web_and_mobile_quoting: true,
            rate_operator: true,
            visitor_upload_file: true,
            max_visitor_upload_file_size: 10,
            allowed_upload_file_types: ["png", "jpg", "jpeg", "gif", "pdf", "txt", "doc", "docx"]
                .into_iter()
                .map(String::from)
                .collect(),
            max_chats_per_operator: 5,
            send_chat_history: true,
            operator_typing_preview: true,
        }
    }
}

impl OrgSettings {
    /// Extensions as the visitor protocol sends them (joined by `", "`).
    pub fn allowed_types_joined(&self) -> String {
        self.allowed_upload_file_types.join(", ")
    }

    /// Largest upload in bytes.
    pub fn max_upload_bytes(&self) -> u64 {
        u64::from(self.max_visitor_upload_file_size) * 1024 * 1024
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_document_keeps_the_other_defaults() {
        let s: OrgSettings =
            serde_json::from_str(r#"{"name":"Acme","visitor_message_editing":false}"#).expect("parses");
        assert_eq!(s.name, "Acme");
        assert!(!s.visitor_message_editing);
        assert_eq!(s.max_message_length, DEFAULT_MAX_MESSAGE_LENGTH);
        assert_eq!(s.allowed_types_joined(), "png, jpg, jpeg, gif, pdf, txt, doc, docx");
    }
}
