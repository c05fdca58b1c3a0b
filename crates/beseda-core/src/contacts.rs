//! Contact requests (visitor-api.md §11, §12.1 `chat.cont_resp`): the form the visitor fills in
//! after an operator's or bot's `cont_req` message, and the rules its answer must follow.

use crate::languages::interface;
use crate::settings::OrgSettings;
use crate::DomainError;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// E-mail changes by contact-form answers a visitor may make in one day (the organisation's
/// time zone); the next one is `email-changed-too-many-times`.
pub const EMAIL_CHANGES_PER_DAY: i64 = 3;

/// The form's fields, in the order the form shows them.
pub const FIELDS: [Field; 3] = [
    Field { key: "name", max_length: 100, format: Format::Text },
    Field { key: "email", max_length: 254, format: Format::Email },
    Field { key: "phone", max_length: 32, format: Format::Phone },
];

/// The presences a field may have (`locationSettings.chat.visitorFields.contactsRequest`).
pub const PRESENCES: [&str; 3] = ["mandatory", "optional", "hidden"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Email,
    Phone,
}

impl Format {
    /// The `validation.type` of the form config, if any.
    pub fn wire(self) -> Option<&'static str> {
        match self {
            Format::Text => None,
            Format::Email => Some("email"),
            Format::Phone => Some("phone"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub key: &'static str,
    pub max_length: usize,
    pub format: Format,
}

impl Field {
    /// The field's presence in the organisation's form.
    pub fn presence(self, s: &OrgSettings) -> &str {
        match self.key {
            "name" => &s.contacts_request_name,
            "email" => &s.contacts_request_email,
            _ => &s.contacts_request_phone,
        }
    }

    /// Its name inside `visitor-fields`, for error messages.
    fn argument(self) -> &'static str {
        match self.key {
            "name" => "visitor-fields.name",
            "email" => "visitor-fields.email",
            _ => "visitor-fields.phone",
        }
    }

    /// Its label in the chat's language.
    pub fn label(self, lang: &str) -> &'static str {
        let en = interface(lang) == "en";
        match (self.key, en) {
            ("name", true) => "Name",
            ("name", false) => "Имя",
            ("email", _) => "E-mail",
            (_, true) => "Phone",
            (_, false) => "Телефон",
        }
    }
}

/// The submitted contacts, checked against the form: known, not hidden fields with string
/// values (trimmed; empty ones dropped), every mandatory field present, lengths within limits,
/// e-mail and phone well formed, at least one field given. A missing mandatory field (or an
/// empty answer) is `argument-missing`; anything else wrong is `wrong-argument-value`.
pub fn validate(form: &OrgSettings, fields: &Value) -> Result<BTreeMap<String, String>, DomainError> {
    let Value::Object(given) = fields else {
        return Err(DomainError::WrongArgumentValue("visitor-fields"));
    };
    let mut out = BTreeMap::new();
    for (key, value) in given {
        let field = FIELDS
            .iter()
            .find(|f| f.key == key && f.presence(form) != "hidden")
            .ok_or(DomainError::WrongArgumentValue("visitor-fields"))?;
        let text = match value {
            Value::String(s) => s.trim(),
            Value::Null => continue,
            _ => return Err(DomainError::WrongArgumentValue(field.argument())),
        };
        if text.is_empty() {
            continue;
        }
        let fits = text.chars().count() <= field.max_length && !text.chars().any(char::is_control);
        let well_formed = match field.format {
            Format::Text => true,
            Format::Email => looks_like_email(text),
            Format::Phone => looks_like_phone(text),
        };
        if !fits || !well_formed {
            return Err(DomainError::WrongArgumentValue(field.argument()));
        }
        out.insert(field.key.to_owned(), text.to_owned());
    }
    if let Some(missing) = FIELDS.iter().find(|f| f.presence(form) == "mandatory" && !out.contains_key(f.key)) {
        return Err(DomainError::ArgumentMissing(missing.argument()));
    }
    if out.is_empty() {
        return Err(DomainError::ArgumentMissing("visitor-fields"));
    }
    Ok(out)
}

