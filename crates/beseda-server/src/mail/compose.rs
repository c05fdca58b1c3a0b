//! Each kind of e-mail from its outbox row: recipients, subject, body (templates.rs) and, for
//! the long-wait notice, the dialog as an attachment.

use super::templates;
use crate::state::AppState;
use beseda_core::local_time;
use beseda_core::model::{Message, Operator};
use beseda_core::settings::{email_list, is_email, OrgSettings};
use beseda_core::state::MessageKind;
use beseda_core::texts;
use beseda_store::{ChatDetail, StoreError};
use serde_json::Value;
use std::collections::HashMap;

/// A composed mail.
#[derive(Debug)]
pub struct Mail {
    /// The sender's display name (the company).
    pub sender: String,
    pub to: Vec<String>,
    pub reply_to: Option<String>,
    pub subject: String,
    pub body: String,
    /// File name and text of a plain-text attachment.
    pub attachment: Option<(String, String)>,
}

/// What to do with an outbox row.
pub enum Composed {
    Send(Mail),
    /// Nothing to send (no addresses, chat gone, …), with the reason recorded.
    Skip(&'static str),
}

/// Template variables every mail has.
pub(super) fn base_vars(s: &OrgSettings) -> HashMap<&'static str, String> {
    HashMap::from([("company", s.name.clone()), ("site", s.site_url.clone()), ("time_zone", s.time_zone.clone())])
}

/// Fills template `kind` in `lang`, signature included.
pub(super) fn render(
    state: &AppState,
    kind: &str,
    lang: &str,
    mut vars: HashMap<&'static str, String>,
) -> (String, String) {
    let dir = state.config.mail_templates_dir.as_deref();
    let signature = templates::fill(&templates::load(dir, "signature", lang), &vars);
    vars.insert("signature", signature.trim_end().to_owned());
    let (subject, body) = templates::split(&templates::load(dir, kind, lang));
    // A header never carries a line break, whatever a visitor typed into their name.
    let subject = templates::fill(&subject, &vars).chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    (subject, templates::fill(&body, &vars))
}

fn visitor_name(d: &ChatDetail, lang: &str) -> String {
    d.visitor.fields.get("name").cloned().unwrap_or_else(|| texts::visitor_default_name(lang).to_owned())
}

fn operator_name(operators: &[Operator], id: Option<i64>) -> String {
    id.and_then(|id| operators.iter().find(|o| o.id.0 == id)).map(|o| o.name.clone()).unwrap_or_else(|| "—".into())
}

