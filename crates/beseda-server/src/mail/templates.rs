//! Mail templates: built in, each replaceable by a file of the same name in the configured
//! directory (`mail_templates_dir`). A template is `Subject: …`, a blank line and the body;
//! `{name}` is replaced by the value of `name`, unknown names are left as they are.

use std::collections::HashMap;
use std::path::Path;

macro_rules! builtin {
    ($($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/mail/", $name)))),+]
    };
}

const BUILTIN: &[(&str, &str)] = builtin!(
    "chat_history.en.txt",
    "chat_history.ru.txt",
    "daily_report.en.txt",
    "daily_report.ru.txt",
    "long_wait.en.txt",
    "long_wait.ru.txt",
    "negative_rating.en.txt",
    "negative_rating.ru.txt",
    "offline_message.en.txt",
    "offline_message.ru.txt",
    "signature.en.txt",
    "signature.ru.txt",
);

/// The text of template `kind` in `lang` (Russian for `ru`, English for every other language).
pub fn load(dir: Option<&Path>, kind: &str, lang: &str) -> String {
    let lang = beseda_core::languages::interface(lang);
    let name = format!("{kind}.{lang}.txt");
    if let Some(text) = dir.and_then(|d| std::fs::read_to_string(d.join(&name)).ok()) {
        return text;
    }
    BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, t)| (*t).to_owned()).unwrap_or_default()
}

/// Replaces every `{name}` of `vars` in `text`, in one left-to-right pass (values are not
/// searched again, so a visitor's `{signature}` stays text).
pub fn fill(text: &str, vars: &HashMap<&str, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) if vars.contains_key(name) => {
                out.push_str(&vars[name]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Subject and body of a filled template.
pub fn split(text: &str) -> (String, String) {
    match text.strip_prefix("Subject:").and_then(|t| t.split_once('\n')) {
        Some((subject, body)) => (subject.trim().to_owned(), body.trim_start_matches(['\r', '\n']).to_owned()),
        None => (String::new(), text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_both_languages_with_a_subject() {
        for kind in ["chat_history", "daily_report", "long_wait", "negative_rating", "offline_message"] {
            for lang in ["ru", "en"] {
                let (subject, body) = split(&load(None, kind, lang));
                assert!(!subject.is_empty() && body.contains("{signature}"), "{kind}.{lang}");
            }
        }
    }

    #[test]
    fn values_are_not_expanded_twice() {
        let vars = HashMap::from([("visitor", "{signature}".to_owned()), ("signature", "--".to_owned())]);
        assert_eq!(fill("{visitor} {signature} {unknown} {", &vars), "{signature} -- {unknown} {");
    }

    #[test]
    fn a_file_in_the_directory_wins() {
        let dir = std::env::temp_dir().join(format!("beseda-templates-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("chat_history.en.txt"), "Subject: Ours\n\nHi {company}").expect("write");
        assert_eq!(split(&load(Some(&dir), "chat_history", "en")), ("Ours".into(), "Hi {company}".into()));
        assert!(load(Some(&dir), "chat_history", "ru").starts_with("Subject: История"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