/// The `contacts` message's text: one `Label: value` line per field, in form order.
pub fn summary(fields: &BTreeMap<String, String>, lang: &str) -> String {
    FIELDS
        .iter()
        .filter_map(|f| fields.get(f.key).map(|v| format!("{}: {v}", f.label(lang))))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `contacts` message's `data`: the submitted fields.
pub fn data(fields: &BTreeMap<String, String>) -> Value {
    Value::Object(fields.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect::<Map<_, _>>())
}

/// The `cont_req` message's text when the operator gives none.
pub fn request_text(lang: &str) -> &'static str {
    if interface(lang) == "en" {
        "Please leave your contact details so that we can get back to you."
    } else {
        "Пожалуйста, оставьте ваши контактные данные, чтобы мы могли с вами связаться."
    }
}

/// An address with one `@`, a dotted domain and no spaces, at most 254 characters.
pub fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(char::is_whitespace)
        && s.len() <= 254
}

/// A phone number: 5 to 15 digits, optionally a leading `+`, with spaces, `-`, `(` and `)`
/// between them.
pub fn looks_like_phone(s: &str) -> bool {
    let body = s.strip_prefix('+').unwrap_or(s);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    (5..=15).contains(&digits) && body.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form(name: &str, email: &str, phone: &str) -> OrgSettings {
        OrgSettings {
            contacts_request_name: name.into(),
            contacts_request_email: email.into(),
            contacts_request_phone: phone.into(),
            ..OrgSettings::default()
        }
    }

    #[test]
    fn keeps_known_fields_trimmed_and_drops_empty_ones() {
        let got = validate(&OrgSettings::default(), &json!({"name": " Анна ", "email": "a@b.ru", "phone": ""}))
            .expect("valid");
        assert_eq!(got, BTreeMap::from([("name".into(), "Анна".into()), ("email".into(), "a@b.ru".into())]));
        assert_eq!(summary(&got, "ru"), "Имя: Анна\nE-mail: a@b.ru");
        assert_eq!(summary(&got, "de"), "Name: Анна\nE-mail: a@b.ru");
    }

    #[test]
    fn refuses_what_the_form_does_not_allow() {
        let d = OrgSettings::default();
        let wrong = |v: Value| validate(&d, &v).expect_err("refused");
        assert_eq!(wrong(json!([])), DomainError::WrongArgumentValue("visitor-fields"));
        assert_eq!(wrong(json!({"age": "30"})), DomainError::WrongArgumentValue("visitor-fields"));
        assert_eq!(wrong(json!({"email": "not-an-address"})), DomainError::WrongArgumentValue("visitor-fields.email"));
        assert_eq!(wrong(json!({"phone": "call me"})), DomainError::WrongArgumentValue("visitor-fields.phone"));
        assert_eq!(wrong(json!({"phone": 79991234567u64})), DomainError::WrongArgumentValue("visitor-fields.phone"));
        assert_eq!(wrong(json!({"name": "я".repeat(101)})), DomainError::WrongArgumentValue("visitor-fields.name"));
        assert_eq!(wrong(json!({"name": "a\u{0}b"})), DomainError::WrongArgumentValue("visitor-fields.name"));
        assert_eq!(wrong(json!({"name": "  "})), DomainError::ArgumentMissing("visitor-fields"));
        let hidden = form("hidden", "optional", "optional");
        assert_eq!(validate(&hidden, &json!({"name": "Анна"})), Err(DomainError::WrongArgumentValue("visitor-fields")));
        let mandatory = form("optional", "mandatory", "optional");
        assert_eq!(
            validate(&mandatory, &json!({"name": "Анна", "phone": "+7 (999) 123-45-67"})),
            Err(DomainError::ArgumentMissing("visitor-fields.email"))
        );
        assert!(validate(&mandatory, &json!({"email": "anna@example.com"})).is_ok());
    }

    #[test]
    fn phone_and_email_shapes() {
        assert!(looks_like_phone("+7 (999) 123-45-67"));
        assert!(looks_like_phone("12345"));
        assert!(!looks_like_phone("1234"));
        assert!(!looks_like_phone("+7 999 123 45 67 89 01 2"));
        assert!(!looks_like_phone("++79991234567"));
        assert!(looks_like_email("anna@example.com"));
        assert!(!looks_like_email("anna@@example.com"));
        assert!(!looks_like_email("anna@example"));
        assert!(!looks_like_email("an na@example.com"));
    }
}