/// One line per message: `[21.11.2026 18:00] Анна: текст`; operators' notes only for staff.
pub fn transcript(
    messages: &[Message],
    s: &OrgSettings,
    lang: &str,
    for_staff: bool,
    window: Option<(i64, i64)>,
) -> String {
    let mut out = String::new();
    for m in messages {
        if (!for_staff && !m.kind.visible_to_visitor()) || m.deleted {
            continue;
        }
        if window.is_some_and(|(from, to)| m.created_at < from || m.created_at >= to) {
            continue;
        }
        let when = local_time::format(m.created_at, &s.time_zone, "%d.%m.%Y %H:%M");
        let text = match m.kind {
            MessageKind::FileVisitor | MessageKind::FileOperator => {
                let name = serde_json::from_str::<Value>(&m.text)
                    .ok()
                    .and_then(|d| d.get("filename").and_then(Value::as_str).map(String::from))
                    .unwrap_or_default();
                format!("[{} {name}]", if lang == "en" { "file" } else { "файл" })
            }
            MessageKind::Keyboard => {
                let buttons: Vec<String> = m
                    .data
                    .as_ref()
                    .and_then(|d| d.get("buttons"))
                    .and_then(Value::as_array)
                    .map(|rows| {
                        rows.iter()
                            .flat_map(|r| r.as_array().cloned().unwrap_or_default())
                            .filter_map(|b| b.get("text").and_then(Value::as_str).map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                format!("[{}]", buttons.join(" | "))
            }
            MessageKind::ForOperator => format!("({}) {}", if lang == "en" { "note" } else { "заметка" }, m.text),
            _ => m.text.clone(),
        };
        if m.name.is_empty() {
            out.push_str(&format!("[{when}] {text}\n"));
        } else {
            out.push_str(&format!("[{when}] {}: {text}\n", m.name));
        }
    }
    out.trim_end().to_owned()
}

/// The mail of an outbox row of `kind`.
pub async fn compose(state: &AppState, kind: &str, payload: &Value) -> Result<Composed, StoreError> {
    let s = state.store.settings().await?;
    // E-mails are in Russian for a Russian organisation and in English for any other.
    let lang = beseda_core::languages::interface(&s.default_lang).to_owned();
    if kind == "mail.daily_report" {
        return super::daily::compose(state, &s, payload).await;
    }
    let chat_id = beseda_core::ids::ChatId(payload.get("chatId").and_then(Value::as_i64).unwrap_or(0));
    let Some(d) = state.store.chat(chat_id).await? else { return Ok(Composed::Skip("the chat no longer exists")) };
    let operators = state.store.operators().await?;
    let mut vars = base_vars(&s);
    vars.insert("chat_id", chat_id.0.to_string());
    vars.insert("visitor", visitor_name(&d, &lang));
    vars.insert("operator", operator_name(&operators, d.chat.operator_id.map(|o| o.0)));
    let staff_transcript = transcript(&d.messages, &s, &lang, true, None);
    let (to, reply_to, template, attachment) = match kind {
        "mail.offline_message" => {
            let fields: Vec<String> = d.visitor.fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            vars.insert("fields", fields.join("\n"));
            vars.insert("placement", d.chat.location.clone());
            vars.insert("transcript", staff_transcript);
            let reply = d.visitor.fields.get("email").filter(|e| is_email(e)).cloned();
            (email_list(&s.email_left_messages), reply, "offline_message", None)
        }
        "mail.negative_rating" => {
            let rate = payload.get("rate").and_then(Value::as_i64).unwrap_or(0);
            let of = if lang == "en" { "of" } else { "из" };
            vars.insert("rating", format!("{} {of} 5", rate + 3));
            vars.insert("operator", operator_name(&operators, payload.get("operatorId").and_then(Value::as_i64)));
            vars.insert("note", payload.get("note").and_then(Value::as_str).unwrap_or("—").to_owned());
            vars.insert("transcript", staff_transcript);
            (email_list(&s.email_negative_feedback), None, "negative_rating", None)
        }
        "mail.long_wait" => {
            let reason = payload.get("reason").and_then(Value::as_str).unwrap_or_default();
            let reason = match (reason, lang.as_str()) {
                ("first_answer", "en") => "no first answer in time",
                ("first_answer", _) => "нет первого ответа в срок",
                (_, "en") => "no answer in time",
                _ => "нет ответа в срок",
            };
            vars.insert("reason", reason.to_owned());
            let file = (format!("chat-{}.txt", chat_id.0), staff_transcript);
            (email_list(&s.email_negative_feedback), None, "long_wait", Some(file))
        }
        "mail.chat_history" => {
            let to: Vec<String> = payload.get("email").and_then(Value::as_str).map(String::from).into_iter().collect();
            let lang = beseda_core::languages::interface(payload.get("lang").and_then(Value::as_str).unwrap_or(&lang));
            vars.insert("transcript", transcript(&d.messages, &s, lang, false, None));
            let reply = email_list(&s.email_left_messages).into_iter().next();
            let (subject, body) = render(state, "chat_history", lang, vars);
            return Ok(Composed::Send(Mail {
                sender: s.name.clone(),
                to,
                reply_to: reply,
                subject,
                body,
                attachment: None,
            }));
        }
        _ => return Ok(Composed::Skip("unknown mail kind")),
    };
    if to.is_empty() {
        return Ok(Composed::Skip("no addresses are set for this kind of mail"));
    }
    let (subject, body) = render(state, template, &lang, vars);
    Ok(Composed::Send(Mail { sender: s.name.clone(), to, reply_to, subject, body, attachment }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use beseda_core::ids::{ChatId, MessageId};

    fn message(kind: MessageKind, name: &str, text: &str, at: i64) -> Message {
        Message {
            id: MessageId::from_stored(format!("m{at}")),
            chat_id: ChatId(1),
            client_side_id: String::new(),
            session_id: String::new(),
            kind,
            text: text.into(),
            data: None,
            author_id: None,
            name: name.into(),
            avatar: None,
            created_at: at,
            modified_at: at,
            read: false,
            edited: false,
            deleted: false,
            reaction: None,
            quote: None,
            hint_question: false,
        }
    }

    #[test]
    fn visitors_never_see_operators_notes() {
        let s = OrgSettings { time_zone: "UTC".into(), ..OrgSettings::default() };
        let t0 = 1_795_273_200_000_000; // 2026-11-21 15:00 UTC
        let messages = [
            message(MessageKind::Visitor, "Иван", "Где заказ?", t0),
            message(MessageKind::ForOperator, "Бот", "Клиент VIP", t0 + 60_000_000),
            message(MessageKind::FileOperator, "Анна", r#"{"filename":"счёт.pdf","size":10}"#, t0 + 120_000_000),
            message(MessageKind::Info, "", "Анна присоединилась", t0 + 180_000_000),
        ];
        assert_eq!(
            transcript(&messages, &s, "ru", false, None),
            "[21.11.2026 15:00] Иван: Где заказ?\n[21.11.2026 15:02] Анна: [файл счёт.pdf]\n[21.11.2026 15:03] Анна присоединилась"
        );
        let staff = transcript(&messages, &s, "ru", true, Some((t0 + 1, t0 + 120_000_000)));
        assert_eq!(staff, "[21.11.2026 15:01] Бот: (заметка) Клиент VIP");
    }
}
