//! Length limits of what bots and custom channels store, shared by both (the visitor protocol's
//! are in `params`). A longer value is refused before anything is written.

use serde_json::Value;

/// Longest message or note text, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// Largest visitor-fields object, as JSON bytes.
pub const MAX_FIELDS_BYTES: usize = 16_384;

/// A text of at most `MAX_TEXT_CHARS`, or why not.
pub fn text(name: &str, text: &str) -> Result<(), String> {
    match text.chars().count() > MAX_TEXT_CHARS {
        true => Err(format!("{name} must have at most {MAX_TEXT_CHARS} characters")),
        false => Ok(()),
    }
}

/// Visitor fields of at most `MAX_FIELDS_BYTES` as JSON, or why not.
pub fn fields(name: &str, fields: &Value) -> Result<(), String> {
    match fields.to_string().len() > MAX_FIELDS_BYTES {
        true => Err(format!("{name} must be at most {MAX_FIELDS_BYTES} bytes of JSON")),
        false => Ok(()),
    }
}
